package io.flinkcumo.arrow;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.hash.ArrowBufHasher;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.ExtensionTypeVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
/**
 * A column of {@link FixedShapeTensorType} values over a {@link FixedSizeListVector}. The float32
 * helpers write and read whole tensors with one bulk copy each, and {@link #nioBuffer} exposes the
 * tensors' memory without copying (for handing to a native engine).
 */
public final class FixedShapeTensorVector extends ExtensionTypeVector<FixedSizeListVector> {

    private final FieldType fieldType;

    /** An empty vector; its element vector is created from the field's child (see {@link Field#createVector}). */
    public FixedShapeTensorVector(String name, FieldType fieldType, BufferAllocator allocator) {
        super(name, allocator, new FixedSizeListVector(name, allocator, storageFieldType(fieldType), null));
        this.fieldType = fieldType;
    }

    private static FieldType storageFieldType(FieldType fieldType) {
        if (!(fieldType.getType() instanceof FixedShapeTensorType type)) {
            throw new IllegalArgumentException("not a " + FixedShapeTensorType.NAME + " field type: " + fieldType.getType());
        }
        return new FieldType(fieldType.isNullable(), type.storageType(), fieldType.getDictionary(), fieldType.getMetadata());
    }

    /** The tensor type of this column. */
    public FixedShapeTensorType tensorType() {
        return (FixedShapeTensorType) fieldType.getType();
    }

    @Override
    public Field getField() {
        return new Field(getName(), fieldType, getUnderlyingVector().getField().getChildren());
    }

    /** The tensor at {@code index} as a list of elements, or null. */
    @Override
    public Object getObject(int index) {
        return getUnderlyingVector().getObject(index);
    }

    @Override
    public int hashCode(int index) {
        return getUnderlyingVector().hashCode(index);
    }

    @Override
    public int hashCode(int index, ArrowBufHasher hasher) {
        return getUnderlyingVector().hashCode(index, hasher);
    }

    /** Sets the tensor at {@code index} to {@code values} (row-major, prod(shape) floats), growing the buffers as needed. */
    public void setFloats(int index, float[] values) {
        int n = tensorType().listSize();
        if (values.length != n) {
            throw new IllegalArgumentException(
                    "a tensor of type " + tensorType().serialize() + " holds " + n + " floats, got " + values.length);
        }
        Float4Vector data = floatData();
        int start = getUnderlyingVector().startNewValue(index);
        long end = (long) start + n;
        while (data.getValueCapacity() < end) {
            data.reAlloc();
        }
        data.getDataBuffer().nioBuffer((long) start * Float.BYTES, n * Float.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .put(values);
        setValid(data.getValidityBuffer(), start, n);
    }

    /** A copy of the tensor at {@code index} (its null slot reads as zeros). */
    public float[] getFloats(int index) {
        float[] out = new float[tensorType().listSize()];
        nioBuffer(index, 1).asFloatBuffer().get(out);
        return out;
    }

    /**
     * The float32 data of tensors {@code [from, from + count)} as a direct little-endian buffer
     * over this vector's memory (no copy); valid until the vector is cleared, reallocated or
     * closed.
     */
    public ByteBuffer nioBuffer(int from, int count) {
        long n = tensorType().listSize();
        long bytes = count * n * Float.BYTES;
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(count + " tensors of " + n + " floats exceed one 2 GB buffer");
        }
        return floatData().getDataBuffer()
                .nioBuffer(from * n * Float.BYTES, (int) bytes)
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    private Float4Vector floatData() {
        if (!(getUnderlyingVector().getDataVector() instanceof Float4Vector data)) {
            throw new UnsupportedOperationException(
                    "float32 access on tensors of " + getUnderlyingVector().getDataVector().getField().getType());
        }
        return data;
    }

    /** Marks elements [start, start + count) valid: whole bytes at once, single bits at the edges. */
    private static void setValid(ArrowBuf validity, long start, long count) {
        long i = start;
        long end = start + count;
        for (; i < end && (i & 7) != 0; i++) {
            BitVectorHelper.setBit(validity, i);
        }
        long wholeBytes = (end - i) >>> 3;
        if (wholeBytes > 0) {
            validity.setOne(i >>> 3, wholeBytes);
            i += wholeBytes << 3;
        }
        for (; i < end; i++) {
            BitVectorHelper.setBit(validity, i);
        }
    }
}
