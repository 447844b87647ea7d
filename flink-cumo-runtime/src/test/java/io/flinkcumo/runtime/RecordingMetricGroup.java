package io.flinkcumo.runtime;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

/** A metric group that keeps what is registered on it, by dotted path below the root. */
final class RecordingMetricGroup extends UnregisteredMetricsGroup {
    private final Map<String, Metric> metrics;
    private final String prefix;

    RecordingMetricGroup() {
        this(new ConcurrentHashMap<>(), "");
    }

    private RecordingMetricGroup(Map<String, Metric> metrics, String prefix) {
        this.metrics = metrics;
        this.prefix = prefix;
    }

    @SuppressWarnings("unchecked")
    <M extends Metric> M get(String path) {
        M metric = (M) metrics.get(path);
        if (metric == null) {
            throw new AssertionError("no metric " + path + " in " + metrics.keySet());
        }
        return metric;
    }

    Map<String, Metric> all() {
        return metrics;
    }

    private <M extends Metric> M put(String name, M metric) {
        if (metrics.putIfAbsent(prefix + name, metric) != null) {
            throw new AssertionError("metric registered twice: " + prefix + name);
        }
        return metric;
    }

    @Override
    public <C extends Counter> C counter(String name, C counter) {
        return put(name, counter);
    }

    @Override
    public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
        return put(name, gauge);
    }

    @Override
    public <M extends Meter> M meter(String name, M meter) {
        return put(name, meter);
    }

    @Override
    public <H extends Histogram> H histogram(String name, H histogram) {
        return put(name, histogram);
    }

    @Override
    public MetricGroup addGroup(String name) {
        return new RecordingMetricGroup(metrics, prefix + name + ".");
    }
}
