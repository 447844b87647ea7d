package io.flinkcumo.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flinkcumo.engine.image.ConformanceData.ImageCase;
import io.flinkcumo.engine.image.ImageAssertions.Diff;
import io.flinkcumo.engine.safetensors.SafetensorsFile;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every image of the conformance data through the whole preprocessing, against the Python
 * reference (PIL + transformers CLIPImageProcessor): decoded size, bit-exact resize (SHA-256 of the
 * 336x336 uint8 image), pixel tensor and its sum. JPEG inputs are also run from the decoded pixels
 * the reference stored, so that decoder differences do not hide resize differences.
 */
class PreprocessConformanceTest {

    private static final ClipImageProcessor PROCESSOR = new ClipImageProcessor();
    private static final ImageDecoder DECODER = new ImageDecoder();
    private static SafetensorsFile expected;

    static List<ImageCase> images() {
        return ConformanceData.images();
    }

    @BeforeAll
    static void open() throws IOException {
        expected = ConformanceData.preprocessTensors();
    }

    @AfterAll
    static void close() throws IOException {
        expected.close();
    }

    @ParameterizedTest
    @MethodSource("images")
    void decodesToTheReferenceSize(ImageCase img) {
        RgbImage decoded = DECODER.decode(ConformanceData.bytes(img.file()));
        assertThat(decoded.width()).isEqualTo(img.width());
        assertThat(decoded.height()).isEqualTo(img.height());
        assertThat(Math.max(decoded.width(), decoded.height())).isEqualTo(img.paddedSize());
        if (img.mode().equals("L")) {
            for (int i = 0; i < decoded.rgb().length; i += 3) {
                assertThat(decoded.rgb()[i]).isEqualTo(decoded.rgb()[i + 1]).isEqualTo(decoded.rgb()[i + 2]);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("images")
    void jpegDecodeIsCloseToTheReferenceDecoder(ImageCase img) throws IOException {
        if (img.decodedKey() == null) {
            return;
        }
        RgbImage decoded = DECODER.decode(ConformanceData.bytes(img.file()));
        int[] reference = expected.readInts(img.decodedKey());
        assertThat(expected.info(img.decodedKey()).shape()).containsExactly(img.height(), img.width(), 3);
        Diff diff = Diff.of(decoded.rgb(), reference);
        System.out.printf("%s: decoded RGB vs reference decoder: %s%n", img.id(), diff);
        assertThat(diff.max()).isLessThanOrEqualTo(8);
        assertThat(diff.mean()).isLessThanOrEqualTo(1.0);
    }

    @ParameterizedTest
    @MethodSource("images")
    void resizeIsBitExact(ImageCase img) throws IOException {
        RgbImage source = referencePixels(img);
        assertThat(ImageAssertions.sha256(PROCESSOR.resize(source).rgb())).isEqualTo(img.resizedSha256());
    }

    @ParameterizedTest
    @MethodSource("images")
    void pixelValuesMatchTheReference(ImageCase img) throws IOException {
        PixelValues actual = PROCESSOR.preprocess(referencePixels(img));
        float[] want = expected.readFloats(img.pixelKey());
        assertThat(expected.info(img.pixelKey()).shape()).containsExactly(3, 336, 336);
        Diff diff = Diff.of(actual.data(), want);
        System.out.printf("%s: pixel values vs reference: %s%n", img.id(), diff);
        assertThat(diff.max()).isLessThanOrEqualTo(1e-6);
        assertThat(ImageAssertions.sum(actual.data())).isCloseTo(img.pixelSum(), within(1e-3));
        assertThat(actual.originalWidth()).isEqualTo(img.width());
        assertThat(actual.originalHeight()).isEqualTo(img.height());
        assertThat(actual.shape()).containsExactly(3, 336, 336);
    }

    @ParameterizedTest
    @MethodSource("images")
    void endToEndFromEncodedBytes(ImageCase img) throws IOException {
        PixelValues actual = PROCESSOR.preprocess(ConformanceData.bytes(img.file()));
        Diff diff = Diff.of(actual.data(), expected.readFloats(img.pixelKey()));
        System.out.printf("%s: end to end (own decoder) vs reference: %s%n", img.id(), diff);
        assertThat(diff.max()).isLessThanOrEqualTo(0.05);
        assertThat(diff.mean()).isLessThanOrEqualTo(0.005);
        // 0.005 mean over 3*336*336 values bounds the sum difference by ~1700
        assertThat(ImageAssertions.sum(actual.data())).isCloseTo(img.pixelSum(), within(0.005 * 3 * 336 * 336));
    }

    /** The reference's decoded pixels for JPEG inputs, else our own decode (exact for PNG). */
    private static RgbImage referencePixels(ImageCase img) throws IOException {
        if (img.decodedKey() != null) {
            return ImageAssertions.rgb(img.width(), img.height(), expected.readInts(img.decodedKey()));
        }
        return DECODER.decode(ConformanceData.bytes(img.file()));
    }
}
