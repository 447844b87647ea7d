package io.flinkcumo.engine.image;

/**
 * An image placed on a (possibly larger) solid background, without materialising the background:
 * a {@code width x height} canvas filled with {@code background} (R, G, B in 0..255) with
 * {@code image} pasted with its top-left corner at ({@code left}, {@code top}). The image must lie
 * inside the canvas.
 */
record Canvas(RgbImage image, int width, int height, int left, int top, int[] background) {

    Canvas {
        if (left < 0 || top < 0 || left + (long) image.width() > width || top + (long) image.height() > height) {
            throw new IllegalArgumentException(
                    image + " at (" + left + ", " + top + ") does not fit a " + width + "x" + height + " canvas");
        }
        if (background.length != 3) {
            throw new IllegalArgumentException("background needs 3 channels");
        }
        background = background.clone();
    }

    /** The image itself as a canvas (no background visible). */
    static Canvas of(RgbImage image) {
        return new Canvas(image, image.width(), image.height(), 0, 0, new int[] {0, 0, 0});
    }

    /**
     * LLaVA's {@code expand2square}: a wide image (W > H) is pasted at (0, (W-H)/2) on a WxW canvas,
     * a tall one at ((H-W)/2, 0) on an HxH canvas; a square image is left as it is.
     */
    static Canvas expandToSquare(RgbImage image, int[] background) {
        int w = image.width();
        int h = image.height();
        if (w == h) {
            return new Canvas(image, w, h, 0, 0, background);
        }
        return w > h
                ? new Canvas(image, w, w, 0, (w - h) / 2, background)
                : new Canvas(image, h, h, (h - w) / 2, 0, background);
    }

    /** True when canvas row {@code y} crosses the image (else it is all background). */
    boolean rowHasImage(int y) {
        return y >= top && y < top + image.height();
    }

    /** Channel {@code c} (0..2) of the canvas pixel at ({@code x}, {@code y}), 0..255. */
    int sample(int x, int y, int c) {
        int ix = x - left;
        int iy = y - top;
        if (ix < 0 || iy < 0 || ix >= image.width() || iy >= image.height()) {
            return background[c];
        }
        return image.sample(ix, iy, c);
    }
}
