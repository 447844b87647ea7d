package io.flinkcumo.arrow;

import io.flinkcumo.engine.CumoResult;
import io.flinkcumo.stats.RoutingStatsRows;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;

import java.util.List;
import java.util.function.Function;

/**
 * CuMo results as Arrow record batches with the schemas of {@link RoutingStatsRows}: one row per
 * (request, MoE layer, expert), or one summary row per request. The caller owns (and closes) the
 * returned roots.
 */
public final class RoutingStatsArrow {

    private RoutingStatsArrow() {}

    /** The Arrow schema of {@link RoutingStatsRows#ROW_TYPE}. */
    public static Schema schema() {
        return ArrowSchemas.toSchema(RoutingStatsRows.ROW_TYPE, ArrowWriteOptions.defaults());
    }

    /** The Arrow schema of {@link RoutingStatsRows#SUMMARY_ROW_TYPE}. */
    public static Schema summarySchema() {
        return ArrowSchemas.toSchema(RoutingStatsRows.SUMMARY_ROW_TYPE, ArrowWriteOptions.defaults());
    }

    /** The routing rows of {@code results}, in result order, as one batch. */
    public static VectorSchemaRoot layers(List<CumoResult> results, BufferAllocator allocator) {
        return batch(RoutingStatsRows.ROW_TYPE, results, RoutingStatsRows::toRowData, allocator);
    }

    /** One summary row per result, as one batch. */
    public static VectorSchemaRoot summaries(List<CumoResult> results, BufferAllocator allocator) {
        return batch(RoutingStatsRows.SUMMARY_ROW_TYPE, results, r -> List.of(RoutingStatsRows.summaryRowData(r)), allocator);
    }

    private static VectorSchemaRoot batch(
            RowType type, List<CumoResult> results, Function<CumoResult, List<RowData>> rows, BufferAllocator allocator) {
        RowDataArrowWriter writer = new RowDataArrowWriter(type, ArrowWriteOptions.defaults(), allocator);
        try {
            results.forEach(r -> rows.apply(r).forEach(writer::write));
            return writer.finishBatch();
        } catch (RuntimeException e) {
            writer.close();
            throw e;
        }
    }
}
