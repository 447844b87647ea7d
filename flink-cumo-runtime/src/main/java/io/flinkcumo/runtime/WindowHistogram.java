package io.flinkcumo.runtime;

import java.util.Arrays;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;

/**
 * A thread-safe {@link Histogram} over the most recent {@code windowSize} values, kept in a ring
 * buffer. Flink's own {@code DescriptiveStatisticsHistogram} lives in flink-runtime, which this
 * module does not compile against.
 *
 * <p>Statistics of an empty window are 0. Quantiles interpolate linearly between the closest ranks.
 */
public final class WindowHistogram implements Histogram {

    private final long[] window;
    private long count; // guarded by this

    /**
     * @param windowSize how many recent values the statistics cover
     */
    public WindowHistogram(int windowSize) {
        if (windowSize < 1) {
            throw new IllegalArgumentException("histogram window size must be >= 1, got " + windowSize);
        }
        this.window = new long[windowSize];
    }

    @Override
    public synchronized void update(long value) {
        window[(int) (count % window.length)] = value;
        count++;
    }

    /** All values ever recorded, including those that have left the window. */
    @Override
    public synchronized long getCount() {
        return count;
    }

    @Override
    public HistogramStatistics getStatistics() {
        long[] values;
        synchronized (this) {
            values = Arrays.copyOf(window, (int) Math.min(count, window.length));
        }
        Arrays.sort(values);
        return new Statistics(values);
    }

    /** Statistics of one sorted snapshot of the window. */
    private static final class Statistics extends HistogramStatistics {
        private final long[] sorted;

        Statistics(long[] sorted) {
            this.sorted = sorted;
        }

        @Override
        public double getQuantile(double quantile) {
            if (quantile < 0 || quantile > 1 || Double.isNaN(quantile)) {
                throw new IllegalArgumentException("quantile must be in [0, 1], got " + quantile);
            }
            if (sorted.length == 0) {
                return 0;
            }
            double rank = quantile * (sorted.length - 1);
            int below = (int) Math.floor(rank);
            int above = (int) Math.ceil(rank);
            return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
        }

        @Override
        public long[] getValues() {
            return sorted.clone();
        }

        @Override
        public int size() {
            return sorted.length;
        }

        @Override
        public double getMean() {
            return sorted.length == 0 ? 0 : Arrays.stream(sorted).average().orElse(0);
        }

        @Override
        public double getStdDev() {
            if (sorted.length < 2) {
                return 0;
            }
            double mean = getMean();
            double squares = 0;
            for (long value : sorted) {
                squares += (value - mean) * (value - mean);
            }
            return Math.sqrt(squares / (sorted.length - 1));
        }

        @Override
        public long getMax() {
            return sorted.length == 0 ? 0 : sorted[sorted.length - 1];
        }

        @Override
        public long getMin() {
            return sorted.length == 0 ? 0 : sorted[0];
        }
    }
}
