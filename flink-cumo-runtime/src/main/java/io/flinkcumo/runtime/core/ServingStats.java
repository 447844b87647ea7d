package io.flinkcumo.runtime.core;

/** Live counters of a model service's scheduler and caches (see {@link CumoService#stats}). */
public interface ServingStats {

    /** Images whose projected features came from the vision cache. */
    long visionCacheHits();

    /** Images that went through the vision tower (cache on, not found). */
    long visionCacheMisses();

    /** Bytes of cached image features. */
    long visionCacheBytes();

    /** Prefills that took the shared prompt prefix from its cache. */
    long prefixCacheHits();

    /** Sequences decoding in the running batch now. */
    int runningSequences();

    /** Admitted requests whose long prompt is still being prefilled chunk by chunk (not yet decoding). */
    default int prefillingSequences() {
        return 0;
    }

    /** Decode steps the iteration-level scheduler has run (0 with the static scheduler). */
    default long decodeSteps() {
        return 0;
    }

    /** Sequence rows those steps decoded (their mean over the steps is the running batch size). */
    default long decodedRows() {
        return 0;
    }

    /**
     * Longest time between the starts of two consecutive decode steps of a non-empty running batch
     * (what a decoding sequence waited for admissions and prefill chunks, plus one step), since the
     * service started or {@link #resetMaxDecodeGap}; 0 with the static scheduler.
     */
    default long maxDecodeGapNanos() {
        return 0;
    }

    /** Starts a new window for {@link #maxDecodeGapNanos}. */
    default void resetMaxDecodeGap() {}
}
