package io.flinkcumo.jobs;

import io.flinkcumo.runtime.core.CumoReply;
import io.flinkcumo.stats.RoutingStatRow;
import io.flinkcumo.stats.RowSchema;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;

/**
 * The caption job's output for one input row: the caption or why there is none, and how the
 * request was routed through the experts. A Flink POJO, and the owner of the captions file's
 * schema: {@link #ROW_TYPE}, {@link #toRowData()} and the values ({@link #answered}, {@link
 * #failed}) are all here, so a caption column is added in this file only.
 */
public class CaptionResult {

    /** The captions file's columns, in order: name, type, description and the field that fills it. */
    static final RowSchema<CaptionResult> SCHEMA = RowSchema.<CaptionResult>builder()
            .string("id", false, "the row's id: the id column as text, or <file>#<row>", r -> r.id)
            .bigint("source_row", false, "position of the row in its input file, from 0", r -> r.row)
            .string("caption", true, "CuMo's caption; null when the row failed", r -> r.caption)
            .integer("generated_tokens", true, "tokens generated, not counting a final EOS; null without a caption", r -> r.generatedTokens)
            .bigint("latency_ms", false, "from the call to the caption or failure: reading, preprocessing, queueing, inference", r -> r.latencyMs)
            .string("error", true, "why the row has no caption; null on success", r -> r.error)
            .build();

    /** One row per input row: the schema of {@code OUT/captions/<input name>.parquet}. */
    public static final RowType ROW_TYPE = SCHEMA.rowType();

    /** The input file's relative name. */
    public String file;

    /** Position of the row in its file. */
    public long row;

    /** The row's id. */
    public String id;

    /** The caption; null when the row failed. */
    public String caption;

    /** Generated tokens, not counting a final EOS; null without a caption. */
    public Integer generatedTokens;

    /** Milliseconds from the call to the caption or failure, reading, preprocessing and queueing included. */
    public long latencyMs;

    /** Why there is no caption; null on success. */
    public String error;

    /** One entry per (MoE layer, expert), {@code requestId} being the row's id; empty without a caption. */
    public RoutingStatRow[] routing;

    public CaptionResult() {}

    /**
     * The result of a row CuMo answered (or failed on, with the reply's error).
     *
     * @param keepRouting whether to keep the per-layer routing statistics
     */
    static CaptionResult answered(ImageRow row, CumoReply outcome, boolean keepRouting) {
        CaptionResult r = of(row);
        r.caption = outcome.answer();
        r.generatedTokens = outcome.generatedTokens();
        r.latencyMs = outcome.latencyMillis();
        if (outcome.succeeded()) {
            r.routing = keepRouting ? RoutingStatRow.of(row.id, outcome.routing()).toArray(RoutingStatRow[]::new) : new RoutingStatRow[0];
        } else {
            r.error = outcome.error() != null ? outcome.error()
                    : row.imageRef().isNull() ? "the row has no image (neither bytes nor a path)" : "no answer";
        }
        return r;
    }

    /** The result of a row that was not answered: {@code error} instead of a caption. */
    static CaptionResult failed(ImageRow row, String error, long latencyMs) {
        CaptionResult r = of(row);
        r.error = error;
        r.latencyMs = latencyMs;
        return r;
    }

    private static CaptionResult of(ImageRow row) {
        CaptionResult r = new CaptionResult();
        r.file = row.file;
        r.row = row.row;
        r.id = row.id;
        r.routing = new RoutingStatRow[0];
        return r;
    }

    /** This result as a row of the captions file ({@link #ROW_TYPE}). */
    public RowData toRowData() {
        return SCHEMA.toRowData(this);
    }

    @Override
    public String toString() {
        return "CaptionResult{" + file + "#" + row + ", id=" + id + ", caption=" + caption + ", tokens=" + generatedTokens
                + ", error=" + error + "}";
    }
}
