package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.BatchFunction;
import io.flinkcumo.runtime.core.BatcherListeners;
import io.flinkcumo.runtime.core.ItemResult;
import io.flinkcumo.runtime.core.MicroBatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MeterView;
import org.junit.jupiter.api.Test;

class CumoMetricsTest {

    @Test
    void twoSubtasksOnOneSharedBatcher() throws Exception {
        BatcherListeners listeners = new BatcherListeners();
        BatchFunction<Integer, Integer> failNegative = inputs -> inputs.stream()
                .map(i -> i < 0
                        ? ItemResult.<Integer>failure(new IllegalArgumentException("negative"))
                        : ItemResult.success(i))
                .toList();
        try (MicroBatcher<Integer, Integer> shared = new MicroBatcher<>(
                CumoRuntimeOptions.defaultBatcher("cpu").withMaxBatchSize(3).withMaxBatchWait(Duration.ofHours(1)),
                failNegative, listeners)) {
            RecordingMetricGroup groupA = new RecordingMetricGroup();
            RecordingMetricGroup groupB = new RecordingMetricGroup();
            CumoMetrics a = CumoMetrics.register(groupA, shared::queueDepth);
            CumoMetrics b = CumoMetrics.register(groupB, shared::queueDepth);
            AutoCloseable attachedA = listeners.attach(a);
            listeners.attach(b);

            CompletableFuture<Integer> a1 = a.track(shared.submit(1), System.nanoTime());
            CompletableFuture<Integer> a2 = a.track(shared.submit(-1), System.nanoTime());
            assertThat(groupA.<Gauge<Integer>>get("cumo.queueDepth").getValue()).isEqualTo(2);
            CompletableFuture<Integer> b1 = b.track(shared.submit(2), System.nanoTime());
            CompletableFuture.allOf(a1, b1).get(30, TimeUnit.SECONDS);
            assertThat(a2).isCompletedExceptionally();
            Eventually.await("the batch is reported",
                    () -> groupB.<Histogram>get("cumo.batchSize").getCount() == 1);

            assertThat(groupA.<Counter>get("cumo.requests").getCount()).isEqualTo(2);
            assertThat(groupA.<Counter>get("cumo.failures").getCount()).isEqualTo(1);
            assertThat(groupA.<Counter>get("cumo.timeouts").getCount()).isZero();
            assertThat(groupA.<Histogram>get("cumo.requestLatencyMs").getCount()).isEqualTo(1);
            assertThat(groupB.<Counter>get("cumo.requests").getCount()).isEqualTo(1);
            assertThat(groupB.<Counter>get("cumo.failures").getCount()).isZero();
            for (RecordingMetricGroup group : new RecordingMetricGroup[] {groupA, groupB}) {
                assertThat(group.<Histogram>get("cumo.batchSize").getStatistics().getValues())
                        .containsExactly(3);
                assertThat(group.<Histogram>get("cumo.batchLatencyMs").getCount()).isEqualTo(1);
                assertThat(group.<Gauge<Integer>>get("cumo.queueDepth").getValue()).isZero();
            }

            attachedA.close();
            assertThat(listeners.size()).isEqualTo(1);
        }
    }

    @Test
    void timeoutsAreCountedAsFailures() {
        RecordingMetricGroup group = new RecordingMetricGroup();
        CumoMetrics metrics = CumoMetrics.register(group, () -> 0);
        long now = System.nanoTime();
        metrics.track(CompletableFuture.failedFuture(new TimeoutException("late")), now);
        metrics.track(
                CompletableFuture.failedFuture(new CompletionException(new TimeoutException("late"))), now);
        metrics.track(CompletableFuture.failedFuture(new IllegalStateException("boom")), now);
        metrics.track(CompletableFuture.completedFuture("fine"), now);
        assertThat(group.<Counter>get("cumo.requests").getCount()).isEqualTo(4);
        assertThat(group.<Counter>get("cumo.failures").getCount()).isEqualTo(3);
        assertThat(group.<Counter>get("cumo.timeouts").getCount()).isEqualTo(2);
        assertThat(group.<Histogram>get("cumo.requestLatencyMs").getCount()).isEqualTo(1);
    }

    @Test
    void generatedTokensFeedAPerSecondMeter() {
        RecordingMetricGroup group = new RecordingMetricGroup();
        CumoMetrics metrics = CumoMetrics.register(group, () -> 0);
        metrics.recordGeneratedTokens(120);
        metrics.recordGeneratedTokens(60);
        Meter meter = group.get("cumo.generatedTokensPerSecond");
        assertThat(meter.getCount()).isEqualTo(180);
        ((MeterView) meter).update(); // Flink's view updater does this every few seconds
        assertThat(meter.getRate()).isPositive();
    }

    @Test
    void expertLoadGaugesShowEachExpertsShare() {
        RecordingMetricGroup group = new RecordingMetricGroup();
        CumoMetrics metrics = CumoMetrics.register(group, () -> 0);
        metrics.recordExpertLoad("vision", 3, new long[] {1, 3, 0, 4});
        assertThat(group.<Gauge<Double>>get("cumo.expert_load.vision.3.0").getValue()).isEqualTo(0.125);
        assertThat(group.<Gauge<Double>>get("cumo.expert_load.vision.3.3").getValue()).isEqualTo(0.5);

        metrics.recordExpertLoad("vision", 3, new long[] {0, 0, 2, 2});
        metrics.recordExpertLoad("llm", 0, new long[] {0, 0});
        assertThat(group.<Gauge<Double>>get("cumo.expert_load.vision.3.2").getValue()).isEqualTo(0.5);
        assertThat(group.<Gauge<Double>>get("cumo.expert_load.llm.0.1").getValue()).isZero();
        assertThat(group.all().keySet()).filteredOn(k -> k.startsWith("cumo.expert_load")).hasSize(6);

        assertThatThrownBy(() -> metrics.recordExpertLoad("vision", 3, new long[] {1, 2}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expert_load.vision.3 was registered with 4 experts, now reported with 2");
    }
}
