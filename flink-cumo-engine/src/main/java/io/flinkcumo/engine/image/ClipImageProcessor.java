package io.flinkcumo.engine.image;

import java.util.Arrays;
import java.util.Objects;

/**
 * The image preprocessing of CuMo / LLaVA-1.5: transformers' {@code CLIPImageProcessor} for
 * {@code openai/clip-vit-large-patch14-336}, preceded by LLaVA's pad-to-square when
 * {@code image_aspect_ratio = "pad"} (CuMo's setting at inference).
 *
 * <ol>
 *   <li>{@link AspectMode#PAD}: paste the image on a square canvas of its longer side filled with
 *       {@code int(255 * mean)} = (122, 116, 104) (wide: at (0, (W-H)/2); tall: at ((H-W)/2, 0)),
 *       then resize to {@code size x size}.
 *       {@link AspectMode#SQUARE}: resize the shorter edge to {@code size}, the longer one to
 *       {@code int(size * long / short)} (transformers' {@code get_resize_output_image_size}), then
 *       centre-crop {@code size x size} at offsets {@code ((H'-size)/2, (W'-size)/2)}.</li>
 *   <li>Resize: Pillow BICUBIC, bit-exact ({@link PillowBicubic}); the result is uint8.</li>
 *   <li>{@code x = float32(v * (1/255))} (float64 product, like numpy), then
 *       {@code (x - mean) / std} in float32 per channel; layout [3, size, size].</li>
 * </ol>
 *
 * <p>One deliberate difference: transformers guesses the channel axis of an image whose height is
 * 1 or 3 pixels as channels-first and then garbles it (e.g. a 1x1 image in pad mode, a 3-pixel-high
 * one in square mode); such images are processed here as the images they are.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ClipImageProcessor {

    /** How a non-square image is made square. */
    public enum AspectMode {
        /** LLaVA {@code image_aspect_ratio="pad"}: pad to a square with the mean colour (CuMo inference). */
        PAD,
        /** Plain CLIP: shortest-edge resize then centre crop (CuMo stage-1 pre-training). */
        SQUARE
    }

    /** OpenAI CLIP normalisation mean (as in the preprocessor config, float64); see {@link Options#DEFAULT}. */
    private static final double[] CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    /** OpenAI CLIP normalisation std. */
    private static final double[] CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

    /**
     * Preprocessing options: output side {@code imageSize}, per-channel {@code mean}/{@code std},
     * the aspect mode, and {@code maxCanvasSide}, the largest working image side accepted (the
     * padded square's side in pad mode, the resized longer side in square mode; the work is linear
     * in it and Pillow itself would need memory quadratic in it).
     */
    public record Options(int imageSize, double[] mean, double[] std, AspectMode aspectMode, int maxCanvasSide) {

        /** CuMo inference: 336, CLIP mean/std, pad, canvas sides up to 65536. */
        public static final Options DEFAULT = new Options(336, CLIP_MEAN, CLIP_STD, AspectMode.PAD, 1 << 16);

        public Options {
            Objects.requireNonNull(aspectMode, "aspectMode");
            if (imageSize <= 0 || maxCanvasSide < imageSize || mean.length != 3 || std.length != 3) {
                throw new IllegalArgumentException(
                        "need imageSize > 0, maxCanvasSide >= imageSize and 3 means and stds");
            }
            mean = mean.clone();
            std = std.clone();
        }

        @Override
        public double[] mean() {
            return mean.clone();
        }

        @Override
        public double[] std() {
            return std.clone();
        }

        /** The same options with another aspect mode. */
        public Options withAspectMode(AspectMode mode) {
            return new Options(imageSize, mean, std, mode, maxCanvasSide);
        }

        /** The same options with another crop size (the checkpoint's {@code vision_config.image_size}). */
        public Options withImageSize(int size) {
            return new Options(size, mean, std, aspectMode, maxCanvasSide);
        }

        /** LLaVA's padding colour {@code int(255 * mean)} per channel: (122, 116, 104) for CLIP. */
        public int[] padColor() {
            int[] color = new int[3];
            for (int c = 0; c < 3; c++) {
                color[c] = (int) (mean[c] * 255);
            }
            return color;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Options other && imageSize == other.imageSize
                    && Arrays.equals(mean, other.mean) && Arrays.equals(std, other.std)
                    && aspectMode == other.aspectMode && maxCanvasSide == other.maxCanvasSide;
        }

        @Override
        public int hashCode() {
            return Objects.hash(imageSize, Arrays.hashCode(mean), Arrays.hashCode(std), aspectMode, maxCanvasSide);
        }

        @Override
        public String toString() {
            return "Options[imageSize=" + imageSize + ", mean=" + Arrays.toString(mean) + ", std="
                    + Arrays.toString(std) + ", aspectMode=" + aspectMode + ", maxCanvasSide=" + maxCanvasSide + "]";
        }
    }

    /** numpy's {@code uint8 * (1/255)} factor (float64). */
    private static final double RESCALE = 1.0 / 255;

    private final Options options;
    private final ImageDecoder decoder;
    private final float[] mean32;
    private final float[] std32;

    /** CuMo's defaults with the default decoder limits. */
    public ClipImageProcessor() {
        this(Options.DEFAULT, new ImageDecoder());
    }

    public ClipImageProcessor(Options options, ImageDecoder decoder) {
        this.options = Objects.requireNonNull(options, "options");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.mean32 = new float[3];
        this.std32 = new float[3];
        for (int c = 0; c < 3; c++) {
            mean32[c] = (float) options.mean[c];
            std32[c] = (float) options.std[c];
        }
    }

    public Options options() {
        return options;
    }

    /** Decodes and preprocesses; throws {@link InvalidImageException} for unusable bytes. */
    public PixelValues preprocess(byte[] encoded) {
        return preprocess(decoder.decode(encoded));
    }

    /** Preprocesses a decoded image into [3, size, size] normalised values. */
    public PixelValues preprocess(RgbImage image) {
        return new PixelValues(normalize(resize(image)), options.imageSize, image.width(), image.height());
    }

    /**
     * The {@code size x size} uint8 image after padding or cropping and Pillow bicubic resizing,
     * before normalisation (what {@code resized_uint8_sha256} in the conformance data hashes).
     */
    public RgbImage resize(RgbImage image) {
        int size = options.imageSize;
        int w = image.width();
        int h = image.height();
        if (options.aspectMode == AspectMode.PAD) {
            checkCanvas(image, Math.max(w, h), "padding it to a square");
            return PillowBicubic.resize(Canvas.expandToSquare(image, options.padColor()), size, size, 0, 0, size, size);
        }
        int shortSide = Math.min(w, h);
        long longSide = (long) ((double) ((long) size * Math.max(w, h)) / shortSide);
        checkCanvas(image, longSide, "resizing its shorter edge to " + size);
        int outW = w <= h ? size : (int) longSide;
        int outH = w <= h ? (int) longSide : size;
        return PillowBicubic.resize(Canvas.of(image), outW, outH, (outW - size) / 2, (outH - size) / 2, size, size);
    }

    private void checkCanvas(RgbImage image, long side, String what) {
        if (side > options.maxCanvasSide) {
            throw new InvalidImageException("image is " + image.width() + "x" + image.height() + "; " + what
                    + " needs a side of " + side + ", above the limit of " + options.maxCanvasSide);
        }
    }

    /** uint8 [size, size, 3] to normalised float32 [3, size, size]. */
    private float[] normalize(RgbImage square) {
        int plane = square.width() * square.height();
        byte[] rgb = square.rgb();
        float[] out = new float[3 * plane];
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                float x = (float) ((rgb[p * 3 + c] & 0xff) * RESCALE);
                out[c * plane + p] = (x - mean32[c]) / std32[c];
            }
        }
        return out;
    }
}
