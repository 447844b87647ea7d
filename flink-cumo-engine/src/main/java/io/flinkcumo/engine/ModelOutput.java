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

    /**
     * Wall-clock split of the batch this request ran in (shared by its members), and the number of
     * tensors the decode loop created: each is one native libtorch call (in-place writes and
     * host reads come on top), so {@code decodeTensors / decodeSteps} is the per-token call budget.
     */
    public record Timings(int batchSize, long visionNanos, long prefillNanos, long decodeNanos, int decodeSteps, long decodeTensors) {

        /** Tensor-producing native calls per decode step (0 without decode steps). */
        public double tensorsPerDecodeStep() {
            return decodeSteps == 0 ? 0 : (double) decodeTensors / decodeSteps;
        }

        public long totalNanos() {
            return visionNanos + prefillNanos + decodeNanos;
        }
    }
}
