package io.flinkcumo.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkcumo.engine.image.ConformanceData.ImageCase;
import io.flinkcumo.engine.image.ImageAssertions.Diff;
import io.flinkcumo.engine.safetensors.SafetensorsFile;

import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The S² 3x upsampling: an independent transcription of PyTorch's bicubic kernel
 * ({@link #bicubicUpsampleReference}) against the reference samples, and the
 * {@link CubicInterpolation#weights} matrices against that transcription.
 */
class CubicInterpolationTest {

    private static final int SIZE = 336;
    private static final int UP = 3 * SIZE;
    private static SafetensorsFile expected;
    private static int[] sampleIndices;

    static List<ImageCase> images() {
        return ConformanceData.images();
    }

    @BeforeAll
    static void open() throws IOException {
        expected = ConformanceData.preprocessTensors();
        JsonNode idx = ConformanceData.cases().get("constants").get("s2_upsample_sample_indices");
        sampleIndices = new int[idx.size()];
        for (int i = 0; i < sampleIndices.length; i++) {
            sampleIndices[i] = idx.get(i).asInt();
        }
    }

    @AfterAll
    static void close() throws IOException {
        expected.close();
    }

    @ParameterizedTest
    @MethodSource("images")
    void referenceUpsampleMatchesTheS2Samples(ImageCase img) throws IOException {
        float[] pixels = expected.readFloats(img.pixelKey());
        float[] up = bicubicUpsampleReference(pixels, 3, SIZE, SIZE, UP, UP);
        int n = sampleIndices.length;
        assertThat(expected.info(img.s2SampleKey()).shape()).containsExactly(3, n, n);
        Diff diff = Diff.of(sample(up, UP, UP), expected.readFloats(img.s2SampleKey()));
        System.out.printf("%s: S2 upsample sample vs reference: %s%n", img.id(), diff);
        assertThat(diff.max()).isLessThanOrEqualTo(1e-4);
    }

    @Test
    void weightMatricesReproduceTheReference() throws IOException {
        float[] pixels = expected.readFloats("pixel_values.chelsea");
        float[] wh = CubicInterpolation.weights(SIZE, UP);
        float[] viaMatrices = applySeparable(pixels, 3, SIZE, SIZE, wh, UP, wh, UP);
        Diff diff = Diff.of(viaMatrices, bicubicUpsampleReference(pixels, 3, SIZE, SIZE, UP, UP));
        System.out.printf("chelsea: W_h X W_w^T vs reference loop over the full 3x1008x1008: %s%n", diff);
        assertThat(diff.max()).isLessThanOrEqualTo(1e-5);
    }

    @Test
    void weightMatricesHandleOtherShapesAndDownscaling() {
        Random random = new Random(3);
        int[][] shapes = {{5, 7, 15, 21}, {4, 9, 2, 3}, {1, 1, 3, 3}, {6, 2, 6, 2}, {3, 8, 10, 5}};
        for (int[] s : shapes) {
            int h = s[0], w = s[1], oh = s[2], ow = s[3];
            float[] x = new float[2 * h * w];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] got = applySeparable(x, 2, h, w,
                    CubicInterpolation.weights(h, oh), oh, CubicInterpolation.weights(w, ow), ow);
            assertThat(Diff.of(got, bicubicUpsampleReference(x, 2, h, w, oh, ow)).max())
                    .as("%dx%d -> %dx%d", h, w, oh, ow).isLessThanOrEqualTo(1e-5);
        }
    }

    @Test
    void rowsSumToOneAndBordersAccumulate() {
        float[] w = CubicInterpolation.weights(SIZE, UP);
        for (int o = 0; o < UP; o++) {
            double sum = 0;
            for (int i = 0; i < SIZE; i++) {
                sum += w[o * SIZE + i];
            }
            assertThat(sum).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-6));
        }
        // output 0: source -1/3, taps -2..1 -> the two clamped taps land on column 0
        float[] c = new float[4];
        assertThat(CubicInterpolation.sourceIndex(SIZE, UP, 0, c)).isEqualTo(-1);
        assertThat(w[0]).isEqualTo(c[0] + c[1] + c[2]);
        assertThat(w[1]).isEqualTo(c[3]);
    }

    /**
     * PyTorch {@code F.interpolate(x, size=(outH, outW), mode="bicubic", align_corners=False)} on
     * one [c, h, w] tensor, written directly from the CPU kernel's definition (float32 index and
     * coefficient math, A = -0.75, clamped taps, 4x4 sum per output).
     */
    static float[] bicubicUpsampleReference(float[] chw, int c, int h, int w, int outH, int outW) {
        float[] out = new float[c * outH * outW];
        float scaleY = (float) h / outH;
        float scaleX = (float) w / outW;
        for (int oy = 0; oy < outH; oy++) {
            float realY = scaleY * (oy + 0.5f) - 0.5f;
            int iy = Math.min((int) Math.floor(realY), h - 1);
            float[] wy = cubicCoefficients(Math.min(Math.max(realY - iy, 0f), 1f));
            for (int ox = 0; ox < outW; ox++) {
                float realX = scaleX * (ox + 0.5f) - 0.5f;
                int ix = Math.min((int) Math.floor(realX), w - 1);
                float[] wx = cubicCoefficients(Math.min(Math.max(realX - ix, 0f), 1f));
                for (int ch = 0; ch < c; ch++) {
                    float acc = 0f;
                    for (int i = 0; i < 4; i++) {
                        int y = Math.max(0, Math.min(h - 1, iy - 1 + i));
                        float row = 0f;
                        for (int j = 0; j < 4; j++) {
                            int x = Math.max(0, Math.min(w - 1, ix - 1 + j));
                            row += chw[(ch * h + y) * w + x] * wx[j];
                        }
                        acc += row * wy[i];
                    }
                    out[(ch * outH + oy) * outW + ox] = acc;
                }
            }
        }
        return out;
    }

    /** PyTorch's get_cubic_upsample_coefficients for fraction t, A = -0.75. */
    private static float[] cubicCoefficients(float t) {
        final float a = -0.75f;
        float x1 = t;
        float x2 = 1f - t;
        return new float[] {
            ((a * (x1 + 1) - 5 * a) * (x1 + 1) + 8 * a) * (x1 + 1) - 4 * a,
            ((a + 2) * x1 - (a + 3)) * x1 * x1 + 1,
            ((a + 2) * x2 - (a + 3)) * x2 * x2 + 1,
            ((a * (x2 + 1) - 5 * a) * (x2 + 1) + 8 * a) * (x2 + 1) - 4 * a,
        };
    }

    /** out[ch] = Wh · X[ch] · Wwᵀ with Wh [oh, h] and Ww [ow, w], accumulated in double. */
    private static float[] applySeparable(float[] x, int c, int h, int w, float[] wh, int oh, float[] ww, int ow) {
        float[] out = new float[c * oh * ow];
        double[] tmp = new double[h * ow]; // X · Wwᵀ, [h, ow]
        for (int ch = 0; ch < c; ch++) {
            java.util.Arrays.fill(tmp, 0);
            for (int y = 0; y < h; y++) {
                for (int o = 0; o < ow; o++) {
                    double s = 0;
                    for (int i = 0; i < w; i++) {
                        s += x[(ch * h + y) * w + i] * (double) ww[o * w + i];
                    }
                    tmp[y * ow + o] = s;
                }
            }
            for (int oy = 0; oy < oh; oy++) {
                for (int o = 0; o < ow; o++) {
                    double s = 0;
                    for (int y = 0; y < h; y++) {
                        s += wh[oy * h + y] * tmp[y * ow + o];
                    }
                    out[(ch * oh + oy) * ow + o] = (float) s;
                }
            }
        }
        return out;
    }

    /** [c, H, W] sampled at rows and columns {@link #sampleIndices}: [c, n, n]. */
    private static float[] sample(float[] chw, int h, int w) {
        int n = sampleIndices.length;
        int c = chw.length / (h * w);
        float[] out = new float[c * n * n];
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    out[(ch * n + i) * n + j] = chw[(ch * h + sampleIndices[i]) * w + sampleIndices[j]];
                }
            }
        }
        return out;
    }
}
