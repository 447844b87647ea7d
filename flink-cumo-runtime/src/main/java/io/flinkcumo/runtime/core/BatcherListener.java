package io.flinkcumo.runtime.core;

/**
 * Observes a {@link MicroBatcher}, for metrics. Methods are called on the submitting thread, the
 * dispatcher thread or the timeout thread; they must be fast and thread-safe. An exception thrown
 * by a listener is logged and otherwise ignored.
 */
public interface BatcherListener {

    /** A listener that ignores everything. */
    BatcherListener NONE = new BatcherListener() {};

    /** A request was submitted (whether it is then queued or rejected). */
    default void onRequestSubmitted() {}

    /**
     * A request entered the queue.
     *
     * @param queueDepth requests waiting in the queue right after it was added
     */
    default void onRequestQueued(int queueDepth) {}

    /**
     * A request completed successfully.
     *
     * @param latencyNanos from submission to completion
     */
    default void onRequestCompleted(long latencyNanos) {}

    /**
     * A request failed: rejected, timed out, failed by the batch function, or closed.
     *
     * @param cause the error its future completed with
     * @param latencyNanos from submission to failure
     */
    default void onRequestFailed(Throwable cause, long latencyNanos) {}

    /**
     * A batch finished, including any re-runs used to isolate failures.
     *
     * @param batchSize requests taken from the queue for this batch
     * @param failedRequests how many of them ended exceptionally (including timeouts)
     * @param latencyNanos time spent running the batch
     */
    default void onBatchFinished(int batchSize, int failedRequests, long latencyNanos) {}
}
