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
 */
public record ServingConfig(
        Scheduler scheduler, long visionCacheBytes, boolean sharedPrefix, long kvCacheBytes, int maxPrefillPositions) {

    /** How the service's dispatcher batches requests. */
    public enum Scheduler {
        /** Batch by batch: vision, prefill and the whole decode of a batch before the next. */
        STATIC,
        /** Per decode step: requests join and leave the running batch between steps. */
        ITERATION
    }

    public ServingConfig {
        Objects.requireNonNull(scheduler, "scheduler");
        require(
                atLeast("vision-cache-size", visionCacheBytes, 0),
                atLeast("kv-cache-size", kvCacheBytes, 1),
                atLeast("max-prefill-positions", maxPrefillPositions, 1));
    }

    /**
     * The defaults of {@link CumoRuntimeOptions}: iteration-level, 256 MiB vision cache, shared
     * prefix, 4 GiB KV, 4096 prefill positions per admission while others decode.
     */
    public static ServingConfig defaults() {
        return new ServingConfig(Scheduler.ITERATION, 256L << 20, true, 4L << 30, 4096);
    }

    /** The service as it was before iteration-level scheduling: static batches, no reuse. */
    public static ServingConfig staticBatches() {
        return new ServingConfig(Scheduler.STATIC, 0, false, 4L << 30, 4096);
    }

    public ServingConfig withScheduler(Scheduler value) {
        return new ServingConfig(value, visionCacheBytes, sharedPrefix, kvCacheBytes, maxPrefillPositions);
    }

    public ServingConfig withVisionCacheBytes(long value) {
        return new ServingConfig(scheduler, value, sharedPrefix, kvCacheBytes, maxPrefillPositions);
    }

    public ServingConfig withSharedPrefix(boolean value) {
        return new ServingConfig(scheduler, visionCacheBytes, value, kvCacheBytes, maxPrefillPositions);
    }

    public ServingConfig withKvCacheBytes(long value) {
        return new ServingConfig(scheduler, visionCacheBytes, sharedPrefix, value, maxPrefillPositions);
    }

    public ServingConfig withMaxPrefillPositions(int value) {
        return new ServingConfig(scheduler, visionCacheBytes, sharedPrefix, kvCacheBytes, value);
    }
}
