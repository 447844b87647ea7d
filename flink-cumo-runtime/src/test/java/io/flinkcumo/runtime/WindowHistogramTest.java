package io.flinkcumo.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.metrics.HistogramStatistics;
import org.junit.jupiter.api.Test;

class WindowHistogramTest {

    @Test
    void statisticsOfAFullWindow() {
        WindowHistogram histogram = new WindowHistogram(100);
        for (long v = 100; v >= 1; v--) {
            histogram.update(v);
        }
        HistogramStatistics stats = histogram.getStatistics();
        assertThat(histogram.getCount()).isEqualTo(100);
        assertThat(stats.size()).isEqualTo(100);
        assertThat(stats.getMin()).isEqualTo(1);
        assertThat(stats.getMax()).isEqualTo(100);
        assertThat(stats.getMean()).isEqualTo(50.5);
        assertThat(stats.getQuantile(0.5)).isEqualTo(50.5);
        assertThat(stats.getQuantile(0.99)).isCloseTo(99.01, within(1e-9));
        assertThat(stats.getQuantile(0)).isEqualTo(1);
        assertThat(stats.getQuantile(1)).isEqualTo(100);
        assertThat(stats.getStdDev()).isCloseTo(29.011, within(1e-3));
    }

    @Test
    void onlyTheMostRecentValuesCount() {
        WindowHistogram histogram = new WindowHistogram(4);
        for (long v = 1; v <= 10; v++) {
            histogram.update(v);
        }
        assertThat(histogram.getCount()).isEqualTo(10);
        assertThat(histogram.getStatistics().getValues()).containsExactly(7, 8, 9, 10);
    }

    @Test
    void anEmptyWindowReportsZeros() {
        HistogramStatistics stats = new WindowHistogram(8).getStatistics();
        assertThat(stats.size()).isZero();
        assertThat(stats.getMean()).isZero();
        assertThat(stats.getQuantile(0.95)).isZero();
        assertThat(stats.getMax()).isZero();
        assertThat(stats.getStdDev()).isZero();
    }

    @Test
    void concurrentUpdatesAreAllCounted() throws InterruptedException {
        WindowHistogram histogram = new WindowHistogram(16);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    histogram.update(i);
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(histogram.getCount()).isEqualTo(40_000);
        assertThat(histogram.getStatistics().size()).isEqualTo(16);
    }

    @Test
    void invalidArgumentsAreRejected() {
        assertThatThrownBy(() -> new WindowHistogram(0))
                .hasMessage("histogram window size must be >= 1, got 0");
        assertThatThrownBy(() -> new WindowHistogram(2).getStatistics().getQuantile(1.5))
                .hasMessage("quantile must be in [0, 1], got 1.5");
    }
}
