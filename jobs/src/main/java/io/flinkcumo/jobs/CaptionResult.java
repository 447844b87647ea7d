package io.flinkcumo.jobs;

import io.flinkcumo.stats.RoutingStatRow;

/**
 * The caption job's output for one input row: the caption or why there is none, and how the
 * request was routed through the experts. A Flink POJO.
 */
public class CaptionResult {

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

    @Override
    public String toString() {
        return "CaptionResult{" + file + "#" + row + ", id=" + id + ", caption=" + caption + ", tokens=" + generatedTokens
                + ", error=" + error + "}";
    }
}
