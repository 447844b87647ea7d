package io.flinkcumo.engine.routing;

/**
 * Routing statistics of one MoE layer for one request.
 *
 * @param component vision, projector or llm
 * @param layer layer index within the component (0 for the projector)
 * @param tokens tokens routed (for vision: all crops × (patches + CLS))
 * @param top1Counts tokens whose highest-probability expert is e
 * @param topkCounts (token, slot) selections of expert e over the top-k slots
 * @param meanRouterProb mean softmax probability of expert e over all tokens
 * @param meanGateWeight mean renormalised gate weight of expert e over the tokens that selected it (0 if none)
 * @param routerEntropy mean entropy (nats) of the router's softmax distribution
 */
public record LayerRouting(
        Component component,
        int layer,
        long tokens,
        long[] top1Counts,
        long[] topkCounts,
        double[] meanRouterProb,
        double[] meanGateWeight,
        double routerEntropy) {

    public int numExperts() {
        return top1Counts.length;
    }
}
