package io.flinkcumo.engine.image;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Removes embedded ICC profiles from JPEG and WebP files before decoding. Pillow's
 * {@code convert("RGB")} ignores them, while the TwelveMonkeys readers colour-convert to sRGB when
 * a profile is present (measured: up to 73 levels off for a linear-RGB profile). Removing the
 * profile bytes yields the stored pixels, which is what Pillow uses.
 *
 * <p>Malformed structure is left alone (the bytes are returned unchanged) so that the decoder
 * reports the corruption.
 */
final class EmbeddedProfiles {

    private static final byte[] ICC_PROFILE = "ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ADOBE = "Adobe".getBytes(StandardCharsets.US_ASCII);

    private EmbeddedProfiles() {}

    /**
     * A JPEG without its APP2 {@code ICC_PROFILE} segments, plus what the header says about the
     * colour layout: {@code components} from the first SOF segment (0 if none was seen) and the
     * Adobe APP14 {@code transform} (0 = none/CMYK/RGB, 1 = YCbCr, 2 = YCCK; -1 without APP14).
     */
    record Jpeg(byte[] bytes, int components, int adobeTransform) {}

    static Jpeg jpeg(byte[] in) {
        if (in.length < 4 || (in[0] & 0xff) != 0xff || (in[1] & 0xff) != 0xd8) {
            return new Jpeg(in, 0, -1);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        out.write(in, 0, 2);
        int components = 0;
        int adobeTransform = -1;
        boolean stripped = false;
        int pos = 2;
        while (pos + 4 <= in.length && (in[pos] & 0xff) == 0xff) {
            int marker = in[pos + 1] & 0xff;
            if (marker == 0xff) { // fill byte
                out.write(0xff);
                pos++;
                continue;
            }
            if (marker == 0xda || marker == 0xd9 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
                break; // start of scan (or a marker without length): the rest is copied as is
            }
            int length = ((in[pos + 2] & 0xff) << 8) | (in[pos + 3] & 0xff);
            int data = pos + 4;
            int end = pos + 2 + length;
            if (length < 2 || end > in.length) {
                return new Jpeg(in, components, adobeTransform); // malformed: let the decoder say so
            }
            if (marker == 0xe2 && startsWith(in, data, end, ICC_PROFILE)) {
                stripped = true;
            } else {
                if (marker == 0xee && startsWith(in, data, end, ADOBE) && data + 11 < end) {
                    adobeTransform = in[data + 11] & 0xff;
                }
                if (isStartOfFrame(marker) && components == 0 && data + 5 < end) {
                    components = in[data + 5] & 0xff;
                }
                out.write(in, pos, end - pos);
            }
            pos = end;
        }
        if (!stripped) {
            return new Jpeg(in, components, adobeTransform);
        }
        out.write(in, pos, in.length - pos);
        return new Jpeg(out.toByteArray(), components, adobeTransform);
    }

    /** A WebP without its {@code ICCP} chunk (and with the VP8X ICC flag cleared). */
    static byte[] webp(byte[] in) {
        if (in.length < 12 || !startsWith(in, 0, 4, "RIFF".getBytes(StandardCharsets.US_ASCII))
                || !startsWith(in, 8, 12, "WEBP".getBytes(StandardCharsets.US_ASCII))) {
            return in;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        out.write(in, 0, 12);
        boolean stripped = false;
        int pos = 12;
        while (pos + 8 <= in.length) {
            String fourcc = new String(in, pos, 4, StandardCharsets.US_ASCII);
            long size = ByteBuffer.wrap(in, pos + 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
            long end = pos + 8 + size + (size & 1);
            if (end > in.length) {
                end = in.length; // truncated last chunk: keep it for the decoder to judge
            }
            if (fourcc.equals("ICCP")) {
                stripped = true;
            } else {
                byte[] chunk = Arrays.copyOfRange(in, pos, (int) end);
                if (fourcc.equals("VP8X") && chunk.length > 8) {
                    chunk[8] &= (byte) ~0x20; // "ICC profile present" flag
                }
                out.write(chunk, 0, chunk.length);
            }
            pos = (int) end;
        }
        if (!stripped) {
            return in;
        }
        out.write(in, pos, in.length - pos);
        byte[] result = out.toByteArray();
        ByteBuffer.wrap(result, 4, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(result.length - 8);
        return result;
    }

    private static boolean isStartOfFrame(int marker) {
        return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    }

    private static boolean startsWith(byte[] in, int from, int end, byte[] prefix) {
        if (end - from < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (in[from + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
