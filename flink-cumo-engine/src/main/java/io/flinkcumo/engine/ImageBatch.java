package io.flinkcumo.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The preprocessed pixels of every image of a batch in one direct buffer: {@code count} tensors of
 * shape [3, size, size], float32, little-endian, channels first, one after the other in the
 * batch's placeholder order (request 0's images, then request 1's, …). On the CPU the model reads
 * the buffer in place (the pixel tensor aliases it, nothing is copied), so the buffer's memory
 * (for example an Arrow vector's data buffer) must stay valid and unmodified until
 * {@link LlavaModel#generate(List, ImageBatch, io.flinkcumo.engine.model.ForwardTrace)} returns.
 */
public final class ImageBatch {

    private final ByteBuffer data;
    private final int count;
    private final int size;

    /**
     * Wraps {@code data} (not copied): its bytes from position to limit must be exactly
     * {@code count} × 3 × size × size float32 values in little-endian order.
     */
    public ImageBatch(ByteBuffer data, int count, int size) {
        if (data == null || !data.isDirect()) {
            throw new IllegalArgumentException("image batches need a direct buffer (the model aliases its memory)");
        }
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("image batches hold little-endian floats; this platform is big-endian");
        }
        if (count < 0 || size <= 0) {
            throw new IllegalArgumentException("invalid image batch: " + count + " image(s) of size " + size);
        }
        long expected = (long) count * floatsPerImage(size) * Float.BYTES;
        if (data.remaining() != expected) {
            throw new IllegalArgumentException(
                    "an image batch of " + count + " image(s) of 3x" + size + "x" + size + " float32 needs " + expected
                            + " bytes, the buffer holds " + data.remaining());
        }
        this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        this.count = count;
        this.size = size;
    }

    /** Copies {@code pixels} ([3, size, size] each) into a new direct buffer, for callers without one. */
    public static ImageBatch copyOf(List<float[]> pixels, int size) {
        int per = floatsPerImage(size);
        ByteBuffer buf = ByteBuffer.allocateDirect(Math.multiplyExact(pixels.size(), per * Float.BYTES))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (float[] px : pixels) {
            if (px.length != per) {
                throw new IllegalArgumentException("pixel values hold " + px.length + " floats, expected 3x" + size + "x" + size);
            }
            buf.asFloatBuffer().put(px);
            buf.position(buf.position() + px.length * Float.BYTES);
        }
        return new ImageBatch(buf.flip(), pixels.size(), size);
    }

    /** Floats in one [3, size, size] tensor. */
    public static int floatsPerImage(int size) {
        return Math.multiplyExact(3, Math.multiplyExact(size, size));
    }

    /** A view of the pixels (position 0, little-endian) sharing this batch's memory. */
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Number of images. */
    public int count() {
        return count;
    }

    /** Side of each square image (336 for CLIP ViT-L/14-336). */
    public int size() {
        return size;
    }
}
