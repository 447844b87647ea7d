package io.flinkcumo.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Properties of the resampler that the conformance hashes do not isolate: the virtual background
 * and the output window change no byte, skipped passes copy, and the fixed-point weights are
 * Pillow's (checked on values worked out by hand from Resample.c's formulas).
 */
class PillowBicubicTest {

    private static final int[] PAD = {122, 116, 104};

    @Test
    void paddedCanvasEqualsMaterialisedPadding() {
        for (int[] size : new int[][] {{57, 23}, {23, 57}, {1, 40}, {40, 1}, {3, 1000}, {500, 7}}) {
            RgbImage image = random(size[0], size[1], size[0] * 31 + size[1]);
            Canvas virtual = Canvas.expandToSquare(image, PAD);
            RgbImage materialised = materialise(virtual);
            for (int out : new int[] {336, 17, virtual.width()}) {
                RgbImage a = PillowBicubic.resize(virtual, out, out, 0, 0, out, out);
                RgbImage b = PillowBicubic.resize(materialised, out, out);
                assertThat(a.samePixels(b)).as("%dx%d -> %d", size[0], size[1], out).isTrue();
            }
        }
    }

    @Test
    void windowEqualsCropOfFullResize() {
        RgbImage image = random(90, 61, 7);
        RgbImage full = PillowBicubic.resize(image, 45, 120);
        RgbImage window = PillowBicubic.resize(Canvas.of(image), 45, 120, 5, 30, 20, 40);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 20; x++) {
                for (int c = 0; c < 3; c++) {
                    assertThat(window.sample(x, y, c)).isEqualTo(full.sample(x + 5, y + 30, c));
                }
            }
        }
    }

    @Test
    void sameSizeIsACopy() {
        RgbImage image = random(13, 9, 3);
        assertThat(PillowBicubic.resize(image, 13, 9).samePixels(image)).isTrue();
    }

    @Test
    void onePixelUpscalesToAConstant() {
        RgbImage one = new RgbImage(1, 1, new byte[] {10, (byte) 200, (byte) 255});
        RgbImage up = PillowBicubic.resize(one, 336, 336);
        for (int p = 0; p < 336 * 336; p++) {
            assertThat(Arrays.copyOfRange(up.rgb(), p * 3, p * 3 + 3)).containsExactly(10, (byte) 200, (byte) 255);
        }
    }

    @Test
    void tapsFollowPillowsFormulas() {
        // Downscale 4 -> 2: scale 2, support 4, centre of output 0 is 1.0; taps x = 0..3 (window
        // [round(-3), round(5)) clipped to [0, 4)); kernel args (x - 1 + 0.5) / 2 = -0.25, 0.25, 0.75, 1.25.
        PillowBicubic.Taps taps = PillowBicubic.Taps.of(4, 2, 0, 2);
        assertThat(taps.stride()).isEqualTo(9);
        assertThat(taps.first()[0]).isZero();
        assertThat(taps.length()[0]).isEqualTo(4);
        double[] k = new double[4];
        for (int t = 0; t < 4; t++) {
            k[t] = PillowBicubic.kernel((t - 1 + 0.5) / 2);
        }
        double sum = k[0] + k[1] + k[2] + k[3];
        for (int t = 0; t < 4; t++) {
            double w = k[t] / sum * (1 << 22);
            assertThat(taps.weights()[t]).isEqualTo((int) (w < 0 ? w - 0.5 : w + 0.5));
        }
        assertThat(PillowBicubic.kernel(0)).isEqualTo(1.0);
        assertThat(PillowBicubic.kernel(1)).isEqualTo(0.0);
        assertThat(PillowBicubic.kernel(1.5)).isEqualTo(-0.0625);
        assertThat(PillowBicubic.kernel(2)).isEqualTo(0.0);
    }

    static RgbImage random(int w, int h, long seed) {
        byte[] px = new byte[w * h * 3];
        new Random(seed).nextBytes(px);
        return new RgbImage(w, h, px);
    }

    private static RgbImage materialise(Canvas canvas) {
        byte[] px = new byte[canvas.width() * canvas.height() * 3];
        for (int y = 0; y < canvas.height(); y++) {
            for (int x = 0; x < canvas.width(); x++) {
                for (int c = 0; c < 3; c++) {
                    px[(y * canvas.width() + x) * 3 + c] = (byte) canvas.sample(x, y, c);
                }
            }
        }
        return new RgbImage(canvas.width(), canvas.height(), px);
    }
}
