package io.flinkcumo.runtime.core;

import io.flinkcumo.engine.routing.Component;
import io.flinkcumo.engine.routing.LayerRouting;
import io.flinkcumo.engine.routing.RoutingStats;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * How one request was routed through CuMo's experts, per component (vision tower, projector,
 * LLM), condensed to two numbers each so that it fits a SQL column.
 *
 * @param vision the CLIP-MoE layers, or null if the vision tower has no experts
 * @param projector the MLP-MoE connector, or null if it has no experts
 * @param llm Mixtral's sparse MoE blocks, or null for a dense (Mistral) LLM
 */
public record RoutingSummary(Routing vision, Routing projector, Routing llm) {

    /**
     * One component's routing, averaged over its MoE layers.
     *
     * @param layers MoE layers in the component
     * @param routerEntropy mean entropy (nats) of the router's softmax; ln(experts) is uniform, 0 is certain
     * @param topExpertShare mean over layers of the share of tokens whose top-1 expert is the layer's most
     *     used one: 1/experts is perfectly balanced, 1 means one expert took every token
     */
    public record Routing(int layers, double routerEntropy, double topExpertShare) {}

    /** Summarises a request's per-layer statistics. */
    public static RoutingSummary of(RoutingStats stats) {
        return new RoutingSummary(
                summarise(stats.of(Component.VISION)),
                summarise(stats.of(Component.PROJECTOR)),
                summarise(stats.of(Component.LLM)));
    }

    /** The summary of one component, or null if it has no MoE layers. */
    public Routing get(Component component) {
        return switch (component) {
            case VISION -> vision;
            case PROJECTOR -> projector;
            case LLM -> llm;
        };
    }

    private static Routing summarise(List<LayerRouting> layers) {
        if (layers.isEmpty()) {
            return null;
        }
        double entropy = 0;
        double topShare = 0;
        for (LayerRouting layer : layers) {
            entropy += layer.routerEntropy();
            long total = 0;
            long max = 0;
            for (long count : layer.top1Counts()) {
                total += count;
                max = Math.max(max, count);
            }
            topShare += total == 0 ? 0 : (double) max / total;
        }
        return new Routing(layers.size(), entropy / layers.size(), topShare / layers.size());
    }

    /** For example {@code vision: entropy 1.371, top expert 0.312; projector: ...}. */
    @Override
    public String toString() {
        StringJoiner out = new StringJoiner("; ");
        for (Component component : Component.values()) {
            Routing routing = get(component);
            if (routing != null) {
                out.add(String.format(Locale.ROOT, "%s: entropy %.3f, top expert %.3f",
                        component.label(), routing.routerEntropy(), routing.topExpertShare()));
            }
        }
        return out.toString();
    }
}
