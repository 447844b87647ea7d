package io.flinkcumo.stats;

import io.flinkcumo.engine.CumoResult;
import io.flinkcumo.engine.ModelOutput;
import io.flinkcumo.engine.routing.Component;
import io.flinkcumo.engine.routing.LayerRouting;

import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.BooleanType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.RowType.RowField;
import org.apache.flink.table.types.logical.VarCharType;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * CuMo results as flat rows: the schemas (Flink {@link RowType}s, the single definition of both;
 * the Arrow schemas derive from them) and the converters from {@link CumoResult}. Use the rows in a
 * DataStream ({@link RoutingStatsFlatMap}, {@link RequestSummaryMap}), as RowData for a table
 * function or side output ({@link #toRowData}, {@link #summaryRowData}), or as Arrow batches
 * ({@code io.flinkcumo.arrow.RoutingStatsArrow}).
 */
public final class RoutingStatsRows {

    /** One row per (request, MoE layer, expert). */
    public static final RowType ROW_TYPE = new RowType(false, List.of(
            field("request_id", string(), "the request's id (CumoRequest.id)"),
            field("component", string(), "where the MoE layer is: vision (CLIP-MoE), projector (MLP-MoE connector) or llm (Mixtral blocks)"),
            field("layer", new IntType(false), "layer index within the component (0 for the projector)"),
            field("expert", new IntType(false), "expert index within the layer"),
            field("layer_tokens", new BigIntType(false), "tokens of this request routed through the layer (vision: all crops x (patches + CLS))"),
            field("tokens_top1", new BigIntType(false), "tokens whose highest-probability expert is this one"),
            field("tokens_topk", new BigIntType(false), "(token, slot) selections of this expert over the top-k slots"),
            field("mean_router_prob", new DoubleType(false), "mean softmax router probability of this expert over the layer's tokens"),
            field("mean_gate_weight", new DoubleType(false), "mean renormalised gate weight over the tokens that selected this expert (0 if none)"),
            field("router_entropy", new DoubleType(false), "mean entropy (nats) of the layer's router distribution for this request; the same on every expert row of the layer")));

    /** One row per request. */
    public static final RowType SUMMARY_ROW_TYPE = new RowType(false, List.of(
            field("request_id", string(), "the request's id"),
            field("answer", string(), "the decoded answer"),
            field("generated_tokens", new IntType(false), "generated tokens, not counting a final EOS"),
            field("stopped_on_eos", new BooleanType(false), "true when generation ended on EOS rather than on the token budget"),
            field("prompt_positions", new IntType(false), "prompt length after splicing in the image rows"),
            field("batch_size", new IntType(false), "requests in the model batch this request ran in"),
            field("preprocess_ms", new DoubleType(false), "image decoding, CLIP preprocessing and tokenisation of this request"),
            field("vision_ms", new DoubleType(false), "vision tower + projector time of the batch"),
            field("prefill_ms", new DoubleType(false), "prefill time of the batch"),
            field("decode_ms", new DoubleType(false), "decode time of the batch"),
            field("latency_ms", new DoubleType(false), "preprocess_ms + vision_ms + prefill_ms + decode_ms (queueing excluded)"),
            field("vision_entropy", new DoubleType(true), "mean router entropy over the vision MoE layers (null without CLIP-MoE)"),
            field("projector_entropy", new DoubleType(true), "router entropy of the MLP-MoE projector (null without it)"),
            field("llm_entropy", new DoubleType(true), "mean router entropy over the LLM MoE layers (null for Mistral)")));

    private RoutingStatsRows() {}

    private static RowField field(String name, LogicalType type, String description) {
        return new RowField(name, type, description);
    }

    private static LogicalType string() {
        return new VarCharType(false, VarCharType.MAX_LENGTH);
    }

    /** The routing rows of one result, in component, layer and expert order. */
    public static List<RoutingStatRow> rows(CumoResult result) {
        List<RoutingStatRow> out = new ArrayList<>();
        for (LayerRouting l : result.routing().layers()) {
            for (int e = 0; e < l.numExperts(); e++) {
                out.add(new RoutingStatRow(
                        result.id(),
                        l.component().label(),
                        l.layer(),
                        e,
                        l.tokens(),
                        l.top1Counts()[e],
                        l.topkCounts()[e],
                        l.meanRouterProb()[e],
                        l.meanGateWeight()[e],
                        l.routerEntropy()));
            }
        }
        return out;
    }

    /** {@link #rows} as RowData of {@link #ROW_TYPE}. */
    public static List<RowData> toRowData(CumoResult result) {
        return rows(result).stream().map(RoutingStatRow::toRowData).toList();
    }

    /** The summary row of one result. */
    public static RequestSummaryRow summary(CumoResult result) {
        ModelOutput.Timings t = result.timings();
        RequestSummaryRow s = new RequestSummaryRow();
        s.requestId = result.id();
        s.answer = result.answer();
        s.generatedTokens = result.tokenIds().length - (result.stoppedOnEos() ? 1 : 0);
        s.stoppedOnEos = result.stoppedOnEos();
        s.promptPositions = result.promptPositions();
        s.batchSize = t.batchSize();
        s.preprocessMs = millis(result.preprocessNanos());
        s.visionMs = millis(t.visionNanos());
        s.prefillMs = millis(t.prefillNanos());
        s.decodeMs = millis(t.decodeNanos());
        s.latencyMs = millis(result.preprocessNanos() + t.totalNanos());
        s.visionEntropy = meanEntropy(result, Component.VISION);
        s.projectorEntropy = meanEntropy(result, Component.PROJECTOR);
        s.llmEntropy = meanEntropy(result, Component.LLM);
        return s;
    }

    /** {@link #summary} as RowData of {@link #SUMMARY_ROW_TYPE}. */
    public static RowData summaryRowData(CumoResult result) {
        return summary(result).toRowData();
    }

    private static Double meanEntropy(CumoResult result, Component c) {
        OptionalDouble mean = result.routing().of(c).stream().mapToDouble(LayerRouting::routerEntropy).average();
        return mean.isPresent() ? mean.getAsDouble() : null;
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
