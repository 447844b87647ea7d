package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.BatcherListener;
import io.flinkcumo.runtime.core.BatcherListeners;
import io.flinkcumo.runtime.core.CumoService;
import io.flinkcumo.runtime.core.ErrorPolicy;
import io.flinkcumo.runtime.core.MicroBatcher;
import io.flinkcumo.runtime.core.ServingStats;
import io.flinkcumo.runtime.core.SharedModelRegistry;

import io.flinkcumo.engine.routing.LayerRouting;
import io.flinkcumo.engine.routing.RoutingStats;
import io.flinkcumo.runtime.core.SharedModelRegistry.Lease;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;

/**
 * Flink metrics of one subtask's use of a CuMo model service, under the group {@value #GROUP} of
 * the function's or operator's metric group.
 *
 * <p>Two feeds, because subtasks share one {@link MicroBatcher} per device:
 *
 * <ul>
 *   <li>Request metrics count this subtask's own requests: pass each submitted future to {@link
 *       #track}, and the tokens of each answer to {@link #recordGeneratedTokens}.
 *   <li>Batch metrics describe the device's shared batcher, so every subtask on that device shows
 *       the same values: attach this object as the batcher's listener (through {@link
 *       BatcherListeners} when the batcher is shared). {@link #recordExpertLoad} is fed by the
 *       engine integration.
 * </ul>
 *
 * <table>
 *   <caption>Metrics</caption>
 *   <tr><th>name</th><th>type</th><th>meaning</th></tr>
 *   <tr><td>requests</td><td>counter</td><td>requests this subtask submitted</td></tr>
 *   <tr><td>failures</td><td>counter</td><td>of those, the ones that failed for any reason</td></tr>
 *   <tr><td>timeouts</td><td>counter</td><td>of the failures, the timeouts</td></tr>
 *   <tr><td>requestLatencyMs</td><td>histogram</td><td>submission to result, successes only</td></tr>
 *   <tr><td>generatedTokensPerSecond</td><td>meter</td><td>tokens decoded for this subtask</td></tr>
 *   <tr><td>queueDepth</td><td>gauge</td><td>requests waiting for the device</td></tr>
 *   <tr><td>batchSize</td><td>histogram</td><td>requests per batch on the device</td></tr>
 *   <tr><td>batchLatencyMs</td><td>histogram</td><td>time to run one batch on the device</td></tr>
 *   <tr><td>visionCacheHits</td><td>gauge</td><td>images whose features came from the
 *       TaskManager's vision-feature cache (since the model was loaded)</td></tr>
 *   <tr><td>visionCacheMisses</td><td>gauge</td><td>images that went through the vision tower</td></tr>
 *   <tr><td>visionCacheBytes</td><td>gauge</td><td>bytes of cached image features</td></tr>
 *   <tr><td>prefixCacheHits</td><td>gauge</td><td>prefills that reused the shared prompt prefix</td></tr>
 *   <tr><td>runningSequences</td><td>gauge</td><td>sequences in the device's running batch</td></tr>
 *   <tr><td>expert_load.&lt;component&gt;.&lt;layer&gt;.&lt;expert&gt;</td><td>gauge</td>
 *       <td>share of the routed tokens that went to the expert in the latest report</td></tr>
 * </table>
 */
public final class CumoMetrics implements BatcherListener {

    /** The metric group all CuMo metrics are registered under. */
    public static final String GROUP = "cumo";

    /** Values kept by each histogram. */
    public static final int HISTOGRAM_WINDOW = 1024;

    private final MetricGroup group;
    private final Counter requests;
    private final Counter failures;
    private final Counter timeouts;
    private final Histogram batchSize;
    private final Histogram batchLatencyMs;
    private final Histogram requestLatencyMs;
    private final Meter generatedTokens;
    private final Map<String, AtomicLongArray> expertShares = new ConcurrentHashMap<>();

    private CumoMetrics(MetricGroup parent, IntSupplier queueDepth) {
        this.group = parent.addGroup(GROUP);
        this.requests = group.counter("requests", new ThreadSafeSimpleCounter());
        this.failures = group.counter("failures", new ThreadSafeSimpleCounter());
        this.timeouts = group.counter("timeouts", new ThreadSafeSimpleCounter());
        group.gauge("queueDepth", (Gauge<Integer>) queueDepth::getAsInt);
        this.batchSize = group.histogram("batchSize", new WindowHistogram(HISTOGRAM_WINDOW));
        this.batchLatencyMs = group.histogram("batchLatencyMs", new WindowHistogram(HISTOGRAM_WINDOW));
        this.requestLatencyMs =
                group.histogram("requestLatencyMs", new WindowHistogram(HISTOGRAM_WINDOW));
        this.generatedTokens =
                group.meter("generatedTokensPerSecond", new MeterView(new ThreadSafeSimpleCounter()));
    }

    /**
     * Registers the metrics.
     *
     * @param parent the function's or operator's metric group
     * @param queueDepth read by the {@code queueDepth} gauge, e.g. {@code batcher::queueDepth}
     * @return the metrics; attach them to the batcher's listeners for the batch metrics
     */
    public static CumoMetrics register(MetricGroup parent, IntSupplier queueDepth) {
        return new CumoMetrics(
                Objects.requireNonNull(parent, "parent"), Objects.requireNonNull(queueDepth, "queueDepth"));
    }

    /**
     * The metrics of one operator's use of {@code service}, registered under {@code group} by the
     * first client of the operator and shared by the others (two CuMo functions in one SELECT share
     * the operator's metric group, and Flink refuses a second metric of the same name), attached to
     * the service's batcher until the last client closes its lease.
     */
    public static Lease<CumoMetrics> attach(CumoService service, MetricGroup group) {
        return service.attachPerOperator(
                Objects.requireNonNull(group, "group"), s -> register(group, s::queueDepth).registerServing(s.stats()));
    }

    /**
     * Registers the gauges of the model service's scheduler and caches ({@code visionCacheHits},
     * {@code visionCacheMisses}, {@code visionCacheBytes}, {@code prefixCacheHits}, {@code
     * runningSequences}); the values are the service's, the same on every subtask sharing it.
     */
    public CumoMetrics registerServing(ServingStats stats) {
        Objects.requireNonNull(stats, "stats");
        group.gauge("visionCacheHits", (Gauge<Long>) stats::visionCacheHits);
        group.gauge("visionCacheMisses", (Gauge<Long>) stats::visionCacheMisses);
        group.gauge("visionCacheBytes", (Gauge<Long>) stats::visionCacheBytes);
        group.gauge("prefixCacheHits", (Gauge<Long>) stats::prefixCacheHits);
        group.gauge("runningSequences", (Gauge<Integer>) stats::runningSequences);
        return this;
    }

    /** Counts tokens decoded by the model, for the tokens-per-second meter. */
    public void recordGeneratedTokens(long tokens) {
        generatedTokens.markEvent(tokens);
    }

    /**
     * Reports how many tokens one MoE layer routed to each expert (in one forward pass, or summed over
     * a few); the {@code expert_load} gauges then show each expert's share. Gauges are registered on
     * the first report for a layer.
     *
     * @param component which MoE block, e.g. {@code vision}, {@code projector} or {@code llm}
     * @param layer the layer index within the component
     * @param tokensPerExpert routed token count per expert, indexed by expert
     */
    public void recordExpertLoad(String component, int layer, long[] tokensPerExpert) {
        Objects.requireNonNull(component, "component");
        AtomicLongArray shares =
                expertShares.computeIfAbsent(
                        component + '/' + layer, key -> registerExpertGauges(component, layer, tokensPerExpert));
        if (shares.length() != tokensPerExpert.length) {
            throw new IllegalArgumentException(
                    "expert_load." + component + "." + layer + " was registered with " + shares.length()
                            + " experts, now reported with " + tokensPerExpert.length);
        }
        long total = 0;
        for (long tokens : tokensPerExpert) {
            total += tokens;
        }
        for (int expert = 0; expert < tokensPerExpert.length; expert++) {
            double share = total == 0 ? 0 : (double) tokensPerExpert[expert] / total;
            shares.set(expert, Double.doubleToRawLongBits(share));
        }
    }

    private AtomicLongArray registerExpertGauges(String component, int layer, long[] experts) {
        AtomicLongArray shares = new AtomicLongArray(experts.length);
        MetricGroup layerGroup =
                group.addGroup("expert_load").addGroup(component).addGroup(String.valueOf(layer));
        for (int expert = 0; expert < experts.length; expert++) {
            int index = expert;
            layerGroup.gauge(
                    String.valueOf(expert), (Gauge<Double>) () -> Double.longBitsToDouble(shares.get(index)));
        }
        return shares;
    }

    /** Records the expert load of every MoE layer of one answer ({@code expert_load.*}); null is ignored. */
    public void recordRouting(RoutingStats routing) {
        if (routing != null) {
            for (LayerRouting layer : routing.layers()) {
                recordExpertLoad(layer.component().label(), layer.layer(), layer.topkCounts());
            }
        }
    }

    /**
     * Counts one request of this subtask and records its outcome when it completes.
     *
     * @param request the future returned by the batcher
     * @param submittedNanos {@link System#nanoTime()} just before submitting
     * @return {@code request}, for chaining
     */
    public <T> CompletableFuture<T> track(CompletableFuture<T> request, long submittedNanos) {
        requests.inc();
        request.whenComplete(
                (value, error) -> {
                    if (error == null) {
                        requestLatencyMs.update(
                                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - submittedNanos));
                    } else {
                        failures.inc();
                        if (ErrorPolicy.unwrap(error) instanceof TimeoutException) {
                            timeouts.inc();
                        }
                    }
                });
        return request;
    }


    @Override
    public void onBatchFinished(int size, int failedRequests, long latencyNanos) {
        batchSize.update(size);
        batchLatencyMs.update(TimeUnit.NANOSECONDS.toMillis(latencyNanos));
    }
}
