package io.flinkcumo.runtime;

import static io.flinkcumo.runtime.Requirements.atLeast;
import static io.flinkcumo.runtime.Requirements.notNegative;
import static io.flinkcumo.runtime.Requirements.positive;
import static io.flinkcumo.runtime.Requirements.require;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one {@link MicroBatcher}. Problems are reported with the names of the matching
 * {@link CumoRuntimeOptions}.
 *
 * @param name names the dispatcher thread ({@code cumo-dispatcher-<name>}), normally the device
 * @param maxBatchSize a batch runs as soon as this many requests are queued
 * @param maxBatchWait a batch runs when its oldest request has waited this long, however small
 * @param queueCapacity at most this many requests wait in the queue; more block or are rejected
 * @param requestTimeout a request not finished this long after submission fails with a timeout
 * @param isolateFailures when the batch function throws, re-run the batch in halves so that only the
 *     requests that fail on their own are failed (see {@link MicroBatcher})
 * @param shutdownTimeout how long {@link MicroBatcher#close()} waits for a running batch
 */
public record BatcherConfig(
    String name,
    int maxBatchSize,
    Duration maxBatchWait,
    int queueCapacity,
    Duration requestTimeout,
    boolean isolateFailures,
    Duration shutdownTimeout) {

  /** Validates every setting. */
  public BatcherConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(maxBatchWait, "maxBatchWait");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
    require(
        name.isBlank() ? "batcher name must not be blank" : null,
        atLeast("max-batch-size", maxBatchSize, 1),
        notNegative("max-batch-wait", maxBatchWait),
        atLeast("queue-capacity", queueCapacity, 1),
        positive("timeout", requestTimeout),
        notNegative("shutdown timeout", shutdownTimeout));
  }

  /**
   * The defaults of {@link CumoRuntimeOptions}: batches of up to 8, 20 ms wait, 256 queued requests,
   * a 5 min request timeout, failure isolation on, and 30 s to finish a running batch at shutdown.
   */
  public static BatcherConfig defaults(String name) {
    return new BatcherConfig(
        name, 8, Duration.ofMillis(20), 256, Duration.ofMinutes(5), true, Duration.ofSeconds(30));
  }

  /** A copy with another {@code maxBatchSize}. */
  public BatcherConfig withMaxBatchSize(int value) {
    return new BatcherConfig(
        name, value, maxBatchWait, queueCapacity, requestTimeout, isolateFailures, shutdownTimeout);
  }

  /** A copy with another {@code maxBatchWait}. */
  public BatcherConfig withMaxBatchWait(Duration value) {
    return new BatcherConfig(
        name, maxBatchSize, value, queueCapacity, requestTimeout, isolateFailures, shutdownTimeout);
  }

  /** A copy with another {@code queueCapacity}. */
  public BatcherConfig withQueueCapacity(int value) {
    return new BatcherConfig(
        name, maxBatchSize, maxBatchWait, value, requestTimeout, isolateFailures, shutdownTimeout);
  }

  /** A copy with another {@code requestTimeout}. */
  public BatcherConfig withRequestTimeout(Duration value) {
    return new BatcherConfig(
        name, maxBatchSize, maxBatchWait, queueCapacity, value, isolateFailures, shutdownTimeout);
  }

  /** A copy with another {@code isolateFailures}. */
  public BatcherConfig withIsolateFailures(boolean value) {
    return new BatcherConfig(
        name, maxBatchSize, maxBatchWait, queueCapacity, requestTimeout, value, shutdownTimeout);
  }

  /** A copy with another {@code shutdownTimeout}. */
  public BatcherConfig withShutdownTimeout(Duration value) {
    return new BatcherConfig(
        name, maxBatchSize, maxBatchWait, queueCapacity, requestTimeout, isolateFailures, value);
  }
}
