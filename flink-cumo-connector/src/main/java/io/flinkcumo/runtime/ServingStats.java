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
}
