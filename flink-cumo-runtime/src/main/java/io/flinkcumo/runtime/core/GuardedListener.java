package io.flinkcumo.runtime.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Forwards to a {@link BatcherListener}, logging instead of propagating its exceptions. */
final class GuardedListener implements BatcherListener {

    private static final Logger LOG = LoggerFactory.getLogger(GuardedListener.class);

    private final BatcherListener delegate;

    GuardedListener(BatcherListener delegate) {
        this.delegate = delegate;
    }

    @Override
    public void onRequestSubmitted() {
        guard(delegate::onRequestSubmitted);
    }

    @Override
    public void onRequestQueued(int queueDepth) {
        guard(() -> delegate.onRequestQueued(queueDepth));
    }

    @Override
    public void onRequestCompleted(long latencyNanos) {
        guard(() -> delegate.onRequestCompleted(latencyNanos));
    }

    @Override
    public void onRequestFailed(Throwable cause, long latencyNanos) {
        guard(() -> delegate.onRequestFailed(cause, latencyNanos));
    }

    @Override
    public void onBatchFinished(int batchSize, int failedRequests, long latencyNanos) {
        guard(() -> delegate.onBatchFinished(batchSize, failedRequests, latencyNanos));
    }

    private static void guard(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("batcher listener failed; ignoring", e);
        }
    }
}
