package io.flinkcumo.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.BooleanType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;

/**
 * The flat Flink schema of an output row type, declared column by column: each column's name,
 * type, description and how its value is read from a {@code T}. The {@link RowType} and each
 * row's {@link RowData} come from the same list, so a column is added (or moved) in one line of
 * the row type that owns the schema, and the two can never disagree on order or arity.
 *
 * <pre>{@code
 * static final RowSchema<CaptionResult> SCHEMA = RowSchema.<CaptionResult>builder()
 *         .string("id", false, "the row's id", r -> r.id)
 *         .bigint("latency_ms", false, "from the call to the caption", r -> r.latencyMs)
 *         .build();
 * }</pre>
 *
 * <p>Values are Java values ({@code String}, {@code Integer}, {@code Long}, {@code Double},
 * {@code Boolean}; null for SQL NULL); strings become {@link StringData}.
 *
 * @param <T> the row object
 */
public final class RowSchema<T> {

    /** One column: its field in the row type and how its value is read. */
    private record Column<T>(RowType.RowField field, Function<T, ?> value, boolean string) {}

    private final List<Column<T>> columns;
    private final RowType rowType;

    private RowSchema(List<Column<T>> columns) {
        this.columns = List.copyOf(columns);
        this.rowType = new RowType(false, this.columns.stream().map(Column::field).toList());
    }

    /** A schema to declare column by column. */
    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /** The row type: the columns in declaration order, with their descriptions. */
    public RowType rowType() {
        return rowType;
    }

    /** {@code row} as Flink internal data of {@link #rowType()}. */
    public RowData toRowData(T row) {
        GenericRowData out = new GenericRowData(columns.size());
        for (int i = 0; i < columns.size(); i++) {
            Column<T> c = columns.get(i);
            Object v = c.value().apply(row);
            out.setField(i, c.string() && v != null ? StringData.fromString((String) v) : v);
        }
        return out;
    }

    /** Declares the columns in order; each method adds one column. */
    public static final class Builder<T> {
        private final List<Column<T>> columns = new ArrayList<>();

        private Builder() {}

        /** A {@code STRING} ({@code VARCHAR(MAX)}) column. */
        public Builder<T> string(String name, boolean nullable, String description, Function<T, String> value) {
            return add(name, new VarCharType(nullable, VarCharType.MAX_LENGTH), description, value, true);
        }

        /** An {@code INT} column. */
        public Builder<T> integer(String name, boolean nullable, String description, Function<T, Integer> value) {
            return add(name, new IntType(nullable), description, value, false);
        }

        /** A {@code BIGINT} column. */
        public Builder<T> bigint(String name, boolean nullable, String description, Function<T, Long> value) {
            return add(name, new BigIntType(nullable), description, value, false);
        }

        /** A {@code DOUBLE} column. */
        public Builder<T> float64(String name, boolean nullable, String description, Function<T, Double> value) {
            return add(name, new DoubleType(nullable), description, value, false);
        }

        /** A {@code BOOLEAN} column. */
        public Builder<T> bool(String name, boolean nullable, String description, Function<T, Boolean> value) {
            return add(name, new BooleanType(nullable), description, value, false);
        }

        private Builder<T> add(String name, LogicalType type, String description, Function<T, ?> value, boolean string) {
            if (columns.stream().anyMatch(c -> c.field().getName().equals(name))) {
                throw new IllegalArgumentException("column '" + name + "' is declared twice");
            }
            columns.add(new Column<>(new RowType.RowField(name, type, description), value, string));
            return this;
        }

        public RowSchema<T> build() {
            if (columns.isEmpty()) {
                throw new IllegalStateException("a row schema needs at least one column");
            }
            return new RowSchema<>(columns);
        }
    }
}
