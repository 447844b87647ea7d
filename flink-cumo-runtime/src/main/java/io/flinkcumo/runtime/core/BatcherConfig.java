package io.flinkcumo.runtime.core;

import static io.flinkcumo.runtime.core.Requirements.atLeast;
import static io.flinkcumo.runtime.core.Requirements.notNegative;
import static io.flinkcumo.runtime.core.Requirements.positive;
import static io.flinkcumo.runtime.core.Requirements.require;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one {@link MicroBatcher}. Problems are reported with the names of the matching
 * {@link io.flinkcumo.runtime.CumoRuntimeOptions}, which also hold the defaults ({@link io.flinkcumo.runtime.CumoRuntimeOptions#batcherConfig}).
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
    Duration shutdownTimeout) implements Serializable {

  /** How long {@link MicroBatcher#close()} waits for a running batch, unless set otherwise. */
  public static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

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
   * Settings as the options give them: failure isolation on, and {@link #SHUTDOWN_TIMEOUT} to finish
   * a running batch at shutdown.
   */
  public BatcherConfig(
      String name, int maxBatchSize, Duration maxBatchWait, int queueCapacity, Duration requestTimeout) {
    this(name, maxBatchSize, maxBatchWait, queueCapacity, requestTimeout, true, SHUTDOWN_TIMEOUT);
  }

  /** A copy with another {@code name}, e.g. the device a subtask resolved. */
  public BatcherConfig withName(String value) {
    return new BatcherConfig(
        value, maxBatchSize, maxBatchWait, queueCapacity, requestTimeout, isolateFailures, shutdownTimeout);
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
