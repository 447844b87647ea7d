package io.flinkcumo.engine.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The vision tower's input for one image: normalised pixels, channels first, shape
 * [3, size, size] (index {@code c*size*size + y*size + x}), plus the size of the decoded image it
 * came from.
 */
public final class PixelValues {

    private final float[] data;
    private final int size;
    private final int originalWidth;
    private final int originalHeight;

    /** Wraps {@code data} (not copied) of shape [3, size, size]. */
    public PixelValues(float[] data, int size, int originalWidth, int originalHeight) {
        if (size <= 0 || data.length != 3L * size * size) {
            throw new IllegalArgumentException(
                    "pixel values of size " + size + " need " + 3L * size * size + " floats, got " + data.length);
        }
        this.data = data;
        this.size = size;
        this.originalWidth = originalWidth;
        this.originalHeight = originalHeight;
    }

    /** The [3, size, size] values, channels first. Shared, not copied: do not modify. */
    public float[] data() {
        return data;
    }

    /** A new direct, native-order buffer holding {@link #data()} (for handing to native engines). */
    public FloatBuffer toDirectBuffer() {
        FloatBuffer buf = ByteBuffer.allocateDirect(data.length * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        buf.put(data).flip();
        return buf;
    }

    /** Tensor shape {3, size, size}. */
    public long[] shape() {
        return new long[] {3, size, size};
    }

    /** Side of the square pixel grid (336 for CLIP ViT-L/14-336). */
    public int size() {
        return size;
    }

    /** Width of the decoded image before padding and resizing. */
    public int originalWidth() {
        return originalWidth;
    }

    /** Height of the decoded image before padding and resizing. */
    public int originalHeight() {
        return originalHeight;
    }
}
