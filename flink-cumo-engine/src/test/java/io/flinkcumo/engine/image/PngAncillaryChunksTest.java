package io.flinkcumo.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, class 3: compressed metadata chunks inside a PNG are never inflated. Each crafted PNG
 * carries a chunk whose content inflates to 1 GiB (zTXt, iTXt, iCCP) in a few hundred KiB of file;
 * decoding must give the same pixels as the plain PNG, fast and without the heap growing by more
 * than a few MiB.
 */
class PngAncillaryChunksTest {

    private static final ImageDecoder DECODER = new ImageDecoder();
    private static final long GIB = 1L << 30;

    @Test
    void zTxtBombIsNotInflated() {
        assertSamePixelsWithLittleMemory("zTXt", keyword("Comment", (byte) 0), deflatedZeros(GIB));
    }

    @Test
    void iTxtCompressedBombIsNotInflated() {
        // keyword, null, compression flag 1, method 0, language tag "", null, translated keyword "", null
        byte[] header = concat(keyword("XML:com.adobe.xmp", (byte) 0), new byte[] {1, 0, 0, 0});
        assertSamePixelsWithLittleMemory("iTXt", header, deflatedZeros(GIB));
    }

    @Test
    void iccpBombIsNotInflated() {
        assertSamePixelsWithLittleMemory("iCCP", keyword("icc", (byte) 0), deflatedZeros(GIB));
    }

    @Test
    void manyTextChunksAndUnknownChunksAreDropped() {
        byte[] plain = plainPng();
        byte[] png = plain;
        for (int i = 0; i < 200; i++) {
            png = insertAfterIhdr(png, chunk(i % 2 == 0 ? "tEXt" : "prVt", ("k" + i + "\0value").getBytes(StandardCharsets.ISO_8859_1)));
        }
        assertThat(PngChunks.pixelChunksOnly(png)).isEqualTo(plain);
        assertThat(DECODER.decode(png).samePixels(DECODER.decode(plain))).isTrue();
    }

    @Test
    void ancillaryChunkClaimingMoreBytesThanTheFileIsDroppedNotRead() {
        byte[] plain = plainPng();
        byte[] huge = new byte[12];
        ByteBuffer.wrap(huge).putInt(0x7fffffff).put("zTXt".getBytes(StandardCharsets.ISO_8859_1));
        byte[] png = concat(Arrays.copyOf(plain, plain.length - 12), huge); // IEND replaced by a lying zTXt
        assertThatThrownBy(() -> DECODER.decode(png)).isInstanceOf(InvalidImageException.class);
    }

    @Test
    void plainPngIsPassedThroughUntouched() {
        byte[] plain = plainPng();
        assertThat(PngChunks.pixelChunksOnly(plain)).isSameAs(plain);
    }

    private static void assertSamePixelsWithLittleMemory(String type, byte[] header, byte[] compressed) {
        byte[] plain = plainPng();
        byte[] bomb = insertAfterIhdr(plain, chunk(type, concat(header, compressed)));
        assertThat(bomb.length).isLessThan(2 << 20);
        RgbImage expected = DECODER.decode(plain);
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long before = rt.totalMemory() - rt.freeMemory();
        long start = System.nanoTime();
        RgbImage decoded = DECODER.decode(bomb);
        long millis = (System.nanoTime() - start) / 1_000_000;
        long grown = rt.totalMemory() - rt.freeMemory() - before;
        assertThat(decoded.samePixels(expected)).as("same pixels as without the chunk").isTrue();
        assertThat(millis).as("decoding time").isLessThan(2_000);
        assertThat(grown).as("heap growth while decoding a %s bomb", type).isLessThan(64L << 20);
    }

    private static byte[] plainPng() {
        BufferedImage image = new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 32; x++) {
                image.setRGB(x, y, (x * 8) << 16 | (y * 10) << 8 | 77);
            }
        }
        return Fixtures.png(image);
    }

    /** {@code n} zero bytes, deflated (about 1 MiB per GiB). */
    static byte[] deflatedZeros(long n) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] zeros = new byte[1 << 20];
        byte[] buffer = new byte[1 << 16];
        for (long done = 0; done < n; done += zeros.length) {
            deflater.setInput(zeros);
            while (!deflater.needsInput()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
        }
        deflater.finish();
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        return out.toByteArray();
    }

    static byte[] keyword(String keyword, byte method) {
        return concat(keyword.getBytes(StandardCharsets.ISO_8859_1), new byte[] {0, method});
    }

    static byte[] chunk(String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.ISO_8859_1);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        return ByteBuffer.allocate(12 + data.length).putInt(data.length).put(typeBytes).put(data)
                .putInt((int) crc.getValue()).array();
    }

    /** The chunk inserted right after IHDR (signature 8 bytes + IHDR 25 bytes). */
    static byte[] insertAfterIhdr(byte[] png, byte[] chunk) {
        int at = 8 + 25;
        return concat(Arrays.copyOf(png, at), chunk, Arrays.copyOfRange(png, at, png.length));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p, 0, p.length);
        }
        return out.toByteArray();
    }
}
