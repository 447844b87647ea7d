package io.flinkcumo.engine.image;

/**
 * PyTorch's {@code interpolate(mode='bicubic', align_corners=False)} (no antialias) as a linear
 * map per axis, for the S² 3x upsampling of the normalised pixel tensor.
 *
 * <p>Output {@code o} reads the source coordinate {@code (o + 0.5) * in/out - 0.5}; with
 * {@code i = floor} and {@code t} the fraction it weights inputs {@code i-1 .. i+2} by the cubic
 * convolution kernel with A = -0.75; indices outside {@code [0, in)} are clamped to the border,
 * so their weight accumulates into the edge column. Computed in float32 like PyTorch's CPU kernel.
 */
public final class CubicInterpolation {

    /** PyTorch's cubic convolution coefficient. */
    public static final float A = -0.75f;

    private CubicInterpolation() {}

    /**
     * The row-major [outSize, inSize] matrix W with {@code out = W · in} along one axis, so that
     * for each channel {@code upsampled = W_h · X · W_wᵀ} (X is [inH, inW]).
     */
    public static float[] weights(int inSize, int outSize) {
        if (inSize <= 0 || outSize <= 0) {
            throw new IllegalArgumentException("sizes must be positive: " + inSize + " -> " + outSize);
        }
        float[] w = new float[outSize * inSize];
        float[] coeffs = new float[4];
        for (int o = 0; o < outSize; o++) {
            int i = sourceIndex(inSize, outSize, o, coeffs);
            for (int j = 0; j < 4; j++) {
                int src = Math.max(0, Math.min(inSize - 1, i - 1 + j));
                w[o * inSize + src] += coeffs[j];
            }
        }
        return w;
    }

    /**
     * The integer source index of output {@code o} (the tap at offset 1 of the four) and its four
     * coefficients (written to {@code coeffs}), exactly as PyTorch computes them.
     */
    public static int sourceIndex(int inSize, int outSize, int o, float[] coeffs) {
        float scale = (float) inSize / outSize;
        float real = scale * (o + 0.5f) - 0.5f;
        int index = Math.min((int) Math.floor(real), inSize - 1);
        float t = Math.min(Math.max(real - index, 0f), 1f);
        float opposite = 1f - t;
        coeffs[0] = outer(t + 1f);
        coeffs[1] = inner(t);
        coeffs[2] = inner(opposite);
        coeffs[3] = outer(opposite + 1f);
        return index;
    }

    /** Kernel on [0, 1]. */
    private static float inner(float x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    /** Kernel on [1, 2]. */
    private static float outer(float x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }
}
