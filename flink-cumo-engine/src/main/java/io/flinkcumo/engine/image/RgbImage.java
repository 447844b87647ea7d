package io.flinkcumo.engine.image;

import java.util.Objects;

/**
 * An 8-bit RGB image: {@code rgb} holds {@code height} rows of {@code width} pixels, each pixel
 * three bytes R, G, B (unsigned), row-major, no padding: shape [height, width, 3].
 *
 * <p>The array is not copied; callers must not modify it after construction. (A record compares
 * arrays by identity, so compare pixels with {@link #samePixels(RgbImage)}.)
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        Objects.requireNonNull(rgb, "rgb");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException(
                    "a " + width + "x" + height + " RGB image needs " + (long) width * height * 3
                            + " bytes, got " + rgb.length);
        }
    }

    /** Number of pixels, {@code width * height}. */
    public long pixelCount() {
        return (long) width * height;
    }

    /** Sample of channel {@code c} (0 = R, 1 = G, 2 = B) at column {@code x}, row {@code y}, as 0..255. */
    public int sample(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }

    /** True when both images have the same size and identical pixels. */
    public boolean samePixels(RgbImage other) {
        return width == other.width && height == other.height && java.util.Arrays.equals(rgb, other.rgb);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
