package io.flinkcumo.stats;

import io.flinkcumo.engine.routing.LayerRouting;
import io.flinkcumo.engine.routing.RoutingStats;

import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One row of expert-routing statistics: how one request used one expert of one MoE layer. The
 * owner of this schema ({@link #ROW_TYPE}, {@link #toRowData()}) and the only place routing rows
 * are built from the engine's {@link RoutingStats} ({@link #of}). A Flink POJO (public fields,
 * no-argument constructor), so DataStreams of it need no extra type information.
 */
public class RoutingStatRow {

    /** The columns, in order: name, type, description and the field that fills it. */
    static final RowSchema<RoutingStatRow> SCHEMA = RowSchema.<RoutingStatRow>builder()
            .string("request_id", false, "the request's id (CumoRequest.id)", r -> r.requestId)
            .string("component", false, "where the MoE layer is: vision (CLIP-MoE), projector (MLP-MoE connector) or llm (Mixtral blocks)", r -> r.component)
            .integer("layer", false, "layer index within the component (0 for the projector)", r -> r.layer)
            .integer("expert", false, "expert index within the layer", r -> r.expert)
            .bigint("layer_tokens", false, "tokens of this request routed through the layer (vision: all crops x (patches + CLS))", r -> r.layerTokens)
            .bigint("tokens_top1", false, "tokens whose highest-probability expert is this one", r -> r.tokensTop1)
            .bigint("tokens_topk", false, "(token, slot) selections of this expert over the top-k slots", r -> r.tokensTopK)
            .float64("mean_router_prob", false, "mean softmax router probability of this expert over the layer's tokens", r -> r.meanRouterProb)
            .float64("mean_gate_weight", false, "mean renormalised gate weight over the tokens that selected this expert (0 if none)", r -> r.meanGateWeight)
            .float64("router_entropy", false, "mean entropy (nats) of the layer's router distribution for this request; the same on every expert row of the layer", r -> r.routerEntropy)
            .build();

    /** One row per (request, MoE layer, expert); no column is nullable. */
    public static final RowType ROW_TYPE = SCHEMA.rowType();

    public String requestId;
    public String component;
    public int layer;
    public int expert;
    public long layerTokens;
    public long tokensTop1;
    public long tokensTopK;
    public double meanRouterProb;
    public double meanGateWeight;
    public double routerEntropy;

    /** For Flink's POJO serializer. */
    public RoutingStatRow() {}

    public RoutingStatRow(
            String requestId,
            String component,
            int layer,
            int expert,
            long layerTokens,
            long tokensTop1,
            long tokensTopK,
            double meanRouterProb,
            double meanGateWeight,
            double routerEntropy) {
        this.requestId = requestId;
        this.component = component;
        this.layer = layer;
        this.expert = expert;
        this.layerTokens = layerTokens;
        this.tokensTop1 = tokensTop1;
        this.tokensTopK = tokensTopK;
        this.meanRouterProb = meanRouterProb;
        this.meanGateWeight = meanGateWeight;
        this.routerEntropy = routerEntropy;
    }

    /**
     * The rows of one request: one per (MoE layer, expert), in component, layer and expert order;
     * empty for null statistics.
     */
    public static List<RoutingStatRow> of(String requestId, RoutingStats routing) {
        List<RoutingStatRow> out = new ArrayList<>();
        if (routing == null) {
            return out;
        }
        for (LayerRouting l : routing.layers()) {
            for (int e = 0; e < l.numExperts(); e++) {
                out.add(new RoutingStatRow(
                        requestId,
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

    /** This row as Flink internal data of {@link #ROW_TYPE}. */
    public RowData toRowData() {
        return SCHEMA.toRowData(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RoutingStatRow r
                && Objects.equals(requestId, r.requestId)
                && Objects.equals(component, r.component)
                && layer == r.layer
                && expert == r.expert
                && layerTokens == r.layerTokens
                && tokensTop1 == r.tokensTop1
                && tokensTopK == r.tokensTopK
                && Double.compare(meanRouterProb, r.meanRouterProb) == 0
                && Double.compare(meanGateWeight, r.meanGateWeight) == 0
                && Double.compare(routerEntropy, r.routerEntropy) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestId, component, layer, expert);
    }

    @Override
    public String toString() {
        return "RoutingStatRow{" + requestId + ", " + component + ", layer=" + layer + ", expert=" + expert + ", top1="
                + tokensTop1 + ", topk=" + tokensTopK + ", gate=" + meanGateWeight + ", entropy=" + routerEntropy + "}";
    }
}
