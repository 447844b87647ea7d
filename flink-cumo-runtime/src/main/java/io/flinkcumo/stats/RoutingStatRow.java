package io.flinkcumo.stats;

import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;

import java.util.Objects;

/**
 * One row of expert-routing statistics: how one request used one expert of one MoE layer. A Flink
 * POJO (public fields, no-argument constructor), so DataStreams of it need no extra type
 * information; {@link #toRowData()} gives the same values in {@link RoutingStatsRows#ROW_TYPE}
 * order. Field meanings are documented on that constant.
 */
public class RoutingStatRow {

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

    /** This row as Flink internal data of {@link RoutingStatsRows#ROW_TYPE}. */
    public RowData toRowData() {
        return GenericRowData.of(
                StringData.fromString(requestId),
                StringData.fromString(component),
                layer,
                expert,
                layerTokens,
                tokensTop1,
                tokensTopK,
                meanRouterProb,
                meanGateWeight,
                routerEntropy);
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
