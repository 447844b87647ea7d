package io.flinkcumo.engine.image;

import java.util.Arrays;

/**
 * Pillow's {@code Image.resize(size, BICUBIC)} for 8-bit RGB images, reproduced bit for bit.
 *
 * <p>Semantics (from Pillow's {@code libImaging/Resample.c}, re-implemented here):
 * <ul>
 *   <li>Kernel: cubic convolution with a = -0.5 on [-2, 2]. When downscaling by a factor
 *       {@code s > 1} the kernel is stretched by {@code s} (antialiasing): support {@code 2s},
 *       argument divided by {@code s}.</li>
 *   <li>Output pixel {@code o} is centred on input coordinate {@code (o + 0.5) * in/out}; its taps
 *       are the inputs {@code [round(centre - support), round(centre + support))} clipped to the
 *       image, weighted by {@code kernel((x - centre + 0.5) / s)} and normalised to sum 1.</li>
 *   <li>Weights become fixed point with 22 fractional bits (rounded half away from zero); a pixel
 *       is {@code clamp((2^21 + sum(w * v)) >> 22, 0, 255)} in 32-bit integers.</li>
 *   <li>Horizontal pass first (uint8 intermediate), then vertical pass; a pass whose axis keeps
 *       its size is skipped, exactly as Pillow does.</li>
 * </ul>
 *
 * <p>Two liberties that cannot change a single output byte: the input is a {@link Canvas}, whose
 * background is never materialised (a run of background taps contributes {@code colour * sum(w)},
 * the same integer Pillow adds tap by tap), and the vertical pass is streamed (each intermediate
 * row is added into the output rows that use it as soon as it is computed; integer addition is
 * associative, so the sums are identical). Memory is therefore O(output) for any canvas size.
 * Only a window of the output may be computed, which equals resizing fully and then cropping.
 */
final class PillowBicubic {

    /** Fractional bits of the fixed-point weights (Pillow's 8-bit path: 32 - 8 - 2). */
    static final int PRECISION_BITS = 32 - 8 - 2;

    private static final int HALF = 1 << (PRECISION_BITS - 1);
    private static final double SUPPORT = 2.0;

    private PillowBicubic() {}

    /** Pillow's bicubic kernel, a = -0.5. */
    static double kernel(double x) {
        final double a = -0.5;
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /**
     * The fixed-point taps of one axis resized from {@code inSize} to {@code outSize}, for the
     * output indices {@code from .. from+count-1}: output {@code i} (relative to {@code from}) reads
     * inputs {@code first[i] .. first[i]+length[i]-1} with weights
     * {@code weights[i*stride .. i*stride+length[i]-1]}. Both {@code first} and
     * {@code first + length} are non-decreasing in {@code i}.
     */
    record Taps(int stride, int[] first, int[] length, int[] weights) {

        static Taps of(int inSize, int outSize, int from, int count) {
            // Pillow passes the box as C floats: (double) (in1 - in0) with in0 = 0
            double scale = (double) (float) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = SUPPORT * filterScale;
            int stride = (int) Math.ceil(support) * 2 + 1;
            double invFilterScale = 1.0 / filterScale;
            int[] first = new int[count];
            int[] length = new int[count];
            int[] weights = new int[count * stride];
            double[] k = new double[stride];
            for (int i = 0; i < count; i++) {
                double centre = (from + i + 0.5) * scale;
                int xmin = Math.max(0, (int) (centre - support + 0.5));
                int n = Math.min(inSize, (int) (centre + support + 0.5)) - xmin;
                double sum = 0.0;
                for (int x = 0; x < n; x++) {
                    k[x] = kernel((x + xmin - centre + 0.5) * invFilterScale);
                    sum += k[x];
                }
                for (int x = 0; x < n; x++) {
                    double w = sum != 0.0 ? k[x] / sum : k[x];
                    weights[i * stride + x] = w < 0
                            ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                            : (int) (0.5 + w * (1 << PRECISION_BITS));
                }
                first[i] = xmin;
                length[i] = n;
            }
            return new Taps(stride, first, length, weights);
        }

        /** Index one past the last input read by any output. */
        int end() {
            return first[first.length - 1] + length[length.length - 1];
        }

        /** prefix[i*(stride+1) + t] = sum of the first t weights of output i. */
        int[] prefixSums() {
            int[] prefix = new int[first.length * (stride + 1)];
            for (int i = 0; i < first.length; i++) {
                int p = i * (stride + 1);
                for (int t = 0; t < length[i]; t++) {
                    prefix[p + t + 1] = prefix[p + t] + weights[i * stride + t];
                }
            }
            return prefix;
        }
    }

    /** Resizes the whole image to {@code outWidth x outHeight}. */
    static RgbImage resize(RgbImage image, int outWidth, int outHeight) {
        return resize(Canvas.of(image), outWidth, outHeight, 0, 0, outWidth, outHeight);
    }

    /**
     * Resizes {@code canvas} to {@code outWidth x outHeight} and returns the window of
     * {@code cropWidth x cropHeight} output pixels whose top-left corner is ({@code cropX},
     * {@code cropY}).
     */
    static RgbImage resize(
            Canvas canvas, int outWidth, int outHeight, int cropX, int cropY, int cropWidth, int cropHeight) {
        if (outWidth <= 0 || outHeight <= 0 || cropX < 0 || cropY < 0 || cropWidth <= 0 || cropHeight <= 0
                || cropX + cropWidth > outWidth || cropY + cropHeight > outHeight) {
            throw new IllegalArgumentException("bad output " + outWidth + "x" + outHeight + " or window "
                    + cropWidth + "x" + cropHeight + " at (" + cropX + ", " + cropY + ")");
        }
        RowSource rows = canvas.width() != outWidth
                ? new HorizontalPass(canvas, Taps.of(canvas.width(), outWidth, cropX, cropWidth))
                : new CanvasRows(canvas, cropX, cropWidth);
        byte[] out = new byte[cropWidth * cropHeight * 3];
        if (canvas.height() != outHeight) {
            verticalPass(rows, Taps.of(canvas.height(), outHeight, cropY, cropHeight), cropWidth * 3, out);
        } else {
            byte[] row = new byte[cropWidth * 3];
            for (int y = 0; y < cropHeight; y++) {
                rows.row(cropY + y, row);
                System.arraycopy(row, 0, out, y * row.length, row.length);
            }
        }
        return new RgbImage(cropWidth, cropHeight, out);
    }

    /** Streams the intermediate rows once, adding each into every output row that uses it. */
    private static void verticalPass(RowSource rows, Taps taps, int rowBytes, byte[] out) {
        int outRows = taps.first().length;
        int[] acc = new int[outRows * rowBytes];
        Arrays.fill(acc, HALF);
        byte[] row = new byte[rowBytes];
        int lo = 0; // first output row whose taps have not all been consumed
        for (int r = taps.first()[0]; r < taps.end(); r++) {
            while (taps.first()[lo] + taps.length()[lo] <= r) {
                lo++;
            }
            rows.row(r, row);
            for (int o = lo; o < outRows && taps.first()[o] <= r; o++) {
                int k = taps.weights()[o * taps.stride() + r - taps.first()[o]];
                if (k == 0) {
                    continue;
                }
                int base = o * rowBytes;
                for (int i = 0; i < rowBytes; i++) {
                    acc[base + i] += k * (row[i] & 0xff);
                }
            }
        }
        for (int i = 0; i < acc.length; i++) {
            out[i] = clip8(acc[i]);
        }
    }

    private static byte clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /** Produces the rows (of the output width window) that the vertical pass consumes. */
    private interface RowSource {
        /** Writes row {@code y} (window width x 3 bytes) into {@code dst}. */
        void row(int y, byte[] dst);
    }

    /** Canvas rows as they are, when the width does not change (Pillow skips the horizontal pass). */
    private record CanvasRows(Canvas canvas, int fromX, int width) implements RowSource {
        @Override
        public void row(int y, byte[] dst) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < 3; c++) {
                    dst[x * 3 + c] = (byte) canvas.sample(fromX + x, y, c);
                }
            }
        }
    }

    /** Pillow's horizontal pass over one canvas row. */
    private static final class HorizontalPass implements RowSource {
        private final Canvas canvas;
        private final Taps taps;
        private final int[] prefix;
        private byte[] backgroundRow; // the (identical) result for every row without image pixels

        HorizontalPass(Canvas canvas, Taps taps) {
            this.canvas = canvas;
            this.taps = taps;
            this.prefix = taps.prefixSums();
        }

        @Override
        public void row(int y, byte[] dst) {
            if (canvas.rowHasImage(y)) {
                imageRow(y - canvas.top(), dst);
                return;
            }
            if (backgroundRow == null) {
                backgroundRow = new byte[dst.length];
                imageRow(-1, backgroundRow);
            }
            System.arraycopy(backgroundRow, 0, dst, 0, dst.length);
        }

        /** Row {@code iy} of the image with the background on both sides; iy = -1: background only. */
        private void imageRow(int iy, byte[] dst) {
            RgbImage image = canvas.image();
            byte[] px = image.rgb();
            int[] bg = canvas.background();
            int imageStart = iy < 0 ? 0 : canvas.left(); // canvas columns [imageStart, imageEnd) are image
            int imageEnd = iy < 0 ? 0 : canvas.left() + image.width();
            int rowBase = Math.max(iy, 0) * image.width() * 3 - imageStart * 3;
            int stride = taps.stride();
            for (int o = 0; o < taps.first().length; o++) {
                int first = taps.first()[o];
                int n = taps.length()[o];
                int a = Math.max(0, Math.min(n, imageStart - first)); // taps [0,a) background
                int b = Math.max(a, Math.min(n, imageEnd - first));  // [a,b) image, [b,n) background
                int p = o * (stride + 1);
                int bgWeight = prefix[p + a] - prefix[p] + prefix[p + n] - prefix[p + b];
                int s0 = HALF + bg[0] * bgWeight;
                int s1 = HALF + bg[1] * bgWeight;
                int s2 = HALF + bg[2] * bgWeight;
                int w = o * stride;
                for (int t = a; t < b; t++) {
                    int k = taps.weights()[w + t];
                    int i = rowBase + (first + t) * 3;
                    s0 += (px[i] & 0xff) * k;
                    s1 += (px[i + 1] & 0xff) * k;
                    s2 += (px[i + 2] & 0xff) * k;
                }
                dst[o * 3] = clip8(s0);
                dst[o * 3 + 1] = clip8(s1);
                dst[o * 3 + 2] = clip8(s2);
            }
        }
    }
}
