package io.flinkcumo.engine.image;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Keeps only the PNG chunks that carry pixels before decoding: {@code IHDR}, {@code PLTE},
 * {@code tRNS}, {@code IDAT} and {@code IEND}. Everything else (text, {@code zTXt}/{@code iTXt}
 * whose compressed text may inflate to gigabytes, {@code iCCP} profiles, EXIF, animation chunks) is
 * dropped unread: ImageIO's PNG reader would otherwise inflate compressed ancillary chunks into
 * memory while reading the metadata. Pillow's {@code convert("RGB")} uses none of them, so the
 * pixels are unchanged, and memory stays bounded by the pixel limit (image rows) and the byte
 * limit (the file), whatever the chunks claim.
 *
 * <p>Layout (PNG spec, section 5.3): an 8-byte signature, then chunks of {@code length u32 BE,
 * type 4 ASCII, data[length], crc u32}. A chunk whose length runs past the end is left to the
 * decoder when it is one of the kept chunks (it reports the truncation) and dropped otherwise.
 */
final class PngChunks {

    static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private static final Set<String> KEPT = Set.of("IHDR", "PLTE", "tRNS", "IDAT", "IEND");

    private PngChunks() {}

    /** {@code png} with only the {@link #KEPT} chunks; the same array when there is nothing to drop. */
    static byte[] pixelChunksOnly(byte[] png) {
        if (!isPng(png)) {
            return png;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(png.length);
        out.write(png, 0, SIGNATURE.length);
        boolean dropped = false;
        int pos = SIGNATURE.length;
        while (pos + 8 <= png.length) {
            long length = readU32(png, pos);
            String type = new String(png, pos + 4, 4, StandardCharsets.ISO_8859_1);
            long end = pos + 12 + length; // length, type, data, crc
            boolean kept = KEPT.contains(type);
            if (end > png.length) {
                if (kept) {
                    out.write(png, pos, png.length - pos); // truncated: the decoder says so
                } else {
                    dropped = true;
                }
                pos = png.length;
                break;
            }
            if (kept) {
                out.write(png, pos, (int) (end - pos));
            } else {
                dropped = true;
            }
            pos = (int) end;
            if (type.equals("IEND")) {
                break;
            }
        }
        if (pos < png.length) {
            dropped = true; // bytes after IEND or a cut chunk header: never read
        }
        return dropped ? out.toByteArray() : png;
    }

    static boolean isPng(byte[] bytes) {
        if (bytes.length < SIGNATURE.length) {
            return false;
        }
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (bytes[i] != SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    private static long readU32(byte[] b, int at) {
        return ((b[at] & 0xffL) << 24) | ((b[at + 1] & 0xffL) << 16) | ((b[at + 2] & 0xffL) << 8) | (b[at + 3] & 0xffL);
    }
}
