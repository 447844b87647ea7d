package io.flinkcumo.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.flinkcumo.engine.image.ClipImageProcessor.AspectMode;
import io.flinkcumo.engine.image.ClipImageProcessor.Options;

import java.nio.FloatBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Aspect modes, extreme shapes, limits and options. Hashes marked "Pillow 9.4" were computed
 * outside the build with Pillow's {@code Image.resize(..., BICUBIC)} on the same input (for square
 * mode, after transformers' shortest-edge size rule and centre-crop offsets).
 */
class ClipImageProcessorTest {

    private static final ClipImageProcessor PAD = new ClipImageProcessor();
    private static final ClipImageProcessor SQUARE =
            new ClipImageProcessor(Options.DEFAULT.withAspectMode(AspectMode.SQUARE), new ImageDecoder());

    @Test
    void padColourIsIntOf255TimesMean() {
        assertThat(Options.DEFAULT.padColor()).containsExactly(122, 116, 104);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // image, resized to (Pillow 9.4: 505x336, 336x475, 336x336), SHA-256 of the 336x336 crop, pixel sum
        "chelsea,            868878b384f9cf30aa7396f1be45b93c7802d11a5a30b251b7dd67af1f6f0c62, -10466.445818779874",
        "astronaut_portrait, 6df49ec470b92a21a8ac9f304e48fb50d148ba8883b4244ccdff2a298eaf2d91, 89064.55343141651",
        "camera_gray,        1c0cf0bb594a1d7bf5d605cb25c79d34b6691b7978de7695252f6a0a6c379164, 71284.33000119054",
    })
    void squareModeResizesTheShortestEdgeThenCentreCrops(String id, String sha256, double pixelSum) {
        byte[] encoded = ConformanceData.bytes(ConformanceData.root().resolve("images/" + id + ".png"));
        RgbImage decoded = new ImageDecoder().decode(encoded);
        assertThat(ImageAssertions.sha256(SQUARE.resize(decoded).rgb())).isEqualTo(sha256);
        assertThat(ImageAssertions.sum(SQUARE.preprocess(encoded).data())).isCloseTo(pixelSum, within(1e-3));
    }

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({
        // width, height, SHA-256 of the resized image (Pillow 9.4), pixel (0,0), pixel (168,168)
        "1,     10000, 368e7131e00ea13ee2111fdb114f7f5b192fd58d193f8e8453e860f86257e3b5, 122, 123",
        "10000, 1,     4177b2a21f6395a2b26eb49def16cecee2d470814940551bb0052b9d9301c8a2, 122, 123",
        "1,     1,     e0025af8f3598e61c8cddd2d4d72bf613cacecf5e598c2c330db04282171153f, 0,   0",
        "3,     1,     4fbb5e65d34b98673f14f146b4d6d6673296965e48660601aa21ab8e1983862f, 137, 1",
    })
    void extremeShapesArePaddedLikePillow(int width, int height, String sha256, int corner, int centre) {
        RgbImage strip = strip(width, height);
        RgbImage resized = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> PAD.resize(strip));
        assertThat(ImageAssertions.sha256(resized.rgb())).isEqualTo(sha256);
        assertThat(resized.sample(0, 0, 0)).isEqualTo(corner);
        assertThat(resized.sample(168, 168, 0)).isEqualTo(centre);
        PixelValues values = PAD.preprocess(strip);
        assertThat(values.originalWidth()).isEqualTo(width);
        assertThat(values.originalHeight()).isEqualTo(height);
    }

    @Test
    void workingCanvasIsBounded() {
        RgbImage tall = strip(1, 70_000);
        assertThatThrownBy(() -> PAD.resize(tall))
                .isExactlyInstanceOf(InvalidImageException.class)
                .hasMessage("image is 1x70000; padding it to a square needs a side of 70000, above the limit of 65536");
        RgbImage thin = strip(1, 200);
        assertThatThrownBy(() -> SQUARE.resize(thin))
                .isExactlyInstanceOf(InvalidImageException.class)
                .hasMessage("image is 1x200; resizing its shorter edge to 336 needs a side of 67200, above the limit"
                        + " of 65536");
        assertThat(SQUARE.resize(strip(1, 195)).width()).isEqualTo(336);
    }

    @Test
    void optionsChangeSizeAndNormalisation() {
        Options options = new Options(224, new double[] {0.5, 0.5, 0.5}, new double[] {0.5, 0.5, 0.5},
                AspectMode.PAD, 4096);
        ClipImageProcessor processor = new ClipImageProcessor(options, new ImageDecoder());
        RgbImage white = new RgbImage(2, 2, filled(12, (byte) 255));
        PixelValues values = processor.preprocess(white);
        assertThat(values.shape()).containsExactly(3, 224, 224);
        assertThat(values.data()).hasSize(3 * 224 * 224).containsOnly(1.0f);
        assertThat(options.padColor()).containsExactly(127, 127, 127);
    }

    @Test
    void directBufferHoldsTheSameValues() {
        PixelValues values = PAD.preprocess(strip(5, 3));
        FloatBuffer buffer = values.toDirectBuffer();
        assertThat(buffer.isDirect()).isTrue();
        assertThat(buffer.remaining()).isEqualTo(values.data().length);
        for (int i = 0; i < values.data().length; i += 997) {
            assertThat(buffer.get(i)).isEqualTo(values.data()[i]);
        }
    }

    @Test
    void undecodableBytesSurfaceAsInvalidImage() {
        assertThatThrownBy(() -> PAD.preprocess(new byte[] {1, 2, 3}))
                .isExactlyInstanceOf(InvalidImageException.class)
                .hasMessageStartingWith("not a recognised image format");
    }

    /** Pixel i (row-major) = (i % 256, 7i % 256, 13i % 256). */
    private static RgbImage strip(int width, int height) {
        byte[] px = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++) {
            px[i * 3] = (byte) i;
            px[i * 3 + 1] = (byte) (i * 7);
            px[i * 3 + 2] = (byte) (i * 13);
        }
        return new RgbImage(width, height, px);
    }

    private static byte[] filled(int n, byte value) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, value);
        return b;
    }
}
