package io.flinkcumo.runtime;

import static io.flinkcumo.runtime.Requirements.atLeast;
import static io.flinkcumo.runtime.Requirements.require;

import java.util.Objects;

/**
 * How a shared model service schedules and what it reuses. Problems are reported with the names
 * of the matching {@link CumoRuntimeOptions}.
 *
 * @param scheduler {@code iteration}: sequences join and leave the running batch between decode
 *     steps; {@code static}: a batch runs vision, prefill and its whole decode before the next
 * @param visionCacheBytes bound on the cached projected image features; 0 turns the cache off
 * @param sharedPrefix reuse the K/V of the prompt prefix before the first image (iteration only)
 * @param kvCacheBytes bound on the running sequences' key/value cache (iteration only)
 * @param maxPrefillPositions while sequences decode, a group joining between two steps may
 *     prefill at most this many prompt positions (its first request always joins), which bounds
 *     how long decoding stalls for an admission (iteration only)
 * @param prefillChunkSize a prompt whose own prefill exceeds this many positions is prefilled in
 *     chunks of at most this many, one between two decode steps of the running requests; 0
 *     prefills every prompt whole (iteration only)
 */
public record ServingConfig(
        Scheduler scheduler, long visionCacheBytes, boolean sharedPrefix, long kvCacheBytes, int maxPrefillPositions,
        int prefillChunkSize) {

    /** How the service's dispatcher batches requests. */
    public enum Scheduler {
        /** Batch by batch: vision, prefill and the whole decode of a batch before the next. */
        STATIC,
        /** Per decode step: requests join and leave the running batch between steps. */
        ITERATION
    }

    /** Default {@code prefill-chunk-size}. */
    public static final int DEFAULT_PREFILL_CHUNK = 256;

    public ServingConfig {
        Objects.requireNonNull(scheduler, "scheduler");
        require(
                atLeast("vision-cache-size", visionCacheBytes, 0),
                atLeast("kv-cache-size", kvCacheBytes, 1),
                atLeast("max-prefill-positions", maxPrefillPositions, 1),
                atLeast("prefill-chunk-size", prefillChunkSize, 0));
    }

    /**
     * The defaults of {@link CumoRuntimeOptions}: iteration-level, 256 MiB vision cache, shared
     * prefix, 4 GiB KV, 4096 prefill positions per admission while others decode, prefill chunks
     * of {@value #DEFAULT_PREFILL_CHUNK} positions.
     */
    public static ServingConfig defaults() {
        return new ServingConfig(Scheduler.ITERATION, 256L << 20, true, 4L << 30, 4096, DEFAULT_PREFILL_CHUNK);
    }

    /** The service as it was before iteration-level scheduling: static batches, no reuse. */
    public static ServingConfig staticBatches() {
        return new ServingConfig(Scheduler.STATIC, 0, false, 4L << 30, 4096, 0);
    }

    public ServingConfig withScheduler(Scheduler value) {
        return new ServingConfig(value, visionCacheBytes, sharedPrefix, kvCacheBytes, maxPrefillPositions, prefillChunkSize);
    }

    public ServingConfig withVisionCacheBytes(long value) {
        return new ServingConfig(scheduler, value, sharedPrefix, kvCacheBytes, maxPrefillPositions, prefillChunkSize);
    }

    public ServingConfig withSharedPrefix(boolean value) {
        return new ServingConfig(scheduler, visionCacheBytes, value, kvCacheBytes, maxPrefillPositions, prefillChunkSize);
    }

    public ServingConfig withKvCacheBytes(long value) {
        return new ServingConfig(scheduler, visionCacheBytes, sharedPrefix, value, maxPrefillPositions, prefillChunkSize);
    }

    public ServingConfig withMaxPrefillPositions(int value) {
        return new ServingConfig(scheduler, visionCacheBytes, sharedPrefix, kvCacheBytes, value, prefillChunkSize);
    }

    public ServingConfig withPrefillChunkSize(int value) {
        return new ServingConfig(scheduler, visionCacheBytes, sharedPrefix, kvCacheBytes, maxPrefillPositions, value);
    }
}
