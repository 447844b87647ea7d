package io.flinkcumo.runtime.core;

import static io.flinkcumo.runtime.core.Requirements.atLeast;
import static io.flinkcumo.runtime.core.Requirements.require;

import java.io.Serializable;
import java.util.Objects;

/**
 * How a shared model service schedules and what it reuses. Problems are reported with the names
 * of the matching {@link io.flinkcumo.runtime.CumoRuntimeOptions}, which also hold the defaults ({@link
 * CumoRuntimeOptions#servingConfig}).
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
        int prefillChunkSize) implements Serializable {

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
                atLeast("max-prefill-positions", maxPrefillPositions, 1),
                atLeast("prefill-chunk-size", prefillChunkSize, 0));
    }

    /** This config as the service was before iteration-level scheduling: static batches, no reuse. */
    public ServingConfig withStaticBatches() {
        return new ServingConfig(Scheduler.STATIC, 0, false, kvCacheBytes, maxPrefillPositions, 0);
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
