package io.flinkcumo.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.TimeStampNanoTZVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.Text;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.local.LocalDataOutputStream;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.RowType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

/** Every supported Flink type reaches Arrow with its value; unsupported schemas are refused up front. */
class RowDataArrowWriterTest {

    @TempDir
    Path tmp;

    private static final RowType ALL_TYPES = (RowType) DataTypes.ROW(
                    DataTypes.FIELD("b", DataTypes.BOOLEAN()),
                    DataTypes.FIELD("i8", DataTypes.TINYINT()),
                    DataTypes.FIELD("i16", DataTypes.SMALLINT()),
                    DataTypes.FIELD("i32", DataTypes.INT().notNull()),
                    DataTypes.FIELD("i64", DataTypes.BIGINT()),
                    DataTypes.FIELD("f32", DataTypes.FLOAT()),
                    DataTypes.FIELD("f64", DataTypes.DOUBLE()),
                    DataTypes.FIELD("dec", DataTypes.DECIMAL(10, 3)),
                    DataTypes.FIELD("s", DataTypes.STRING()),
                    DataTypes.FIELD("bin", DataTypes.BYTES()),
                    DataTypes.FIELD("day", DataTypes.DATE()),
                    DataTypes.FIELD("ts3", DataTypes.TIMESTAMP(3)),
                    DataTypes.FIELD("ts6", DataTypes.TIMESTAMP(6)),
                    DataTypes.FIELD("ltz9", DataTypes.TIMESTAMP_LTZ(9)),
                    DataTypes.FIELD("floats", DataTypes.ARRAY(DataTypes.FLOAT())),
                    DataTypes.FIELD("words", DataTypes.ARRAY(DataTypes.STRING())),
                    DataTypes.FIELD("tensor", DataTypes.ARRAY(DataTypes.FLOAT().notNull())))
            .notNull()
            .getLogicalType();

    private static final ArrowWriteOptions TENSOR = ArrowWriteOptions.defaults().withTensorColumn("tensor", 2, 2);

    private static final TimestampData TS = TimestampData.fromLocalDateTime(LocalDateTime.of(2025, 12, 4, 10, 30, 15, 123_456_789));

    private static RowData fullRow(int i) {
        return GenericRowData.of(
                true, (byte) -3, (short) 300, i, 1L << 40, 1.5f, -2.25, DecimalData.fromBigDecimal(new BigDecimal("12.345"), 10, 3),
                StringData.fromString("héllo"), new byte[] {1, 2, 3}, 20426, TS, TS, TS,
                new GenericArrayData(new Float[] {1f, null, 3f}),
                new GenericArrayData(new Object[] {StringData.fromString("a"), StringData.fromString("bc")}),
                new GenericArrayData(new float[] {1, 2, 3, 4}));
    }

    private static RowData nullRow(int i) {
        GenericRowData row = new GenericRowData(ALL_TYPES.getFieldCount());
        row.setField(3, i);
        return row;
    }

    @Test
    void mapsEachTypeToItsArrowType() {
        Schema schema = ArrowSchemas.toSchema(ALL_TYPES, TENSOR);
        assertThat(schema.findField("i32").isNullable()).isFalse();
        assertThat(schema.findField("s").getType()).isEqualTo(ArrowType.Utf8.INSTANCE);
        assertThat(schema.findField("ts3").getType()).isEqualTo(new ArrowType.Timestamp(TimeUnit.MILLISECOND, null));
        assertThat(schema.findField("ts6").getType()).isEqualTo(new ArrowType.Timestamp(TimeUnit.MICROSECOND, null));
        assertThat(schema.findField("ltz9").getType()).isEqualTo(new ArrowType.Timestamp(TimeUnit.NANOSECOND, "UTC"));
        assertThat(schema.findField("floats").getType()).isEqualTo(ArrowType.List.INSTANCE);
        assertThat(schema.findField("floats").getChildren().get(0).getName()).isEqualTo("item");
        assertThat(schema.findField("tensor").getType()).isEqualTo(new FixedShapeTensorType(2, 2));
    }

    @Test
    void writesValuesAndNullsThroughTheBulkWriterInSeveralBatches() throws IOException {
        Path file = tmp.resolve("all.arrow");
        BulkWriter<RowData> writer = ArrowBulkWriters.forRowType(ALL_TYPES, TENSOR.withBatchRows(2))
                .create(new LocalDataOutputStream(file.toFile()));
        for (int i = 0; i < 5; i++) {
            writer.addElement(i % 2 == 0 ? fullRow(i) : nullRow(i));
        }
        writer.flush(); // a partial batch (row 4)
        writer.addElement(fullRow(5));
        writer.finish();

        List<Integer> batchSizes = new ArrayList<>();
        List<Object[]> rows = new ArrayList<>();
        ArrowSummary.forEachBatch(List.of(file), (f, b, root) -> {
            batchSizes.add(root.getRowCount());
            for (int r = 0; r < root.getRowCount(); r++) {
                rows.add(row(root, r));
            }
        });
        assertThat(batchSizes).containsExactly(2, 2, 1, 1);
        assertThat(rows).hasSize(6);
        Object[] full = rows.get(0);
        assertThat(full[0]).isEqualTo(true);
        assertThat(full[1]).isEqualTo((byte) -3);
        assertThat(full[2]).isEqualTo((short) 300);
        assertThat(full[3]).isEqualTo(0);
        assertThat(full[4]).isEqualTo(1L << 40);
        assertThat(full[5]).isEqualTo(1.5f);
        assertThat(full[6]).isEqualTo(-2.25);
        assertThat(full[7]).isEqualTo(new BigDecimal("12.345"));
        assertThat(full[8]).isEqualTo(new Text("héllo"));
        assertThat(full[9]).isEqualTo(new byte[] {1, 2, 3});
        assertThat(full[10]).isEqualTo(20426);
        assertThat(full[11]).isEqualTo(LocalDateTime.of(2025, 12, 4, 10, 30, 15, 123_000_000));
        assertThat(full[12]).isEqualTo(LocalDateTime.of(2025, 12, 4, 10, 30, 15, 123_456_000));
        assertThat(full[13]).isEqualTo(TS.getMillisecond() * 1_000_000L + TS.getNanoOfMillisecond());
        assertThat(full[14]).asString().isEqualTo("[1.0,null,3.0]");
        assertThat(full[15]).asString().isEqualTo("[\"a\",\"bc\"]");
        assertThat(full[16]).asString().isEqualTo("[1.0,2.0,3.0,4.0]");
        Object[] empty = rows.get(1);
        assertThat(empty[3]).isEqualTo(1);
        for (int c = 0; c < empty.length; c++) {
            if (c != 3) {
                assertThat(empty[c]).as("column %d", c).isNull();
            }
        }
        assertThat(rows.get(5)[3]).isEqualTo(5);
    }

    private static Object[] row(VectorSchemaRoot root, int r) {
        Object[] out = new Object[root.getFieldVectors().size()];
        for (int c = 0; c < out.length; c++) {
            FieldVector v = root.getVector(c);
            // the nanosecond LTZ column compares as raw epoch nanoseconds
            out[c] = v instanceof TimeStampNanoTZVector ts ? (ts.isNull(r) ? null : ts.get(r)) : v.getObject(r);
        }
        return out;
    }

    @Test
    void refusesUnsupportedColumnsWhenTheFactoryIsCreated() {
        RowType withMap = (RowType) DataTypes.ROW(DataTypes.FIELD("m", DataTypes.MAP(DataTypes.STRING(), DataTypes.INT())))
                .getLogicalType();
        assertThatThrownBy(() -> ArrowBulkWriters.forRowType(withMap))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("column 'm'")
                .hasMessageContaining("MAP<STRING, INT>");
        assertThatThrownBy(() -> ArrowBulkWriters.forRowType(ALL_TYPES, ArrowWriteOptions.defaults().withTensorColumn("s", 2)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("must be ARRAY<FLOAT>");
        assertThatThrownBy(() -> ArrowBulkWriters.forRowType(ALL_TYPES, ArrowWriteOptions.defaults().withTensorColumn("nope", 2)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("'nope' is not a column");
    }

    @Test
    void refusesTensorsOfTheWrongSize() {
        try (BufferAllocator allocator = new RootAllocator();
                RowDataArrowWriter writer = new RowDataArrowWriter(ALL_TYPES, TENSOR, allocator)) {
            GenericRowData row = (GenericRowData) nullRow(0);
            row.setField(16, new GenericArrayData(new float[] {1, 2, 3}));
            assertThatThrownBy(() -> writer.write(row)).hasMessageContaining("needs 4 floats per row, got 3");
            row.setField(16, new GenericArrayData(new Float[] {1f, 2f, null, 4f}));
            assertThatThrownBy(() -> writer.write(row)).hasMessageContaining("null element at 2");
        }
    }
}
