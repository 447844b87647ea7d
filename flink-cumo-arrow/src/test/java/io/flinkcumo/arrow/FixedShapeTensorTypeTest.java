package io.flinkcumo.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.ExtensionTypeRegistry;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.ByteArrayReadableSeekableByteChannel;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.List;

/** The canonical fixed-shape tensor type: metadata, validation and an Arrow IPC round trip. */
class FixedShapeTensorTypeTest {

    private static final ArrowType FLOAT32 = new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);

    @Test
    void serialisesTheCanonicalMetadata() {
        FixedShapeTensorType t = new FixedShapeTensorType(3, 336, 336);
        assertThat(t.extensionName()).isEqualTo("arrow.fixed_shape_tensor");
        assertThat(t.serialize()).isEqualTo("{\"shape\":[3,336,336]}");
        assertThat(t.storageType()).isEqualTo(new ArrowType.FixedSizeList(3 * 336 * 336));
        FixedShapeTensorType named = new FixedShapeTensorType(new long[] {2, 3}, List.of("C", "W"), new int[] {1, 0});
        assertThat(named.serialize()).isEqualTo("{\"shape\":[2,3],\"dim_names\":[\"C\",\"W\"],\"permutation\":[1,0]}");
    }

    @Test
    void deserialisesWhatItSerialises() {
        FixedShapeTensorType named = new FixedShapeTensorType(new long[] {2, 3}, List.of("C", "W"), new int[] {1, 0});
        ArrowType back = named.deserialize(named.storageType(), named.serialize());
        assertThat(back).isEqualTo(named);
        assertThat(((FixedShapeTensorType) back).dimNames()).containsExactly("C", "W");
        assertThat(back).isNotEqualTo(new FixedShapeTensorType(2, 3));
    }

    @Test
    void refusesInconsistentTypes() {
        FixedShapeTensorType t = new FixedShapeTensorType(2, 3);
        assertThatThrownBy(() -> t.deserialize(new ArrowType.FixedSizeList(5), t.serialize())).hasMessageContaining("list of 5");
        assertThatThrownBy(() -> t.deserialize(ArrowType.Utf8.INSTANCE, t.serialize())).hasMessageContaining("fixed-size-list");
        assertThatThrownBy(() -> t.deserialize(t.storageType(), "{\"dims\":[6]}")).hasMessageContaining("invalid");
        assertThatThrownBy(() -> new FixedShapeTensorType(-1, 3)).hasMessageContaining("negative");
        assertThatThrownBy(() -> new FixedShapeTensorType(new long[] {2, 3}, null, new int[] {0, 0})).hasMessageContaining("permutation");
        assertThatThrownBy(() -> new FixedShapeTensorType(new long[] {2, 3}, List.of("C"), null)).hasMessageContaining("names");
        assertThatThrownBy(() -> new FixedShapeTensorType(100_000, 100_000)).hasMessageContaining("exceeds");
        assertThat(FixedShapeTensorType.parseShape("3x336x336")).containsExactly(3, 336, 336);
        assertThatThrownBy(() -> FixedShapeTensorType.parseShape("3,336")).hasMessageContaining("3x336x336");
    }

    private static byte[] writeTensors(BufferAllocator allocator) throws IOException {
        FixedShapeTensorType type = new FixedShapeTensorType(2, 3);
        Schema schema = new Schema(List.of(type.field("t", true, FLOAT32)));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
                ArrowFileWriter writer = new ArrowFileWriter(root, null, Channels.newChannel(bytes))) {
            FixedShapeTensorVector v = (FixedShapeTensorVector) root.getVector("t");
            v.setFloats(0, new float[] {1, 2, 3, 4, 5, 6});
            v.setNull(1);
            v.setFloats(2, new float[] {-1, -2, -3, -4, -5, -6});
            root.setRowCount(3);
            writer.start();
            writer.writeBatch();
            writer.end();
        }
        return bytes.toByteArray();
    }

    @Test
    void roundTripsThroughArrowIpcAsTheExtensionType() throws IOException {
        FixedShapeTensorType.register();
        try (BufferAllocator allocator = new RootAllocator();
                ArrowFileReader reader = new ArrowFileReader(new ByteArrayReadableSeekableByteChannel(writeTensors(allocator)), allocator)) {
            assertThat(reader.loadNextBatch()).isTrue();
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            Field f = root.getSchema().findField("t");
            assertThat(f.getType()).isEqualTo(new FixedShapeTensorType(2, 3));
            assertThat(f.getChildren()).extracting(Field::getType).containsExactly(FLOAT32);
            FixedShapeTensorVector v = (FixedShapeTensorVector) root.getVector("t");
            assertThat(v.getFloats(0)).containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(v.isNull(1)).isTrue();
            assertThat(v.getFloats(2)).containsExactly(-1, -2, -3, -4, -5, -6);
            // every element of the two tensors is valid; only the null row's six slots are unset
            assertThat(v.getUnderlyingVector().getDataVector().getNullCount()).isEqualTo(6);
        }
    }

    @Test
    void readersWithoutTheTypeSeeTheStorageAndTheExtensionMetadata() throws IOException {
        FixedShapeTensorType.register();
        try (BufferAllocator allocator = new RootAllocator()) {
            byte[] file = writeTensors(allocator);
            ExtensionTypeRegistry.unregister(new FixedShapeTensorType(1));
            try (ArrowFileReader reader = new ArrowFileReader(new ByteArrayReadableSeekableByteChannel(file), allocator)) {
                assertThat(reader.loadNextBatch()).isTrue();
                Field f = reader.getVectorSchemaRoot().getSchema().findField("t");
                assertThat(f.getType()).isEqualTo(new ArrowType.FixedSizeList(6));
                assertThat(f.getMetadata())
                        .containsEntry("ARROW:extension:name", "arrow.fixed_shape_tensor")
                        .containsEntry("ARROW:extension:metadata", "{\"shape\":[2,3]}");
                FixedSizeListVector v = (FixedSizeListVector) reader.getVectorSchemaRoot().getVector("t");
                assertThat(v.getObject(2)).hasSize(6);
            } finally {
                FixedShapeTensorType.register();
            }
        }
    }
}
