package io.flinkcumo.engine;

import io.flinkcumo.engine.routing.RoutingStats;

/**
 * CuMo's answer to one {@link CumoRequest}.
 *
 * @param answer decoded text of the generated ids (special tokens removed, whitespace-stripped)
 * @param tokenIds generated ids, including a final EOS when generation stopped on it
 * @param promptPositions prompt length after splicing the image rows in
 * @param preprocessNanos time spent decoding images and tokenising on the caller's thread
 */
public record CumoResult(
        String id,
        String answer,
        int[] tokenIds,
        boolean stoppedOnEos,
        int promptPositions,
        RoutingStats routing,
        ModelOutput.Timings timings,
        long preprocessNanos) {

    /** Number of generated tokens not counting a final EOS. */
    public int generatedTokens(int eosId) {
        int n = tokenIds.length;
        return n > 0 && tokenIds[n - 1] == eosId ? n - 1 : n;
    }
}
