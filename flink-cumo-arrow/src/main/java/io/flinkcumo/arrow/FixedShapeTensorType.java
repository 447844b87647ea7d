package io.flinkcumo.arrow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.ExtensionTypeRegistry;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Objects;

/**
 * Arrow's canonical {@code arrow.fixed_shape_tensor} extension type, which Arrow Java lacks: every
 * value is a tensor of one fixed shape, stored row-major as a {@code FixedSizeList<value_type>}
 * of prod(shape) elements, with the JSON metadata {@code {"shape": [...]}} plus optional
 * {@code dim_names} and {@code permutation}. pyarrow, Arrow C++ and arrow-rs read such columns as
 * tensors; other readers see the storage list and the extension field metadata
 * ({@code ARROW:extension:name}, {@code ARROW:extension:metadata}).
 *
 * <p>The value type is not part of the extension type (it is the storage list's child field);
 * build fields with {@link #field}. Call {@link #register()} once before reading IPC data so
 * Arrow Java maps such fields back to this type and to {@link FixedShapeTensorVector}.
 */
public final class FixedShapeTensorType extends ArrowType.ExtensionType {

    /** The canonical extension name. */
    public static final String NAME = "arrow.fixed_shape_tensor";

    /** Name of the storage list's child field (pyarrow's default). */
    public static final String ITEM = "item";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final long[] shape;
    private final java.util.List<String> dimNames; // java.util spelled out: ArrowType.List shadows it
    private final int[] permutation;
    private final int listSize;

    /** A C-contiguous tensor type of {@code shape} without dimension names. */
    public FixedShapeTensorType(long... shape) {
        this(shape, null, null);
    }

    /**
     * @param shape physical shape, every dimension ≥ 0, at most {@link Integer#MAX_VALUE} elements
     * @param dimNames one name per dimension, or null
     * @param permutation indices of the logical dimensions in physical order (a permutation of
     *     0..n-1), or null for row-major
     */
    public FixedShapeTensorType(long[] shape, java.util.List<String> dimNames, int[] permutation) {
        this.shape = shape.clone();
        long elements = 1;
        for (long d : this.shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative tensor dimension in " + Arrays.toString(shape));
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (elements > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a tensor of shape " + Arrays.toString(shape) + " exceeds a fixed-size list");
        }
        this.listSize = (int) elements;
        if (dimNames != null && dimNames.size() != shape.length) {
            throw new IllegalArgumentException(dimNames.size() + " dimension names for " + shape.length + " dimensions");
        }
        this.dimNames = dimNames == null ? null : java.util.List.copyOf(dimNames);
        if (permutation != null) {
            int[] sorted = permutation.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < sorted.length; i++) {
                if (sorted[i] != i || sorted.length != shape.length) {
                    throw new IllegalArgumentException(
                            Arrays.toString(permutation) + " is not a permutation of " + shape.length + " dimensions");
                }
            }
        }
        this.permutation = permutation == null ? null : permutation.clone();
    }

    /** Registers the type with Arrow Java's {@link ExtensionTypeRegistry} (idempotent). */
    public static void register() {
        if (!(ExtensionTypeRegistry.lookup(NAME) instanceof FixedShapeTensorType)) {
            ExtensionTypeRegistry.register(new FixedShapeTensorType(1));
        }
    }

    /** Parses a shape written as {@code 3x336x336}. */
    public static long[] parseShape(String text) {
        String[] parts = text.trim().split("x", -1);
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Long.parseLong(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("a tensor shape is written like 3x336x336, got '" + text + "'");
            }
        }
        return out;
    }

    /** The physical shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** Dimension names, or null. */
    public java.util.List<String> dimNames() {
        return dimNames;
    }

    /** Logical-to-physical permutation, or null. */
    public int[] permutation() {
        return permutation == null ? null : permutation.clone();
    }

    /** Elements per tensor: prod(shape). */
    public int listSize() {
        return listSize;
    }

    /**
     * A field of this type whose tensors hold {@code valueType} elements; the storage is
     * {@code fixed_size_list<item: value_type>[prod(shape)]}, exactly the storage pyarrow builds.
     */
    public Field field(String name, boolean nullable, ArrowType valueType) {
        return new Field(name, new FieldType(nullable, this, null), java.util.List.of(Field.nullable(ITEM, valueType)));
    }

    @Override
    public ArrowType storageType() {
        return new ArrowType.FixedSizeList(listSize);
    }

    @Override
    public String extensionName() {
        return NAME;
    }

    @Override
    public boolean extensionEquals(ExtensionType other) {
        return other instanceof FixedShapeTensorType t
                && Arrays.equals(shape, t.shape)
                && Objects.equals(dimNames, t.dimNames)
                && Arrays.equals(permutation, t.permutation);
    }

    @Override
    public String serialize() {
        ObjectNode json = JSON.createObjectNode();
        ArrayNode s = json.putArray("shape");
        Arrays.stream(shape).forEach(s::add);
        if (dimNames != null) {
            ArrayNode names = json.putArray("dim_names");
            dimNames.forEach(names::add);
        }
        if (permutation != null) {
            ArrayNode p = json.putArray("permutation");
            Arrays.stream(permutation).forEach(p::add);
        }
        return json.toString();
    }

    @Override
    public ArrowType deserialize(ArrowType storageType, String serializedData) {
        if (!(storageType instanceof ArrowType.FixedSizeList list)) {
            throw new IllegalArgumentException(NAME + " needs fixed-size-list storage, got " + storageType);
        }
        FixedShapeTensorType type;
        try {
            JsonNode json = JSON.readTree(serializedData);
            type = new FixedShapeTensorType(longs(json.get("shape")), strings(json.get("dim_names")), ints(json.get("permutation")));
        } catch (JsonProcessingException | RuntimeException e) {
            throw new IllegalArgumentException("invalid " + NAME + " metadata: " + serializedData, e);
        }
        if (type.listSize != list.getListSize()) {
            throw new IllegalArgumentException(
                    NAME + " of shape " + Arrays.toString(type.shape) + " over a list of " + list.getListSize() + " elements");
        }
        return type;
    }

    @Override
    public FieldVector getNewVector(String name, FieldType fieldType, BufferAllocator allocator) {
        return new FixedShapeTensorVector(name, fieldType, allocator);
    }

    private static long[] longs(JsonNode array) {
        if (array == null || !array.isArray()) {
            throw new IllegalArgumentException("the metadata has no shape array");
        }
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).longValue();
        }
        return out;
    }

    private static int[] ints(JsonNode array) {
        return array == null || array.isNull() ? null : Arrays.stream(longs(array)).mapToInt(Math::toIntExact).toArray();
    }

    private static java.util.List<String> strings(JsonNode array) {
        if (array == null || array.isNull()) {
            return null;
        }
        java.util.List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
