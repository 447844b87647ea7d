package io.flinkcumo.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bytes that are not a usable image: always an {@link InvalidImageException}, quickly. */
class ImageDecoderHostileInputTest {

    private static final ImageDecoder DECODER = new ImageDecoder();
    private static final Duration QUICK = Duration.ofSeconds(2);

    /** Issue 12, class 1: an error never repeats the input's bytes (they may be any file's content). */
    @Test
    void errorsNeverEchoTheInputBytes() {
        byte[] passwd = "root:x:0:0:root:/root:/bin/bash\n".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> DECODER.decode(passwd))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("not a recognised image format")
                .hasMessageContaining(passwd.length + " bytes")
                .hasMessageNotContaining("72 6f")
                .hasMessageNotContaining("root");
    }

    @Test
    void emptyInput() {
        assertRejected(new byte[0], "empty input (0 bytes)");
        assertRejected(null, "empty input (0 bytes)");
    }

    @Test
    void randomBytesAndText() {
        Random random = new Random(42);
        for (int n : new int[] {1, 2, 7, 100, 10_000}) {
            byte[] bytes = new byte[n];
            random.nextBytes(bytes);
            assertRejected(bytes, "not a recognised image format");
        }
        byte[] zeros = new byte[64]; // would pass ImageIO's WBMP sniffing; WBMP is not accepted
        assertRejected(zeros, "not a recognised image format");
        assertRejected("<html>not an image</html>".getBytes(StandardCharsets.UTF_8), "not a recognised image format");
    }

    @Test
    void unsupportedFormatsAreNotRecognised() {
        byte[] tiff = {'I', 'I', 42, 0, 8, 0, 0, 0, 0, 0};
        assertRejected(tiff, "not a recognised image format");
    }

    @ParameterizedTest
    @ValueSource(strings = {"images/chelsea.png", "images/tiny_97x31.jpg"})
    void truncatedFiles(String file) {
        byte[] whole = ConformanceData.bytes(ConformanceData.root().resolve(file));
        String format = file.endsWith(".png") ? "PNG" : "JPEG";
        for (double fraction : new double[] {0.001, 0.01, 0.05, 0.2, 0.5, 0.9, 0.99}) {
            int cut = Math.max(9, (int) (whole.length * fraction));
            assertRejected(Arrays.copyOf(whole, cut), "truncated or corrupt " + format);
        }
        if (format.equals("JPEG")) {
            // all scan data present, only the EOI marker missing: Pillow says "image file is truncated"
            assertRejected(Arrays.copyOf(whole, whole.length - 2), "truncated or corrupt JPEG");
        }
    }

    @Test
    void pngHeaderClaimingTenGigapixelsIsRejectedBeforeDecoding() {
        byte[] png = pngWithHeader(100_000, 100_000);
        assertRejected(png, "image is 100000x100000 = 10000000000 pixels, above the limit of 89478485");
    }

    @Test
    void jpegHeaderClaimingFourGigapixelsIsRejectedBeforeDecoding() {
        byte[] jpeg = ConformanceData.bytes(ConformanceData.root().resolve("images/tiny_97x31.jpg"));
        int sof = indexOf(jpeg, (byte) 0xff, (byte) 0xc0);
        ByteBuffer.wrap(jpeg, sof + 5, 4).putShort((short) 0xffff).putShort((short) 0xffff); // height, width
        assertRejected(jpeg, "image is 65535x65535 = 4294836225 pixels, above the limit of 89478485");
    }

    @Test
    void limitsAreConfigurable() {
        byte[] png = ConformanceData.bytes(ConformanceData.root().resolve("images/chelsea.png"));
        assertRejected(png, new ImageDecoder(new ImageDecoder.Limits(451 * 300 - 1, 1 << 20)),
                "image is 451x300 = 135300 pixels, above the limit of 135299");
        assertRejected(png, new ImageDecoder(new ImageDecoder.Limits(1 << 20, 1000)),
                "encoded image is 240512 bytes, above the limit of 1000");
        assertThat(new ImageDecoder(new ImageDecoder.Limits(451 * 300, png.length)).decode(png).width()).isEqualTo(451);
    }

    @Test
    void corruptedFilesNeverThrowAnythingElse() {
        // random byte flips (half of them in the header) in valid files of every format:
        // either a decoded image or InvalidImageException
        Random random = new Random(7);
        for (String file : new String[] {"images/chelsea.png", "images/tiny_97x31.jpg", "images/nebula_alpha.png",
                "ycck.jpg", "icc_linear_jpeg.jpg", "icc_linear_webp.webp", "lossy.webp", "animated.gif",
                "offset_frame.gif", "rgb24.bmp"}) {
            byte[] whole = file.startsWith("images/")
                    ? ConformanceData.bytes(ConformanceData.root().resolve(file))
                    : Fixtures.resource(file);
            for (int trial = 0; trial < 60; trial++) {
                byte[] bytes = whole.clone();
                int flips = 1 + random.nextInt(8);
                for (int f = 0; f < flips; f++) {
                    int at = random.nextInt(Math.min(bytes.length, trial % 2 == 0 ? 200 : bytes.length));
                    bytes[at] = (byte) random.nextInt(256);
                }
                assertTimeoutPreemptively(QUICK, () -> {
                    try {
                        DECODER.decode(bytes);
                    } catch (InvalidImageException expected) {
                        assertThat(expected.getMessage()).isNotBlank();
                    }
                }, file + " trial " + trial);
            }
        }
    }

    private static void assertRejected(byte[] bytes, String message) {
        assertRejected(bytes, DECODER, message);
    }

    private static void assertRejected(byte[] bytes, ImageDecoder decoder, String message) {
        assertTimeoutPreemptively(QUICK, () -> assertThatThrownBy(() -> decoder.decode(bytes))
                .isExactlyInstanceOf(InvalidImageException.class)
                .hasMessageContaining(message));
    }

    /** A PNG signature, an IHDR (8-bit RGB) declaring width x height with a valid CRC, a tiny IDAT and IEND. */
    static byte[] pngWithHeader(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x63, 0, 0, 0, 1, 0, 1});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static int indexOf(byte[] bytes, byte a, byte b) {
        for (int i = 0; i + 1 < bytes.length; i++) {
            if (bytes[i] == a && bytes[i + 1] == b) {
                return i;
            }
        }
        throw new IllegalArgumentException("marker not found");
    }
}
