package io.flinkcumo.arrow;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * How rows become Arrow record batches: a batch ends after {@link #batchRows} rows or once its
 * buffers reach about {@link #batchBytes} (whichever comes first; a single larger row still makes
 * a batch), and which ARRAY&lt;FLOAT&gt; columns are written as {@link FixedShapeTensorType}
 * tensors of a given shape instead of lists. Immutable.
 */
public final class ArrowWriteOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Default rows per record batch. */
    public static final int DEFAULT_BATCH_ROWS = 1024;

    /** Default buffer size at which a record batch ends (64 MiB: about 46 images of 3x336x336 float32). */
    public static final long DEFAULT_BATCH_BYTES = 64L << 20;

    private final int batchRows;
    private final long batchBytes;
    private final Map<String, long[]> tensorShapes;

    private ArrowWriteOptions(int batchRows, long batchBytes, Map<String, long[]> tensorShapes) {
        if (batchRows < 1) {
            throw new IllegalArgumentException("a record batch needs at least one row, got " + batchRows);
        }
        if (batchBytes < 1) {
            throw new IllegalArgumentException("the batch size limit must be positive, got " + batchBytes);
        }
        this.batchRows = batchRows;
        this.batchBytes = batchBytes;
        this.tensorShapes = tensorShapes;
    }

    /** Default batch limits and no tensor columns. */
    public static ArrowWriteOptions defaults() {
        return new ArrowWriteOptions(DEFAULT_BATCH_ROWS, DEFAULT_BATCH_BYTES, Map.of());
    }

    public ArrowWriteOptions withBatchRows(int rows) {
        return new ArrowWriteOptions(rows, batchBytes, tensorShapes);
    }

    public ArrowWriteOptions withBatchBytes(long bytes) {
        return new ArrowWriteOptions(batchRows, bytes, tensorShapes);
    }

    /** Writes the ARRAY&lt;FLOAT&gt; column {@code column} as tensors of {@code shape}. */
    public ArrowWriteOptions withTensorColumn(String column, long... shape) {
        new FixedShapeTensorType(shape); // validates the shape
        Map<String, long[]> shapes = new LinkedHashMap<>(tensorShapes);
        shapes.put(column, shape.clone());
        return new ArrowWriteOptions(batchRows, batchBytes, Collections.unmodifiableMap(shapes));
    }

    public int batchRows() {
        return batchRows;
    }

    public long batchBytes() {
        return batchBytes;
    }

    /** Columns written as tensors. */
    public Set<String> tensorColumns() {
        return tensorShapes.keySet();
    }

    /** The tensor type of {@code column}, or null when it is not a tensor column. */
    public FixedShapeTensorType tensorType(String column) {
        long[] shape = tensorShapes.get(column);
        return shape == null ? null : new FixedShapeTensorType(shape);
    }
}
