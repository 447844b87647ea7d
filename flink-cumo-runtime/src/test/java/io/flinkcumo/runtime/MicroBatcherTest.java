package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.BatchFunction;
import io.flinkcumo.runtime.core.BatcherConfig;
import io.flinkcumo.runtime.core.BatcherListener;
import io.flinkcumo.runtime.core.ItemResult;
import io.flinkcumo.runtime.core.MicroBatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MicroBatcherTest {

    private static final Duration FOREVER = Duration.ofHours(1);

    private final RecordingListener listener = new RecordingListener();
    private final List<MicroBatcher<?, ?>> batchers = new ArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() throws InterruptedException {
        batchers.forEach(MicroBatcher::close);
        batchers.forEach(b -> assertThat(b.isDispatcherAlive()).isFalse());
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void concurrentSubmittersFormBatchesUpToTheMaximum() throws Exception {
        Gate gate = new Gate();
        MicroBatcher<Integer, Integer> batcher =
                start(config().withMaxBatchSize(8).withQueueCapacity(64), gate.doubling());
        CompletableFuture<Integer> first = batcher.submit(-1);
        gate.awaitBlocked(); // the GPU is busy with the first batch; the others queue up

        List<Future<List<CompletableFuture<Integer>>>> producers = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            int base = p * 10;
            producers.add(
                    pool.submit(
                            () -> {
                                List<CompletableFuture<Integer>> futures = new ArrayList<>();
                                for (int i = 0; i < 10; i++) {
                                    futures.add(batcher.submit(base + i));
                                }
                                return futures;
                            }));
        }
        Eventually.await("40 requests queued", () -> batcher.queueDepth() == 40);
        gate.open();

        assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(-2);
        for (int p = 0; p < 4; p++) {
            List<CompletableFuture<Integer>> futures = producers.get(p).get(30, TimeUnit.SECONDS);
            for (int i = 0; i < 10; i++) {
                assertThat(futures.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(2 * (p * 10 + i));
            }
        }
        awaitBatches(6);
        assertThat(listener.batchSizes).allSatisfy(size -> assertThat(size).isBetween(1, 8));
        assertThat(listener.batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(41);
        assertThat(listener.batchSizes.subList(1, listener.batchSizes.size())).containsOnly(8);
        assertThat(listener.completed).hasValue(41);
        assertThat(listener.failures).isEmpty();
    }

    @Test
    void aFullBatchRunsWithoutWaitingForTheBatchWindow() throws Exception {
        MicroBatcher<Integer, Integer> batcher =
                start(config().withMaxBatchSize(4).withMaxBatchWait(FOREVER), doubling());
        List<CompletableFuture<Integer>> full = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            full.add(batcher.submit(i));
        }
        for (int i = 0; i < 4; i++) {
            assertThat(full.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(2 * i);
        }
        awaitBatches(1);
        assertThat(listener.batchSizes).containsExactly(4);

        CompletableFuture<Integer> loner = batcher.submit(9);
        assertThat(batcher.queueDepth()).isEqualTo(1); // waits for company within the hour-long window
        batcher.close();
        assertFailsWith(loner, IllegalStateException.class, "model service closed");
    }

    @Test
    void aLoneRequestRunsOnceTheBatchWindowHasPassed() throws Exception {
        MicroBatcher<Integer, Integer> batcher =
                start(config().withMaxBatchSize(8).withMaxBatchWait(Duration.ofMillis(30)), doubling());
        assertThat(batcher.submit(21).get(30, TimeUnit.SECONDS)).isEqualTo(42);
        awaitBatches(1);
        assertThat(listener.batchSizes).containsExactly(1);
    }

    @Test
    void submitBlocksWhileTheQueueIsFullAndTheQueueNeverOverflows() throws Exception {
        Gate gate = new Gate();
        MicroBatcher<Integer, Integer> batcher =
                start(config().withMaxBatchSize(2).withQueueCapacity(4).withMaxBatchWait(Duration.ZERO),
                        gate.doubling());
        int total = 200;
        AtomicInteger submitted = new AtomicInteger();
        Thread[] producer = new Thread[1];
        Future<List<CompletableFuture<Integer>>> produced =
                pool.submit(
                        () -> {
                            producer[0] = Thread.currentThread();
                            List<CompletableFuture<Integer>> futures = new ArrayList<>();
                            for (int i = 0; i < total; i++) {
                                futures.add(batcher.submit(i));
                                submitted.incrementAndGet();
                            }
                            return futures;
                        });
        gate.awaitBlocked();
        Eventually.await("the queue is full", () -> batcher.queueDepth() == 4);
        Eventually.await("the producer started", () -> producer[0] != null);
        Eventually.awaitWaiting(producer[0]); // blocked in submit: back-pressure, not buffering
        assertThat(submitted.get()).isLessThanOrEqualTo(1 + 4 + 1);

        gate.open();
        List<CompletableFuture<Integer>> futures = produced.get(30, TimeUnit.SECONDS);
        for (int i = 0; i < total; i++) {
            assertThat(futures.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(2 * i);
        }
        awaitBatches(1);
        assertThat(listener.maxQueueDepth.get()).isEqualTo(4);
        assertThat(listener.batchSizes).allSatisfy(size -> assertThat(size).isBetween(1, 2));
    }

    @Test
    void trySubmitFailsFastWhenTheQueueIsFull() throws Exception {
        Gate gate = new Gate();
        MicroBatcher<Integer, Integer> batcher =
                start(config().withMaxBatchSize(1).withQueueCapacity(2), gate.doubling());
        CompletableFuture<Integer> running = batcher.trySubmit(0);
        gate.awaitBlocked();
        CompletableFuture<Integer> queued1 = batcher.trySubmit(1);
        CompletableFuture<Integer> queued2 = batcher.trySubmit(2);
        CompletableFuture<Integer> rejected = batcher.trySubmit(3);

        assertFailsWith(rejected, RejectedExecutionException.class, "queue-capacity=2");
        gate.open();
        assertThat(List.of(running.get(30, TimeUnit.SECONDS), queued1.get(30, TimeUnit.SECONDS),
                        queued2.get(30, TimeUnit.SECONDS)))
                .containsExactly(0, 2, 4);
        assertThat(listener.failures).hasSize(1);
    }

    @Test
    void requestsTimeOutWhetherRunningOrQueued() throws Exception {
        Gate gate = new Gate();
        MicroBatcher<Integer, Integer> batcher =
                start(config().withMaxBatchSize(1).withRequestTimeout(Duration.ofMillis(200)),
                        gate.doubling());
        CompletableFuture<Integer> running = batcher.submit(1);
        gate.awaitBlocked();
        CompletableFuture<Integer> queued = batcher.submit(2);

        assertFailsWith(running, TimeoutException.class, "timed out after 200 ms (option 'timeout') while running");
        assertFailsWith(queued, TimeoutException.class, "timed out after 200 ms (option 'timeout') while still queued");
        assertThat(batcher.queueDepth()).isZero();

        gate.open();
        assertThat(batcher.submit(3).get(30, TimeUnit.SECONDS)).isEqualTo(6);
        assertThat(gate.inputs).as("a request that timed out in the queue never runs")
                .containsExactly(List.of(1), List.of(3));
    }

    @Test
    void aSubmitBlockedOnAFullQueueStillTimesOut() throws Exception {
        Gate gate = new Gate();
        MicroBatcher<Integer, Integer> batcher =
                start(config().withMaxBatchSize(1).withQueueCapacity(1)
                                .withRequestTimeout(Duration.ofMillis(200)),
                        gate.doubling());
        batcher.submit(1);
        gate.awaitBlocked();
        batcher.submit(2);
        // Blocks until request 2 times out and frees its slot, or until its own deadline passes.
        CompletableFuture<Integer> blocked = batcher.submit(3);
        assertFailsWith(blocked, TimeoutException.class, "timed out after 200 ms");
        gate.open();
    }

    @Test
    void closeFailsQueuedRequestsLetsTheRunningBatchFinishAndStopsTheThread() throws Exception {
        Gate gate = new Gate();
        MicroBatcher<Integer, Integer> batcher = start(config().withMaxBatchSize(1), gate.doubling());
        CompletableFuture<Integer> running = batcher.submit(1);
        gate.awaitBlocked();
        CompletableFuture<Integer> queued = batcher.submit(2);

        Future<?> closing = pool.submit(batcher::close);
        assertFailsWith(queued, IllegalStateException.class, "model service closed (test): the request was still queued");
        assertThat(closing).isNotDone();
        gate.open();
        closing.get(30, TimeUnit.SECONDS);

        assertThat(running.get(30, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(batcher.isDispatcherAlive()).isFalse();
        assertFailsWith(batcher.submit(3), IllegalStateException.class, "no longer accepts requests");
        assertFailsWith(batcher.trySubmit(4), IllegalStateException.class, "model service closed");
        batcher.close(); // idempotent
    }

    @Test
    void closeInterruptsABatchThatOutlivesTheShutdownTimeout() throws Exception {
        Gate gate = new Gate();
        MicroBatcher<Integer, Integer> batcher =
                start(config().withMaxBatchSize(1).withShutdownTimeout(Duration.ofMillis(50)),
                        gate.doubling());
        CompletableFuture<Integer> hung = batcher.submit(1);
        gate.awaitBlocked();

        batcher.close();

        assertFailsWith(hung, IllegalStateException.class, "model service closed (test)");
        Eventually.await("the dispatcher ends", () -> !batcher.isDispatcherAlive());
    }

    @Test
    void drainAndCloseRunsQueuedRequestsFirst() throws Exception {
        Gate gate = new Gate();
        MicroBatcher<Integer, Integer> batcher = start(config().withMaxBatchSize(2), gate.doubling());
        CompletableFuture<Integer> running = batcher.submit(1);
        gate.awaitBlocked();
        List<CompletableFuture<Integer>> queued = List.of(batcher.submit(2), batcher.submit(3),
                batcher.submit(4));

        Future<?> draining = pool.submit(() -> {
            batcher.drainAndClose(Duration.ofSeconds(30));
            return null;
        });
        Eventually.await("new requests are refused", () -> batcher.trySubmit(5).isCompletedExceptionally());
        gate.open();
        draining.get(30, TimeUnit.SECONDS);

        assertThat(running.get()).isEqualTo(2);
        assertThat(queued).extracting(CompletableFuture::join).containsExactly(4, 6, 8);
        assertThat(batcher.isDispatcherAlive()).isFalse();
    }

    @Test
    void aPerItemFailureFailsOnlyThatItem() throws Exception {
        MicroBatcher<Integer, Integer> batcher =
                start(config().withMaxBatchSize(4).withMaxBatchWait(FOREVER),
                        inputs -> inputs.stream()
                                .map(i -> i == 2
                                        ? ItemResult.<Integer>failure(new IllegalArgumentException("bad image 2"))
                                        : ItemResult.success(i * 2))
                                .toList());
        List<CompletableFuture<Integer>> futures = submitAll(batcher, 0, 1, 2, 3);

        assertThat(futures.get(0).get(30, TimeUnit.SECONDS)).isZero();
        assertThat(futures.get(1).get(30, TimeUnit.SECONDS)).isEqualTo(2);
        assertFailsWith(futures.get(2), IllegalArgumentException.class, "bad image 2");
        assertThat(futures.get(3).get(30, TimeUnit.SECONDS)).isEqualTo(6);
        awaitBatches(1);
        assertThat(listener.batchSizes).containsExactly(4);
    }

    @Test
    void aThrowingBatchIsBisectedSoThePoisonedItemFailsAlone() throws Exception {
        List<List<Integer>> calls = new CopyOnWriteArrayList<>();
        MicroBatcher<Integer, Integer> batcher =
                start(config().withMaxBatchSize(8).withMaxBatchWait(FOREVER),
                        poisonedBy(5, calls));
        List<CompletableFuture<Integer>> futures = submitAll(batcher, 0, 1, 2, 3, 4, 5, 6, 7);

        for (int i = 0; i < 8; i++) {
            if (i == 5) {
                assertFailsWith(futures.get(i), IllegalStateException.class, "poisoned input 5");
            } else {
                assertThat(futures.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(2 * i);
            }
        }
        assertThat(calls.get(0)).hasSize(8);
        assertThat(calls).contains(List.of(5)).hasSizeLessThanOrEqualTo(1 + 2 + 2 + 2);
        awaitBatches(1);
        assertThat(listener.batchSizes).containsExactly(8);
    }

    @Test
    void withoutIsolationAThrowingBatchFailsEveryItemWithTheCause() throws Exception {
        List<List<Integer>> calls = new CopyOnWriteArrayList<>();
        MicroBatcher<Integer, Integer> batcher =
                start(config().withMaxBatchSize(3).withMaxBatchWait(FOREVER).withIsolateFailures(false),
                        poisonedBy(1, calls));
        for (CompletableFuture<Integer> future : submitAll(batcher, 0, 1, 2)) {
            assertFailsWith(future, IllegalStateException.class, "poisoned input 1");
        }
        assertThat(calls).hasSize(1);
    }

    @Test
    void aWrongNumberOfResultsFailsTheBatchClearly() throws Exception {
        MicroBatcher<Integer, Integer> batcher =
                start(config().withMaxBatchSize(2).withMaxBatchWait(FOREVER),
                        BatchFunction.ofValues(inputs -> List.of(1)));
        for (CompletableFuture<Integer> future : submitAll(batcher, 0, 1)) {
            assertFailsWith(future, IllegalStateException.class, "returned 1 results for 2 inputs");
        }
    }

    @Test
    void aThrowingListenerDoesNotBreakTheBatcher() throws Exception {
        BatcherListener hostile = new BatcherListener() {
            @Override
            public void onBatchFinished(int batchSize, int failedRequests, long latencyNanos) {
                throw new IllegalStateException("listener bug");
            }
        };
        MicroBatcher<Integer, Integer> batcher =
                track(new MicroBatcher<>(config(), doubling(), hostile));
        assertThat(batcher.submit(1).get(30, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(batcher.submit(2).get(30, TimeUnit.SECONDS)).isEqualTo(4);
    }

    @Test
    void theDispatcherIsANamedDaemon() throws Exception {
        Gate gate = new Gate();
        MicroBatcher<Integer, Integer> batcher =
                track(new MicroBatcher<>(CumoRuntimeOptions.defaultBatcher("cuda:1"), gate.doubling(), listener));
        batcher.submit(1);
        Thread dispatcher = gate.awaitBlocked();
        assertThat(dispatcher.getName()).isEqualTo("cumo-dispatcher-cuda:1");
        assertThat(dispatcher.isDaemon()).isTrue();
        gate.open();
    }

    @Test
    void configProblemsNameTheOption() {
        assertThatThrownBy(() -> config().withMaxBatchSize(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("max-batch-size must be >= 1, got 0");
        assertThatThrownBy(() -> config().withQueueCapacity(-3))
                .hasMessage("queue-capacity must be >= 1, got -3");
        assertThatThrownBy(() -> config().withMaxBatchWait(Duration.ofMillis(-5)))
                .hasMessage("max-batch-wait must not be negative, got -5 ms");
        assertThatThrownBy(() -> config().withRequestTimeout(Duration.ZERO))
                .hasMessage("timeout must be > 0, got 0 ms");
    }

    // ---------------------------------------------------------------------------------------------

    private static BatcherConfig config() {
        return CumoRuntimeOptions.defaultBatcher("test").withMaxBatchWait(Duration.ofMillis(5));
    }

    /** Batch statistics are reported after the batch's futures complete: wait for them. */
    private void awaitBatches(int count) {
        Eventually.await(count + " batches reported", () -> listener.batchSizes.size() >= count);
    }

    private <I, O> MicroBatcher<I, O> start(BatcherConfig config, BatchFunction<I, O> function) {
        return track(new MicroBatcher<>(config, function, listener));
    }

    private <I, O> MicroBatcher<I, O> track(MicroBatcher<I, O> batcher) {
        batchers.add(batcher);
        return batcher;
    }

    private static BatchFunction<Integer, Integer> doubling() {
        return BatchFunction.ofValues(inputs -> inputs.stream().map(i -> i * 2).toList());
    }

    /** Doubles its inputs, but throws for any batch that contains {@code poison}. */
    private static BatchFunction<Integer, Integer> poisonedBy(int poison, List<List<Integer>> calls) {
        return BatchFunction.ofValues(inputs -> {
            calls.add(inputs);
            if (inputs.contains(poison)) {
                throw new IllegalStateException("poisoned input " + poison);
            }
            return inputs.stream().map(i -> i * 2).toList();
        });
    }

    @SafeVarargs
    private static <I> List<CompletableFuture<Integer>> submitAll(
            MicroBatcher<I, Integer> batcher, I... inputs) throws InterruptedException {
        List<CompletableFuture<Integer>> futures = new ArrayList<>();
        for (I input : inputs) {
            futures.add(batcher.submit(input));
        }
        return futures;
    }

    private static void assertFailsWith(
            CompletableFuture<?> future, Class<? extends Throwable> type, String message) {
        ThrowableAssert.ThrowingCallable get = () -> future.get(30, TimeUnit.SECONDS);
        assertThatThrownBy(get)
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(type)
                .hasMessageContaining(message);
    }

    /**
     * A batch function that doubles its inputs and whose first call blocks until {@link #open()}, so
     * tests can hold the dispatcher busy while requests pile up.
     */
    private static final class Gate {
        final List<List<Integer>> inputs = new CopyOnWriteArrayList<>();
        private final CountDownLatch open = new CountDownLatch(1);
        private final CompletableFuture<Thread> blocked = new CompletableFuture<>();

        BatchFunction<Integer, Integer> doubling() {
            return BatchFunction.ofValues(batch -> {
                inputs.add(batch);
                blocked.complete(Thread.currentThread());
                try {
                    open.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
                return batch.stream().map(i -> i * 2).toList();
            });
        }

        Thread awaitBlocked() throws Exception {
            Thread thread = blocked.get(30, TimeUnit.SECONDS);
            Eventually.awaitWaiting(thread);
            return thread;
        }

        void open() {
            open.countDown();
        }
    }
}
