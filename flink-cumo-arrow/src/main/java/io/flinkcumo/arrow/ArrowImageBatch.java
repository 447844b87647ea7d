package io.flinkcumo.arrow;

import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.ImageBatch;
import io.flinkcumo.engine.image.PixelValues;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Preprocessed images of one model batch, written once into off-heap Arrow vectors
 * ({@link ImageTensorRows#ROW_TYPE}: request id, image index and a {@code [3, S, S]}
 * {@code arrow.fixed_shape_tensor} column) and handed to the model without copying:
 *
 * <pre>{@code
 * try (ArrowImageBatch images = new ArrowImageBatch(allocator, 336, requests.size())) {
 *     List<Prepared> batch = requests.stream().map(r -> engine.prepare(r, images.sink(r.id()))).toList();
 *     List<CumoResult> results = engine.run(batch, images.imageBatch());
 *     arrowWriter.writeBatch(); // the same vectors can also go to an Arrow IPC writer over root()
 * }
 * }</pre>
 *
 * The {@link ImageBatch} aliases the tensor vector's memory: add no images and do not close this
 * batch while the model runs on it. Not thread-safe.
 */
public final class ArrowImageBatch implements AutoCloseable {

    private final int size;
    private final RowDataArrowWriter writer;
    private final FixedShapeTensorVector pixels;
    private String lastRequest;
    private int nextIndex;

    /** An empty batch of [3, size, size] images with room for {@code capacity} images before growing. */
    public ArrowImageBatch(BufferAllocator allocator, int size, int capacity) {
        this.size = size;
        this.writer = new RowDataArrowWriter(ImageTensorRows.ROW_TYPE, ImageTensorRows.writeOptions(size), allocator);
        this.pixels = (FixedShapeTensorVector) writer.finishBatch().getVector(ImageTensorRows.PIXELS);
        writer.reserve(capacity);
    }

    /** Appends one image of {@code requestId} (image indices count up while the request id repeats). */
    public void add(String requestId, PixelValues image) {
        if (image.size() != size) {
            throw new IllegalArgumentException("a batch of " + size + "-pixel images got one of " + image.size());
        }
        nextIndex = Objects.equals(requestId, lastRequest) ? nextIndex + 1 : 0;
        lastRequest = requestId;
        writer.write(ImageTensorRows.toRowData(requestId, nextIndex, image.data()));
    }

    /** A pixel sink for {@link CumoEngine#prepare(io.flinkcumo.engine.CumoRequest, Consumer)}. */
    public Consumer<PixelValues> sink(String requestId) {
        return image -> add(requestId, image);
    }

    /** Images added. */
    public int count() {
        return writer.rowCount();
    }

    /** The images as the model's input, aliasing the tensor vector's memory. */
    public ImageBatch imageBatch() {
        root();
        return new ImageBatch(pixels.nioBuffer(0, count()), count(), size);
    }

    /** The vectors holding the images (row count set), e.g. for an Arrow IPC writer. */
    public VectorSchemaRoot root() {
        return writer.finishBatch();
    }

    /** The tensor column. */
    public FixedShapeTensorVector pixels() {
        return pixels;
    }

    @Override
    public void close() {
        writer.close();
    }
}
