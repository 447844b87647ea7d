package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.BatcherConfig;
import io.flinkcumo.runtime.core.BatcherListener;
import io.flinkcumo.runtime.core.ItemResult;
import io.flinkcumo.runtime.core.MicroBatcher;
import io.flinkcumo.runtime.core.StepFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link MicroBatcher} with a {@link StepFunction}: requests join between steps, leave as soon as
 * they are done, never more than max-batch-size run, and timeouts, failure isolation and
 * shutdown keep their guarantees.
 */
class IterationSchedulingTest {

    private final List<MicroBatcher<?, ?>> batchers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        batchers.forEach(MicroBatcher::close);
        batchers.forEach(b -> assertThat(b.isDispatcherAlive()).isFalse());
    }

    /**
     * Input n: a request that needs n steps and answers 10·n. Negative inputs fail their admission;
     * input 99 makes the next step throw. Steps wait for permits when {@code gated}.
     */
    static final class Counting implements StepFunction<Integer, Integer> {
        final Map<Long, int[]> running = java.util.Collections.synchronizedMap(new LinkedHashMap<>()); // id → {input, steps left}
        final List<String> log = new CopyOnWriteArrayList<>();
        final List<Integer> stepSizes = new CopyOnWriteArrayList<>();
        final List<Long> cancelled = new CopyOnWriteArrayList<>();
        final Semaphore permits = new Semaphore(0);
        final boolean gated;
        int budget = Integer.MAX_VALUE; // most summed steps-left that may run at once
        volatile int resets;

        Counting(boolean gated) {
            this.gated = gated;
        }

        @Override
        public boolean canAdmit(List<Integer> admitting, Integer next) {
            int sum = running.values().stream().mapToInt(r -> r[1]).sum() + admitting.stream().mapToInt(Math::abs).sum();
            return sum + Math.abs(next) <= budget;
        }

        @Override
        public Map<Long, ItemResult<Integer>> admit(List<Long> ids, List<Integer> inputs) {
            if (inputs.stream().anyMatch(i -> i < 0)) {
                throw new IllegalArgumentException("poisoned input among " + inputs);
            }
            log.add("admit " + inputs);
            Map<Long, ItemResult<Integer>> done = new LinkedHashMap<>();
            for (int i = 0; i < ids.size(); i++) {
                if (inputs.get(i) == 0) {
                    done.put(ids.get(i), ItemResult.success(0)); // done in its first iteration
                } else {
                    running.put(ids.get(i), new int[] {inputs.get(i), inputs.get(i)});
                }
            }
            return done;
        }

        @Override
        public Map<Long, ItemResult<Integer>> step() throws InterruptedException {
            if (gated) {
                permits.acquire();
            }
            stepSizes.add(running.size());
            if (running.values().stream().anyMatch(r -> r[0] == 99)) {
                throw new IllegalStateException("the device failed");
            }
            Map<Long, ItemResult<Integer>> done = new LinkedHashMap<>();
            for (var it = running.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (--e.getValue()[1] == 0) {
                    it.remove();
                    done.put(e.getKey(), ItemResult.success(10 * e.getValue()[0]));
                    log.add("done " + e.getValue()[0]);
                }
            }
            log.add("step " + stepSizes.get(stepSizes.size() - 1));
            return done;
        }

        @Override
        public void cancel(long id) {
            running.remove(id);
            cancelled.add(id);
        }

        @Override
        public int running() {
            return running.size();
        }

        @Override
        public void reset() {
            running.clear();
            resets++;
        }
    }

    private MicroBatcher<Integer, Integer> start(BatcherConfig config, Counting steps) {
        MicroBatcher<Integer, Integer> batcher = new MicroBatcher<>(config, steps, BatcherListener.NONE);
        batchers.add(batcher);
        return batcher;
    }

    private static BatcherConfig config() {
        return CumoRuntimeOptions.defaultBatcher("test").withMaxBatchWait(Duration.ZERO);
    }

    @Test
    void aRequestJoinsBetweenStepsAndAShortOneLeavesFirst() throws Exception {
        Counting steps = new Counting(true);
        MicroBatcher<Integer, Integer> batcher = start(config(), steps);
        CompletableFuture<Integer> longOne = batcher.submit(5);
        Eventually.await("the long request runs", () -> steps.running() == 1 && steps.permits.hasQueuedThreads());
        steps.permits.release(2); // two steps of the long request alone
        Eventually.await("two steps", () -> steps.stepSizes.size() == 2 && steps.permits.hasQueuedThreads());
        CompletableFuture<Integer> shortOne = batcher.submit(1); // arrives while step 3 is under way
        steps.permits.release(2); // step 3 (the long one alone), then step 4 with the short one joined
        assertThat(shortOne.get(10, TimeUnit.SECONDS)).isEqualTo(10);
        assertThat(longOne).isNotDone(); // the short one did not wait for the long one's decode
        steps.permits.release(10);
        assertThat(longOne.get(10, TimeUnit.SECONDS)).isEqualTo(50);
        assertThat(steps.log).containsSubsequence(
                "admit [5]", "step 1", "step 1", "step 1", "admit [1]", "done 1", "step 2", "done 5", "step 1");
        assertThat(steps.stepSizes).containsExactly(1, 1, 1, 2, 1);
    }

    @Test
    void theRunningSetStaysWithinMaxBatchSizeAndAFreedPlaceIsTakenAtOnce() throws Exception {
        Counting steps = new Counting(true);
        MicroBatcher<Integer, Integer> batcher = start(config().withMaxBatchSize(2).withMaxBatchWait(Duration.ofMillis(300)), steps);
        CompletableFuture<Integer> a = batcher.submit(1);
        CompletableFuture<Integer> b = batcher.submit(3);
        Eventually.await("a and b run", () -> steps.running() == 2 && steps.permits.hasQueuedThreads());
        CompletableFuture<Integer> c = batcher.submit(2);
        CompletableFuture<Integer> d = batcher.submit(0);
        steps.permits.release(20);
        assertThat(List.of(a.get(10, TimeUnit.SECONDS), b.get(10, TimeUnit.SECONDS), c.get(10, TimeUnit.SECONDS),
                d.get(10, TimeUnit.SECONDS))).containsExactly(10, 30, 20, 0);
        assertThat(steps.stepSizes).allSatisfy(size -> assertThat(size).isBetween(1, 2));
        // a finishes after the first step; c takes its place while b is still running
        int cJoined = steps.log.indexOf("admit [2]");
        assertThat(cJoined).isGreaterThan(steps.log.indexOf("done 1")).isLessThan(steps.log.indexOf("done 3"));
    }

    @Test
    void aBudgetKeepsRequestsQueuedUntilRunningOnesLeave() throws Exception {
        Counting steps = new Counting(false);
        steps.budget = 4;
        MicroBatcher<Integer, Integer> batcher = start(config().withMaxBatchWait(Duration.ofMillis(50)), steps);
        List<CompletableFuture<Integer>> all = new ArrayList<>();
        for (int n : new int[] {3, 3, 1}) {
            all.add(batcher.submit(n));
        }
        for (CompletableFuture<Integer> f : all) {
            f.get(10, TimeUnit.SECONDS);
        }
        // 3 + 3 exceeds the budget of 4: the second waits in the queue (and the 1 behind it, in order)
        assertThat(steps.log.get(0)).isEqualTo("admit [3]");
        assertThat(steps.log.lastIndexOf("admit [3]")).isGreaterThan(steps.log.indexOf("step 1"));
        assertThat(steps.stepSizes).allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(2));
    }

    @Test
    void aPoisonedRequestFailsAloneAtAdmission() throws Exception {
        Counting steps = new Counting(false);
        MicroBatcher<Integer, Integer> batcher = start(config().withMaxBatchWait(Duration.ofMillis(200)), steps);
        CompletableFuture<Integer> a = batcher.submit(2);
        CompletableFuture<Integer> bad = batcher.submit(-1);
        CompletableFuture<Integer> c = batcher.submit(1);
        assertThat(a.get(10, TimeUnit.SECONDS)).isEqualTo(20);
        assertThat(c.get(10, TimeUnit.SECONDS)).isEqualTo(10);
        assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasRootCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("poisoned input among [-1]");
    }

    @Test
    void aFailingStepFailsTheRunningRequestsAndTheServiceGoesOn() throws Exception {
        Counting steps = new Counting(false);
        MicroBatcher<Integer, Integer> batcher = start(config().withMaxBatchWait(Duration.ofMillis(100)), steps);
        CompletableFuture<Integer> poisoned = batcher.submit(99);
        CompletableFuture<Integer> neighbour = batcher.submit(3);
        assertThatThrownBy(() -> poisoned.get(10, TimeUnit.SECONDS)).hasMessageContaining("the device failed");
        assertThatThrownBy(() -> neighbour.get(10, TimeUnit.SECONDS)).hasMessageContaining("the device failed");
        assertThat(steps.resets).isEqualTo(1);
        assertThat(batcher.submit(2).get(10, TimeUnit.SECONDS)).isEqualTo(20);
    }

    @Test
    void aRunningRequestThatTimesOutLeavesTheRunningSet() throws Exception {
        Counting steps = new Counting(true);
        MicroBatcher<Integer, Integer> batcher =
                start(config().withRequestTimeout(Duration.ofMillis(300)), steps);
        CompletableFuture<Integer> slow = batcher.submit(1000);
        assertThatThrownBy(() -> slow.get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(TimeoutException.class)
                .hasMessageContaining("while running");
        steps.permits.release(1); // the step in progress ends; the abandoned request leaves before the next
        Eventually.await("cancelled", () -> steps.cancelled.size() == 1);
        assertThat(steps.running()).isZero();
        CompletableFuture<Integer> next = batcher.submit(1);
        steps.permits.release(1);
        assertThat(next.get(10, TimeUnit.SECONDS)).isEqualTo(10);
    }

    @Test
    void closeLetsTheRunningRequestsFinishAndFailsTheQueuedOnes() throws Exception {
        Counting steps = new Counting(true);
        MicroBatcher<Integer, Integer> batcher = start(config().withMaxBatchSize(1), steps);
        CompletableFuture<Integer> running = batcher.submit(2);
        Eventually.await("running", () -> steps.running() == 1);
        CompletableFuture<Integer> queued = batcher.submit(1);
        // close() fails the queue at once, then waits for the running request, whose steps are let go only
        // after that: released earlier, the queued request could be admitted and finish before close() starts
        CompletableFuture<Void> closing = CompletableFuture.runAsync(batcher::close);
        assertThatThrownBy(() -> queued.get(10, TimeUnit.SECONDS)).hasMessageContaining("model service closed");
        steps.permits.release(5);
        closing.get(10, TimeUnit.SECONDS);
        assertThat(running.get(10, TimeUnit.SECONDS)).isEqualTo(20);
        assertThat(steps.resets).isEqualTo(1);
    }
}
