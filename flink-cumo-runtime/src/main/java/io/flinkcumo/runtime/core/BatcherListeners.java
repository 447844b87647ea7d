package io.flinkcumo.runtime.core;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link BatcherListener} that forwards to listeners attached and detached at any time, so that
 * every subtask sharing one {@link MicroBatcher} can observe it while it is open.
 */
public final class BatcherListeners implements BatcherListener {

    private final List<BatcherListener> listeners = new CopyOnWriteArrayList<>();

    /**
     * Attaches a listener until the returned handle is closed.
     *
     * @return closing it detaches the listener; idempotent
     */
    public AutoCloseable attach(BatcherListener listener) {
        BatcherListener guarded = new GuardedListener(Objects.requireNonNull(listener, "listener"));
        listeners.add(guarded);
        return () -> listeners.remove(guarded);
    }

    /** How many listeners are attached. */
    public int size() {
        return listeners.size();
    }

    @Override
    public void onRequestSubmitted() {
        listeners.forEach(BatcherListener::onRequestSubmitted);
    }

    @Override
    public void onRequestQueued(int queueDepth) {
        listeners.forEach(listener -> listener.onRequestQueued(queueDepth));
    }

    @Override
    public void onRequestCompleted(long latencyNanos) {
        listeners.forEach(listener -> listener.onRequestCompleted(latencyNanos));
    }

    @Override
    public void onRequestFailed(Throwable cause, long latencyNanos) {
        listeners.forEach(listener -> listener.onRequestFailed(cause, latencyNanos));
    }

    @Override
    public void onBatchFinished(int batchSize, int failedRequests, long latencyNanos) {
        listeners.forEach(listener -> listener.onBatchFinished(batchSize, failedRequests, latencyNanos));
    }
}
