package io.flinkcumo.engine;

import io.flinkcumo.engine.routing.RoutingStats;

/**
 * What the model produced for one request.
 *
 * @param tokenIds generated ids (including the final EOS when generation stopped on it)
 * @param stoppedOnEos true when generation ended on EOS rather than on the token budget
 * @param promptPositions positions after splicing the image rows into the prompt
 * @param routing per-layer expert-routing statistics of this request
 * @param timings where the batch's time went
 */
public record ModelOutput(
        int[] tokenIds, boolean stoppedOnEos, int promptPositions, RoutingStats routing, Timings timings) {

    /** Wall-clock split of the batch this request ran in (shared by its members). */
    public record Timings(int batchSize, long visionNanos, long prefillNanos, long decodeNanos, int decodeSteps) {

        public long totalNanos() {
            return visionNanos + prefillNanos + decodeNanos;
        }
    }
}
