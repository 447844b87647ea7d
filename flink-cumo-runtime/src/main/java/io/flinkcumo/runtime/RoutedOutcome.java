package io.flinkcumo.runtime;

import io.flinkcumo.engine.routing.RoutingStats;

/**
 * A {@link CumoOutcome} with the per-layer routing statistics behind it, for outputs that record
 * how each request used the experts (one row per request, MoE layer and expert).
 *
 * @param outcome the outcome after {@code error-handling}
 * @param routing per MoE layer: tokens per expert, router probabilities, gate weights, entropy;
 *     null when there is no answer
 */
public record RoutedOutcome(CumoOutcome outcome, RoutingStats routing) {}
