package io.flinkcumo.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

import org.junit.jupiter.api.Test;

/** A schema's row type and its rows come from one column list: names, types, order and values agree. */
class RowSchemaTest {

    record Sample(String name, Integer count, long total, Double mean, Boolean flag) {}

    private static final RowSchema<Sample> SCHEMA = RowSchema.<Sample>builder()
            .string("name", false, "a name", Sample::name)
            .integer("count", true, "a count", Sample::count)
            .bigint("total", false, "a total", Sample::total)
            .float64("mean", true, "a mean", Sample::mean)
            .bool("flag", true, "a flag", Sample::flag)
            .build();

    @Test
    void theRowTypeListsTheColumnsInOrderWithTypesNullabilityAndDescriptions() {
        assertThat(SCHEMA.rowType().getFieldNames()).containsExactly("name", "count", "total", "mean", "flag");
        assertThat(SCHEMA.rowType().getChildren()).extracting(t -> t.getTypeRoot()).containsExactly(
                LogicalTypeRoot.VARCHAR, LogicalTypeRoot.INTEGER, LogicalTypeRoot.BIGINT, LogicalTypeRoot.DOUBLE,
                LogicalTypeRoot.BOOLEAN);
        assertThat(SCHEMA.rowType().getChildren()).extracting(t -> t.isNullable()).containsExactly(false, true, false, true, true);
        assertThat(SCHEMA.rowType().getFields().get(2).getDescription()).contains("a total");
        assertThat(SCHEMA.rowType().isNullable()).isFalse();
    }

    @Test
    void rowsHoldTheValuesAsFlinkInternalDataAndNullsAsNull() {
        RowData row = SCHEMA.toRowData(new Sample("a", 3, 7L, 0.5, true));
        assertThat(row.getArity()).isEqualTo(5);
        assertThat(row.getString(0)).isEqualTo(StringData.fromString("a"));
        assertThat(row.getInt(1)).isEqualTo(3);
        assertThat(row.getLong(2)).isEqualTo(7L);
        assertThat(row.getDouble(3)).isEqualTo(0.5);
        assertThat(row.getBoolean(4)).isTrue();

        RowData nulls = SCHEMA.toRowData(new Sample("b", null, 0L, null, null));
        assertThat(nulls.isNullAt(1)).isTrue();
        assertThat(nulls.isNullAt(3)).isTrue();
        assertThat(nulls.isNullAt(4)).isTrue();
    }

    @Test
    void aColumnDeclaredTwiceIsRefused() {
        assertThatThrownBy(() -> RowSchema.<Sample>builder().string("x", false, "", Sample::name).bigint("x", false, "", Sample::total))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("column 'x' is declared twice");
    }
}
