package io.flinkcumo.engine.model;

/**
 * PyTorch's {@code interpolate(mode='bicubic', align_corners=False)} as a matrix: row o of the
 * [out × in] matrix holds the four cubic-convolution weights (A = -0.75) of output pixel o,
 * source coordinate (o + 0.5)·in/out − 0.5, taps clamped at the borders (so edge taps accumulate).
 * Upsampling a [in × in] map X is then W · X · Wᵀ, exact up to float summation order.
 */
public final class CubicUpsampling {

    private static final float A = -0.75f;

    private CubicUpsampling() {}

    /** Row-major [outSize × inSize] weights, computed in float32 as PyTorch does. */
    public static float[] matrix(int inSize, int outSize) {
        float[] w = new float[outSize * inSize];
        float scale = (float) inSize / outSize;
        for (int o = 0; o < outSize; o++) {
            float src = (o + 0.5f) * scale - 0.5f;
            int x0 = (int) Math.floor(src);
            float t = src - x0;
            float[] taps = {
                cubic2(t + 1f), cubic1(t), cubic1(1f - t), cubic2(2f - t)
            };
            for (int j = 0; j < 4; j++) {
                int x = Math.min(Math.max(x0 - 1 + j, 0), inSize - 1);
                w[o * inSize + x] += taps[j];
            }
        }
        return w;
    }

    /** |x| ≤ 1 branch of the cubic convolution kernel. */
    private static float cubic1(float x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    /** 1 < |x| < 2 branch. */
    private static float cubic2(float x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }
}
