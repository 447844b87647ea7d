package io.flinkcumo.jobs;

import io.flinkcumo.engine.routing.LayerRouting;
import io.flinkcumo.engine.routing.RoutingStats;
import java.util.ArrayList;
import java.util.List;

/**
 * How one request used one expert of one MoE layer: a row of the routing-statistics output. A
 * Flink POJO; the columns are those of {@link CaptionFiles#ROUTING_TYPE}.
 */
public class RoutingRow {

    public String component;
    public int layer;
    public int expert;
    public long layerTokens;
    public long tokensTop1;
    public long tokensTopK;
    public double meanRouterProb;
    public double meanGateWeight;
    public double routerEntropy;

    public RoutingRow() {}

    /** One row per (MoE layer, expert) of a request's routing, in component, layer and expert order. */
    public static RoutingRow[] of(RoutingStats routing) {
        if (routing == null) {
            return new RoutingRow[0];
        }
        List<RoutingRow> rows = new ArrayList<>();
        for (LayerRouting l : routing.layers()) {
            for (int e = 0; e < l.numExperts(); e++) {
                RoutingRow r = new RoutingRow();
                r.component = l.component().label();
                r.layer = l.layer();
                r.expert = e;
                r.layerTokens = l.tokens();
                r.tokensTop1 = l.top1Counts()[e];
                r.tokensTopK = l.topkCounts()[e];
                r.meanRouterProb = l.meanRouterProb()[e];
                r.meanGateWeight = l.meanGateWeight()[e];
                r.routerEntropy = l.routerEntropy();
                rows.add(r);
            }
        }
        return rows.toArray(RoutingRow[]::new);
    }
}
