package io.flinkcumo.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkcumo.engine.image.ImageAssertions.Diff;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Decoding of the container formats and pixel modes, against what Pillow's
 * {@code Image.open(f).convert("RGB")} gives. The fixtures in {@code src/test/resources} were
 * written by Pillow 9.4 (a few by the JDK writers) from a 64x48 crop of chelsea.png, each with
 * {@code <name>.pil-rgb.png}, Pillow's RGB conversion of it (see the README there).
 */
class ImageDecoderFormatsTest {

    private static final ImageDecoder DECODER = new ImageDecoder();

    /**
     * Lossless containers must match exactly. JPEG goes through libjpeg in both (exact here too, but
     * decoders may round differently); lossy WebP differs because TwelveMonkeys' VP8 decoder
     * upsamples chroma and converts YUV differently from libwebp (measured: max 16, mean 1.2).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // file,             Pillow mode, max abs diff, max mean diff
        "palette.png,        P,    0, 0",
        "bilevel.png,        1,    0, 0",
        "gray_alpha.png,     LA,   0, 0",
        "gray16.png,         I;16, 0, 0",
        "gray16_trns.png,    I;16, 0, 0",
        "animated.gif,       P,    0, 0",
        "offset_frame.gif,   P,    0, 0",
        "rgb24.bmp,          RGB,  0, 0",
        "palette8.bmp,       P,    0, 0",
        "lossless.webp,      RGB,  0, 0",
        "lossy.webp,         RGB,  24, 2.0",
        "progressive.jpg,    RGB,  8, 1.0",
        "gray.jpg,           L,    8, 1.0",
        "cmyk.jpg,           CMYK, 8, 1.0",
        "ycck.jpg,           CMYK, 8, 1.0",
        "icc_linear_png.png, RGB,  0, 0",
        "icc_linear_jpeg.jpg, RGB, 8, 1.0",
        "icc_linear_webp.webp, RGB, 0, 0",
    })
    void matchesPillow(String file, String mode, double maxDiff, double maxMeanDiff) {
        RgbImage actual = DECODER.decode(Fixtures.resource(file));
        String pillowRgb = file.substring(0, file.lastIndexOf('.')) + ".pil-rgb.png";
        RgbImage expected = DECODER.decode(Fixtures.resource(pillowRgb));
        assertThat(actual.width()).isEqualTo(expected.width());
        assertThat(actual.height()).isEqualTo(expected.height());
        Diff diff = Diff.of(floats(actual), floats(expected));
        System.out.printf("%s (Pillow mode %s): decoded RGB vs Pillow: %s%n", file, mode, diff);
        assertThat(diff.max()).isLessThanOrEqualTo(maxDiff);
        assertThat(diff.mean()).isLessThanOrEqualTo(maxMeanDiff);
    }

    @Test
    void sixteenBitGrayIsClampedLikePillow() {
        // Pillow opens it as mode I;16 and convert("RGB") clamps to 0..255 (not v >> 8)
        BufferedImage gray = new BufferedImage(4, 1, BufferedImage.TYPE_USHORT_GRAY);
        gray.getRaster().setPixels(0, 0, 4, 1, new int[] {0, 200, 256, 65535});
        RgbImage rgb = DECODER.decode(Fixtures.png(gray));
        assertThat(rgb.rgb()).containsExactly(0, 0, 0, 200, 200, 200, -1, -1, -1, -1, -1, -1);
    }

    @Test
    void sixteenBitRgbKeepsTheHighByteLikePillow() {
        // Pillow unpacks RGB;16B by keeping the most significant byte
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = cm.createCompatibleWritableRaster(2, 1);
        raster.setPixels(0, 0, 2, 1, new int[] {0x1234, 0xff00, 0x00ff, 0xabcd, 0x0100, 0x7fff});
        RgbImage rgb = DECODER.decode(Fixtures.png(new BufferedImage(cm, raster, false, null)));
        assertThat(rgb.rgb()).containsExactly(0x12, 0xff, 0x00, 0xab, 0x01, 0x7f);
    }

    @Test
    void grayIsReadFromSamplesWithoutColourManagement() {
        // getRGB() would map linear gray 100 to sRGB ~170; Pillow replicates the stored value
        BufferedImage gray = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(0, 0, 0, 100);
        assertThat(DECODER.decode(Fixtures.png(gray)).rgb()).containsExactly(100, 100, 100);
    }

    @Test
    void transparentPixelsKeepTheirStoredColour() {
        BufferedImage rgba = new BufferedImage(2, 1, BufferedImage.TYPE_4BYTE_ABGR);
        rgba.getRaster().setPixels(0, 0, 2, 1, new int[] {10, 20, 30, 0, 40, 50, 60, 128});
        assertThat(DECODER.decode(Fixtures.png(rgba)).rgb()).containsExactly(10, 20, 30, 40, 50, 60);
    }

    private static float[] floats(RgbImage image) {
        float[] f = new float[image.rgb().length];
        for (int i = 0; i < f.length; i++) {
            f[i] = image.rgb()[i] & 0xff;
        }
        return f;
    }
}
