package io.flinkcumo.runtime;

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

    /** Decode steps the iteration-level scheduler has run (0 with the static scheduler). */
    default long decodeSteps() {
        return 0;
    }

    /** Sequence rows those steps decoded (their mean over the steps is the running batch size). */
    default long decodedRows() {
        return 0;
    }
}
