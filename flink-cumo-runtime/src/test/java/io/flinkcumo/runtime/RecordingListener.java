package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.BatcherListener;
import io.flinkcumo.runtime.core.MicroBatcher;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Records what a {@link MicroBatcher} reports. */
final class RecordingListener implements BatcherListener {
    final AtomicInteger submitted = new AtomicInteger();
    final AtomicInteger completed = new AtomicInteger();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    final AtomicInteger maxQueueDepth = new AtomicInteger();

    @Override
    public void onRequestSubmitted() {
        submitted.incrementAndGet();
    }

    @Override
    public void onRequestQueued(int queueDepth) {
        maxQueueDepth.accumulateAndGet(queueDepth, Math::max);
    }

    @Override
    public void onRequestCompleted(long latencyNanos) {
        completed.incrementAndGet();
    }

    @Override
    public void onRequestFailed(Throwable cause, long latencyNanos) {
        failures.add(cause);
    }

    @Override
    public void onBatchFinished(int batchSize, int failedRequests, long latencyNanos) {
        batchSizes.add(batchSize);
    }
}
