package io.flinkcumo.arrow;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;

/**
 * Appends Flink {@link RowData} rows to the vectors of one Arrow record batch (schema from
 * {@link ArrowSchemas#toSchema}). Tensor columns are copied with one bulk copy per row; other
 * values one by one. Not thread-safe.
 */
public final class RowDataArrowWriter implements AutoCloseable {

    /** Writes one non-null Flink internal value (as returned by a field or element getter) at an index. */
    @FunctionalInterface
    private interface Setter {
        void set(int index, Object value);
    }

    private final VectorSchemaRoot root;
    private final RowData.FieldGetter[] getters;
    private final Setter[] setters;
    private int rows;

    public RowDataArrowWriter(RowType type, ArrowWriteOptions options, BufferAllocator allocator) {
        this.root = VectorSchemaRoot.create(ArrowSchemas.toSchema(type, options), allocator);
        int n = type.getFieldCount();
        this.getters = new RowData.FieldGetter[n];
        this.setters = new Setter[n];
        for (int i = 0; i < n; i++) {
            LogicalType t = type.getTypeAt(i);
            getters[i] = RowData.createFieldGetter(t, i);
            FieldVector v = root.getVector(i);
            setters[i] = v instanceof FixedShapeTensorVector tensor
                    ? tensorSetter(type.getFieldNames().get(i), tensor)
                    : setter(t, v);
        }
    }

    /** Appends {@code row} to the batch. */
    public void write(RowData row) {
        if (row.getArity() != setters.length) {
            throw new IllegalArgumentException("a row of " + row.getArity() + " fields for a schema of " + setters.length);
        }
        for (int i = 0; i < setters.length; i++) {
            Object value = getters[i].getFieldOrNull(row);
            if (value == null) {
                root.getVector(i).setNull(rows);
            } else {
                setters[i].set(rows, value);
            }
        }
        rows++;
    }

    /** Rows appended since the last {@link #clear}. */
    public int rowCount() {
        return rows;
    }

    /** The batch holding the rows appended so far (row count set), to hand to an Arrow IPC writer. */
    public VectorSchemaRoot finishBatch() {
        root.setRowCount(rows);
        return root;
    }

    /** Releases the batch's buffers and starts an empty one. */
    public void clear() {
        root.clear();
        rows = 0;
    }

    @Override
    public void close() {
        root.close();
    }

    private static Setter tensorSetter(String column, FixedShapeTensorVector vector) {
        int n = vector.tensorType().listSize();
        return (index, value) -> {
            ArrayData array = (ArrayData) value;
            if (array.size() != n) {
                throw new IllegalArgumentException(
                        "tensor column '" + column + "' of shape " + vector.tensorType().serialize() + " needs " + n
                                + " floats per row, got " + array.size());
            }
            for (int j = 0; j < n; j++) {
                if (array.isNullAt(j)) {
                    throw new IllegalArgumentException("tensor column '" + column + "' has a null element at " + j);
                }
            }
            vector.setFloats(index, array.toFloatArray());
        };
    }

    private static Setter setter(LogicalType type, FieldVector vector) {
        return switch (type.getTypeRoot()) {
            case BOOLEAN -> (i, v) -> ((BitVector) vector).setSafe(i, (Boolean) v ? 1 : 0);
            case TINYINT -> (i, v) -> ((TinyIntVector) vector).setSafe(i, (Byte) v);
            case SMALLINT -> (i, v) -> ((SmallIntVector) vector).setSafe(i, (Short) v);
            case INTEGER -> (i, v) -> ((IntVector) vector).setSafe(i, (Integer) v);
            case BIGINT -> (i, v) -> ((BigIntVector) vector).setSafe(i, (Long) v);
            case FLOAT -> (i, v) -> ((Float4Vector) vector).setSafe(i, (Float) v);
            case DOUBLE -> (i, v) -> ((Float8Vector) vector).setSafe(i, (Double) v);
            case DECIMAL -> (i, v) -> ((DecimalVector) vector).setSafe(i, ((DecimalData) v).toBigDecimal());
            case CHAR, VARCHAR -> (i, v) -> ((VarCharVector) vector).setSafe(i, ((StringData) v).toBytes());
            case BINARY, VARBINARY -> (i, v) -> ((VarBinaryVector) vector).setSafe(i, (byte[]) v);
            case DATE -> (i, v) -> ((DateDayVector) vector).setSafe(i, (Integer) v);
            case TIMESTAMP_WITHOUT_TIME_ZONE, TIMESTAMP_WITH_LOCAL_TIME_ZONE -> {
                TimeUnit unit = ((ArrowType.Timestamp) vector.getField().getType()).getUnit();
                yield (i, v) -> ((TimeStampVector) vector).setSafe(i, epoch((TimestampData) v, unit));
            }
            case ARRAY -> listSetter((ArrayType) type, (ListVector) vector);
            default -> throw new IllegalStateException("no Arrow writer for " + type); // ArrowSchemas refused it already
        };
    }

    private static Setter listSetter(ArrayType type, ListVector vector) {
        LogicalType elementType = type.getElementType();
        ArrayData.ElementGetter getter = ArrayData.createElementGetter(elementType);
        FieldVector elements = vector.getDataVector();
        Setter element = setter(elementType, elements);
        return (i, v) -> {
            ArrayData array = (ArrayData) v;
            int start = vector.startNewValue(i);
            for (int j = 0; j < array.size(); j++) {
                Object e = getter.getElementOrNull(array, j);
                if (e == null) {
                    elements.setNull(start + j);
                } else {
                    element.set(start + j, e);
                }
            }
            vector.endValue(i, array.size());
        };
    }

    /** A timestamp as a count of {@code unit} since the epoch. */
    static long epoch(TimestampData ts, TimeUnit unit) {
        long millis = ts.getMillisecond();
        int nanos = ts.getNanoOfMillisecond();
        return switch (unit) {
            case SECOND -> Math.floorDiv(millis, 1000);
            case MILLISECOND -> millis;
            case MICROSECOND -> Math.addExact(Math.multiplyExact(millis, 1_000L), nanos / 1_000);
            case NANOSECOND -> Math.addExact(Math.multiplyExact(millis, 1_000_000L), nanos);
        };
    }
}
