package io.flinkcumo.engine.image;

/**
 * libjpeg's integer YCbCr to RGB conversion (JFIF / ITU-R BT.601 full range, 16 fractional bits,
 * the method of IJG's {@code jdcolor.c}; re-implemented from its published formulas):
 * <pre>
 *   R = Y + round(1.40200 (Cr-128))
 *   G = Y + ((-0.34414 (Cb-128) - 0.71414 (Cr-128)) in 16.16 fixed point, rounded, shifted)
 *   B = Y + round(1.77200 (Cb-128))
 * </pre>
 * each clamped to 0..255.
 */
final class LibjpegYcc {

    private static final int SCALE_BITS = 16;
    private static final int ONE_HALF = 1 << (SCALE_BITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALE_BITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALE_BITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private LibjpegYcc() {}

    private static int fix(double v) {
        return (int) (v * (1 << SCALE_BITS) + 0.5);
    }

    /** Converts one Y, Cb, Cr triple (0..255 each) into {@code rgb}. */
    static void toRgb(int y, int cb, int cr, int[] rgb) {
        rgb[0] = clamp(y + CR_R[cr]);
        rgb[1] = clamp(y + ((CB_G[cb] + CR_G[cr]) >> SCALE_BITS));
        rgb[2] = clamp(y + CB_B[cb]);
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
