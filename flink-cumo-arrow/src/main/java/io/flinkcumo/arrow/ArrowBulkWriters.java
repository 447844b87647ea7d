package io.flinkcumo.arrow;

import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.function.SerializableFunction;

import java.io.IOException;

/**
 * {@link BulkWriter.Factory}s writing Arrow IPC files, for Flink's FileSink:
 *
 * <pre>{@code
 * FileSink.forBulkFormat(new Path("s3://bucket/routing"),
 *         ArrowBulkWriters.forRowType(RoutingStatRow.ROW_TYPE, ArrowWriteOptions.defaults(), RoutingStatRow::toRowData))
 *     .build();
 * }</pre>
 *
 * Part files roll on every checkpoint, so each committed file is a complete Arrow file and, with
 * checkpointing enabled, every element lands in exactly one committed file. The TaskManagers need
 * {@code --add-opens=java.base/java.nio=ALL-UNNAMED} (see docs/arrow.md).
 */
public final class ArrowBulkWriters {

    private ArrowBulkWriters() {}

    /** Rows of {@code type} with the default batch limits and no tensor columns. */
    public static BulkWriter.Factory<RowData> forRowType(RowType type) {
        return forRowType(type, ArrowWriteOptions.defaults());
    }

    /** Rows of {@code type}, batched and typed as {@code options} say. */
    public static BulkWriter.Factory<RowData> forRowType(RowType type, ArrowWriteOptions options) {
        return forRowType(type, options, row -> row);
    }

    /** Elements converted to rows of {@code type} by {@code toRow}. */
    public static <T> BulkWriter.Factory<T> forRowType(
            RowType type, ArrowWriteOptions options, SerializableFunction<T, RowData> toRow) {
        ArrowSchemas.toSchema(type, options); // fail when the job is built, not in the first task
        return new Factory<>(type, options, toRow);
    }

    private record Factory<T>(RowType type, ArrowWriteOptions options, SerializableFunction<T, RowData> toRow)
            implements BulkWriter.Factory<T> {

        @Override
        public BulkWriter<T> create(FSDataOutputStream out) throws IOException {
            return new ArrowBulkWriter<>(out, type, options, toRow);
        }
    }
}
