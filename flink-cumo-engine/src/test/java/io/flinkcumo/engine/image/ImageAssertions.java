package io.flinkcumo.engine.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Small helpers shared by the image tests. */
final class ImageAssertions {

    private ImageAssertions() {}

    /** Max and mean absolute difference of two equally long arrays. */
    record Diff(double max, double mean) {
        static Diff of(float[] a, float[] b) {
            if (a.length != b.length) {
                throw new IllegalArgumentException(a.length + " vs " + b.length);
            }
            double max = 0;
            double sum = 0;
            for (int i = 0; i < a.length; i++) {
                double d = Math.abs((double) a[i] - b[i]);
                max = Math.max(max, d);
                sum += d;
            }
            return new Diff(max, sum / a.length);
        }

        static Diff of(byte[] a, int[] b) {
            float[] fa = new float[a.length];
            float[] fb = new float[b.length];
            for (int i = 0; i < a.length; i++) {
                fa[i] = a[i] & 0xff;
            }
            for (int i = 0; i < b.length; i++) {
                fb[i] = b[i];
            }
            return of(fa, fb);
        }

        @Override
        public String toString() {
            return String.format("max %.3g, mean %.3g", max, mean);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An RgbImage from U8 [H, W, 3] values read as ints. */
    static RgbImage rgb(int width, int height, int[] hwc) {
        byte[] b = new byte[hwc.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) hwc[i];
        }
        return new RgbImage(width, height, b);
    }

    static double sum(float[] values) {
        double s = 0;
        for (float v : values) {
            s += v;
        }
        return s;
    }
}
