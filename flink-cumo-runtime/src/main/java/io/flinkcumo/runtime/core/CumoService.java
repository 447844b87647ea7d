package io.flinkcumo.runtime.core;

import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.CumoResult;
import io.flinkcumo.engine.LabelScores;
import io.flinkcumo.engine.Precision;
import io.flinkcumo.engine.image.ImageDecoder;
import io.flinkcumo.engine.ModelInput;
import io.flinkcumo.engine.model.ContinuousBatch;
import io.flinkcumo.engine.model.Generator;
import io.flinkcumo.engine.model.PromptPrefixCache;
import io.flinkcumo.engine.model.VisionFeatureCache;
import io.flinkcumo.runtime.core.SharedModelRegistry.Lease;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One loaded CuMo model and the micro-batcher that feeds it, shared by every subtask of a JVM that
 * asks for the same model path, device and precision ({@link #acquire}).
 *
 * <p>Callers prepare requests on their own thread ({@link RequestBuilder}: image decoding,
 * preprocessing and tokenisation run in parallel, and a bad image fails there without entering a
 * batch), then
 * {@link #submit} them; the batcher's single dispatcher thread is the only thread that touches the
 * model. With the default {@code scheduler: iteration} it runs an iteration-level batch of up to
 * {@code max-batch-size} sequences ({@link ContinuousBatch}): requests join between decode steps,
 * leave as soon as they stop, reuse cached image features ({@code vision-cache-size}, shared by all
 * subtasks using this service) and the K/V of the shared prompt prefix. With {@code scheduler:
 * static} it runs batches through {@link CumoEngine#run} as before.
 * Label scoring ({@link #submitScores}, for classification such as moderation) goes through the same
 * queue and thread: a batch may mix both kinds, and runs each kind as one engine call
 * ({@link CumoEngine#scorePrepared} per distinct label list).
 *
 * <p>The batcher settings and image limits are those of the caller that loaded the model; later
 * callers with other settings share it as it is, with a warning ({@link SharedModelRegistry}).
 * Closing (done by the registry when the last lease is released) fails queued requests with a
 * "model service closed" error, lets the running batch finish, and frees the model's native memory.
 *
 * <p>Flink-free: {@code CumoClient} adapts it to Flink's options, devices and metrics.
 */
public final class CumoService implements AutoCloseable {

    private static final SharedModelRegistry<ModelKey, CumoService> REGISTRY =
            SharedModelRegistry.forModelType(CumoService.class);

    /**
     * What to load and how to batch.
     *
     * @param modelDir the CuMo checkpoint directory
     * @param device a concrete device (cpu or cuda:N), not auto
     * @param precision the requested precision; auto is resolved for the device
     * @param imageLimits limits applied when decoding images
     * @param batcher batching, queue and timeout settings
     * @param serving scheduler, vision-feature cache, shared prefix and KV budget
     */
    public record Spec(
            Path modelDir, DeviceSpec device, Precision precision, ImageDecoder.Limits imageLimits, BatcherConfig batcher,
            ServingConfig serving) {

        public Spec {
            Objects.requireNonNull(modelDir, "modelDir");
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(precision, "precision");
            Objects.requireNonNull(imageLimits, "imageLimits");
            Objects.requireNonNull(batcher, "batcher");
            Objects.requireNonNull(serving, "serving");
            device.resolve(precision); // refuses an unresolved 'auto' device
        }

        /** The registry key: model path, device and resolved precision. */
        public ModelKey key() {
            return new ModelKey(modelDir.toString(), device.toString(), device.resolve(precision).name());
        }

        /**
         * What every caller of the loaded model shares, as the caller that loads it set it: image
         * limits, batcher and serving settings ({@link SharedModelRegistry} warns about a caller
         * asking for others).
         */
        public List<Object> sharedSettings() {
            return List.of(imageLimits, batcher, serving);
        }
    }

    private final Spec spec;
    private final CumoEngine engine;
    private final BatcherListeners listeners = new BatcherListeners();
    private final MicroBatcher<Task, Object> batcher;
    private final VisionFeatureCache visionCache; // disabled when vision-cache-size is 0 or the scheduler is static
    private final PromptPrefixCache prefixCache; // null without shared-prefix reuse
    private final Steps steps; // null with the static scheduler
    private final Map<Object, PerOperator> perOperator = new IdentityHashMap<>();

    /** Work for the dispatcher thread: generate an answer, or score labels. */
    private sealed interface Task {
        CumoEngine.Prepared prepared();
    }

    private record Generate(CumoEngine.Prepared prepared) implements Task {}

    private record Score(CumoEngine.Prepared prepared, List<String> labels) implements Task {}

    private CumoService(Spec spec, CumoEngine engine) {
        this.spec = spec;
        this.engine = engine;
        ServingConfig serving = spec.serving();
        boolean iterate = serving.scheduler() == ServingConfig.Scheduler.ITERATION;
        ai.djl.Device device = engine.model().device();
        this.visionCache = new VisionFeatureCache(spec.key().toString(), iterate ? serving.visionCacheBytes() : 0, device);
        this.prefixCache = iterate && serving.sharedPrefix() ? new PromptPrefixCache(8, device) : null;
        try {
            if (iterate) {
                this.steps = new Steps(engine.model().newContinuousBatch(
                        new Generator.Reuse(visionCache, prefixCache), spec.serving().prefillChunkSize()));
                this.batcher = new MicroBatcher<>(spec.batcher(), steps, listeners);
            } else {
                this.steps = null;
                this.batcher = new MicroBatcher<>(spec.batcher(), this::runBatch, listeners);
            }
        } catch (RuntimeException | Error e) {
            closeCaches();
            throw e;
        }
    }

    /** Counters of the service's scheduler and caches, for metrics (read from any thread). */
    public ServingStats stats() {
        return new ServingStats() {
            @Override
            public long visionCacheHits() {
                return visionCache.hits();
            }

            @Override
            public long visionCacheMisses() {
                return visionCache.misses();
            }

            @Override
            public long visionCacheBytes() {
                return visionCache.bytes();
            }

            @Override
            public long prefixCacheHits() {
                return prefixCache == null ? 0 : prefixCache.hits();
            }

            @Override
            public int runningSequences() {
                return steps == null ? 0 : steps.runningNow;
            }

            @Override
            public long decodeSteps() {
                return steps == null ? 0 : steps.stepsNow;
            }

            @Override
            public long decodedRows() {
                return steps == null ? 0 : steps.rowsNow;
            }

            @Override
            public int prefillingSequences() {
                return steps == null ? 0 : steps.prefillingNow;
            }

            @Override
            public long maxDecodeGapNanos() {
                return steps == null ? 0 : steps.maxGapNanos;
            }

            @Override
            public void resetMaxDecodeGap() {
                if (steps != null) {
                    steps.maxGapNanos = 0;
                }
            }
        };
    }

    /** The vision-feature cache (disabled with {@code vision-cache-size} 0 or the static scheduler). */
    public VisionFeatureCache visionCache() {
        return visionCache;
    }

    /**
     * The iteration-level step function over the engine's {@link ContinuousBatch}: generation
     * requests join the batch (vision and prefill in {@link #admit}), decode one token per {@link
     * #step} and leave when they stop; scoring requests run whole in {@link #admit}, one engine
     * call per label list.
     */
    private final class Steps implements StepFunction<Task, Object> {
        private final ContinuousBatch<Long> batch;
        private final Map<Long, CumoEngine.Prepared> running = new HashMap<>();
        volatile int runningNow;
        volatile long stepsNow;
        volatile long rowsNow;
        volatile long maxGapNanos;
        volatile int prefillingNow;
        private long lastDecodeStart; // 0 while nothing decodes

        Steps(ContinuousBatch<Long> batch) {
            this.batch = batch;
        }

        @Override
        public boolean canAdmit(List<Task> admitting, Task next) {
            if (!(next instanceof Generate)) {
                return true;
            }
            List<ModelInput> inputs = new ArrayList<>();
            for (Task t : admitting) {
                if (t instanceof Generate) {
                    inputs.add(t.prepared().input());
                }
            }
            inputs.add(next.prepared().input());
            if (running() > 0 && inputs.size() > 1) { // bounds the stall of the running sequences
                long positions = inputs.stream().mapToLong(batch::promptPositions).sum();
                if (positions > spec.serving().maxPrefillPositions()) {
                    return false;
                }
            }
            return batch.bytesIfAdmitted(inputs) <= spec.serving().kvCacheBytes();
        }

        @Override
        public Map<Long, ItemResult<Object>> admit(List<Long> ids, List<Task> tasks) {
            Map<Long, ItemResult<Object>> done = new HashMap<>();
            Map<List<String>, List<Integer>> scoring = new LinkedHashMap<>();
            List<Long> genIds = new ArrayList<>();
            List<ModelInput> genInputs = new ArrayList<>();
            Map<Long, CumoEngine.Prepared> joining = new HashMap<>();
            for (int i = 0; i < tasks.size(); i++) {
                if (tasks.get(i) instanceof Score score) {
                    scoring.computeIfAbsent(score.labels(), k -> new ArrayList<>()).add(i);
                } else {
                    genIds.add(ids.get(i));
                    genInputs.add(tasks.get(i).prepared().input());
                    joining.put(ids.get(i), tasks.get(i).prepared());
                }
            }
            for (Map.Entry<List<String>, List<Integer>> group : scoring.entrySet()) {
                List<CumoEngine.Prepared> prepared = group.getValue().stream().map(i -> tasks.get(i).prepared()).toList();
                List<LabelScores> out = engine.scorePrepared(prepared, group.getKey());
                for (int j = 0; j < out.size(); j++) {
                    done.put(ids.get(group.getValue().get(j)), ItemResult.success(out.get(j)));
                }
            }
            if (!genIds.isEmpty()) {
                running.putAll(joining);
                try {
                    for (ContinuousBatch.Finished<Long> f : batch.admit(genIds, genInputs)) {
                        done.put(f.tag(), ItemResult.success(engine.result(running.remove(f.tag()), f.output())));
                    }
                } catch (RuntimeException | Error e) {
                    joining.keySet().forEach(running::remove);
                    throw e;
                }
            }
            runningNow = batch.size();
            prefillingNow = batch.prefilling();
            return done;
        }

        /** One decode step of the running sequences, then one chunk of a long prompt's prefill. */
        @Override
        public Map<Long, ItemResult<Object>> step() {
            Map<Long, ItemResult<Object>> done = new HashMap<>();
            if (batch.size() > 0) {
                long now = System.nanoTime();
                if (lastDecodeStart != 0 && now - lastDecodeStart > maxGapNanos) {
                    maxGapNanos = now - lastDecodeStart;
                }
                lastDecodeStart = now;
            }
            for (ContinuousBatch.Finished<Long> f : batch.step()) {
                done.put(f.tag(), ItemResult.success(engine.result(running.remove(f.tag()), f.output())));
            }
            Long chunked = batch.nextPrefilling();
            if (chunked != null) {
                try {
                    for (ContinuousBatch.Finished<Long> f : batch.prefillChunk()) {
                        done.put(f.tag(), ItemResult.success(engine.result(running.remove(f.tag()), f.output())));
                    }
                } catch (RuntimeException e) { // that request alone fails; the batch freed what it held
                    running.remove(chunked);
                    done.put(chunked, ItemResult.failure(e));
                }
            }
            if (batch.size() == 0) {
                lastDecodeStart = 0;
            }
            runningNow = batch.size();
            prefillingNow = batch.prefilling();
            stepsNow = batch.stepsRun();
            rowsNow = batch.rowsStepped();
            return done;
        }

        @Override
        public void cancel(long id) {
            batch.cancel(id);
            running.remove(id);
            if (batch.size() == 0) {
                lastDecodeStart = 0;
            }
            runningNow = batch.size();
            prefillingNow = batch.prefilling();
        }

        /** Decoding and still-prefilling requests (both hold a place in the running set). */
        @Override
        public int running() {
            return batch.size() + batch.prefilling();
        }

        @Override
        public void reset() {
            batch.reset();
            running.clear();
            runningNow = 0;
            prefillingNow = 0;
            lastDecodeStart = 0;
        }
    }

    /** The JVM-wide registry of loaded services, for tests and diagnostics. */
    public static SharedModelRegistry<ModelKey, CumoService> registry() {
        return REGISTRY;
    }

    /**
     * A lease on the shared service for {@code spec}, loading the model if this JVM has no live copy.
     * Close the lease exactly once; the last close frees the model.
     *
     * @throws ModelLoadException if loading failed
     * @throws InterruptedException if interrupted while another caller loads the same model
     */
    public static Lease<CumoService> acquire(Spec spec) throws InterruptedException {
        return REGISTRY.acquire(spec.key(), spec.sharedSettings(), key -> start(spec));
    }

    /** Loads the model and starts its dispatcher, outside the registry (tests, benchmarks). */
    public static CumoService start(Spec spec) throws IOException {
        CumoEngine engine = CumoEngine.load(
                spec.modelDir(), spec.device().toDjlDevice(), spec.device().resolve(spec.precision()), spec.imageLimits());
        try {
            return new CumoService(spec, engine);
        } catch (RuntimeException | Error e) {
            engine.close();
            throw e;
        }
    }

    /**
     * Queues a prepared request, blocking while the queue is full (back-pressure).
     *
     * @return completes with the result on the dispatcher thread, or exceptionally (timeout, model
     *     error, service closed)
     */
    public CompletableFuture<CumoResult> submit(CumoEngine.Prepared prepared) throws InterruptedException {
        return batcher.submit(new Generate(prepared)).thenApply(CumoResult.class::cast);
    }

    /** Queues a prepared request without blocking; fails at once if the queue is full. */
    public CompletableFuture<CumoResult> trySubmit(CumoEngine.Prepared prepared) {
        return batcher.trySubmit(new Generate(prepared)).thenApply(CumoResult.class::cast);
    }

    /**
     * Queues a prepared request for label scoring ({@link CumoEngine#scoreLabels}: the likelihood of
     * each label as the whole answer), blocking while the queue is full. Requests of a batch that
     * share a label list are scored in one pass.
     *
     * @param labels the labels, in the order of the returned scores; not empty
     * @return completes with the scores on the dispatcher thread, or exceptionally as {@link #submit}
     */
    public CompletableFuture<LabelScores> submitScores(CumoEngine.Prepared prepared, List<String> labels)
            throws InterruptedException {
        return batcher.submit(new Score(prepared, checkLabels(labels))).thenApply(LabelScores.class::cast);
    }

    /** {@link #submitScores} without blocking; fails at once if the queue is full. */
    public CompletableFuture<LabelScores> trySubmitScores(CumoEngine.Prepared prepared, List<String> labels) {
        return batcher.trySubmit(new Score(prepared, checkLabels(labels))).thenApply(LabelScores.class::cast);
    }

    /**
     * The labels to score, checked: the one label check of the runtime, made before a classification
     * request is built.
     *
     * @return an unmodifiable copy
     * @throws IllegalArgumentException if there are no labels or one is null or blank
     */
    public static List<String> checkLabels(List<String> labels) {
        if (labels == null || labels.isEmpty() || labels.stream().anyMatch(l -> l == null || l.isBlank())) {
            throw new IllegalArgumentException("labels must be a non-empty list of non-blank strings, got " + labels);
        }
        return List.copyOf(labels);
    }

    /**
     * Prepares {@code request} on the calling thread ({@link RequestBuilder#prepare(CumoEngine,
     * CumoRequest)}), then {@link #submit}s it; a bad request gives a future failed with {@link
     * CumoInputException}.
     */
    public CompletableFuture<CumoResult> submit(CumoRequest request) throws InterruptedException {
        CumoEngine.Prepared prepared;
        try {
            prepared = RequestBuilder.prepare(engine, request);
        } catch (CumoInputException e) {
            return CompletableFuture.failedFuture(e);
        }
        return submit(prepared);
    }

    /** Observes the shared batcher until the returned handle is closed (e.g. one subtask's metrics). */
    public AutoCloseable attach(BatcherListener listener) {
        return listeners.attach(listener);
    }

    /**
     * A listener shared by every client of one operator (its metrics, see {@link
     * CumoMetrics#attach}): the first call for {@code operator} creates it with {@code create} and
     * attaches it to the batcher; closing the last lease detaches it. Scoped to this service, so no
     * JVM-wide registry outlives the model.
     *
     * @param operator identifies the operator (compared by identity), e.g. its metric group
     */
    public <L extends BatcherListener> Lease<L> attachPerOperator(Object operator, Function<CumoService, L> create) {
        PerOperator shared;
        synchronized (perOperator) {
            shared = perOperator.get(operator);
            if (shared == null) {
                BatcherListener listener = create.apply(this);
                shared = new PerOperator(listener, attach(listener));
                perOperator.put(operator, shared);
            }
            shared.users++;
        }
        PerOperator attached = shared;
        @SuppressWarnings("unchecked")
        L listener = (L) attached.listener;
        return new Lease<>(listener, () -> detachPerOperator(operator, attached));
    }

    private void detachPerOperator(Object operator, PerOperator attached) {
        synchronized (perOperator) {
            if (--attached.users > 0) {
                return;
            }
            perOperator.remove(operator, attached);
        }
        try {
            attached.attachment.close();
        } catch (Exception e) {
            throw new IllegalStateException("detaching a batcher listener failed", e);
        }
    }

    /** One operator's listener, its attachment to the batcher, and how many clients use it. */
    private static final class PerOperator {
        final BatcherListener listener;
        final AutoCloseable attachment;
        int users;

        PerOperator(BatcherListener listener, AutoCloseable attachment) {
            this.listener = listener;
            this.attachment = attachment;
        }
    }

    /** Requests waiting for the model. */
    public int queueDepth() {
        return batcher.queueDepth();
    }

    public CumoEngine engine() {
        return engine;
    }

    public Spec spec() {
        return spec;
    }

    /** The id of the end-of-sequence token, to count generated tokens. */
    public int eosTokenId() {
        return engine.model().config().llm().eosTokenId();
    }

    /**
     * Runs the generation requests of a batch as one engine call and its scoring requests as one call
     * per label list; results in batch order. An engine error fails the whole call, so that the
     * batcher can isolate the request that caused it.
     */
    private List<ItemResult<Object>> runBatch(List<Task> batch) {
        Object[] results = new Object[batch.size()];
        Map<List<String>, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            List<String> key = batch.get(i) instanceof Score score ? score.labels() : null;
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
        }
        for (Map.Entry<List<String>, List<Integer>> group : groups.entrySet()) {
            List<CumoEngine.Prepared> prepared = group.getValue().stream().map(i -> batch.get(i).prepared()).toList();
            List<?> out = group.getKey() == null ? engine.run(prepared) : engine.scorePrepared(prepared, group.getKey());
            for (int j = 0; j < out.size(); j++) {
                results[group.getValue().get(j)] = out.get(j);
            }
        }
        return Arrays.stream(results).map(ItemResult::success).toList();
    }

    /** Fails queued requests, waits for the running batch, stops the dispatcher and frees the model. */
    @Override
    public void close() {
        try {
            batcher.close();
        } finally {
            try {
                if (steps != null && !batcher.isDispatcherAlive()) {
                    steps.reset(); // the dispatcher resets on exit; this covers a dispatcher that never started
                }
                closeCaches();
            } finally {
                engine.close();
            }
        }
    }

    private void closeCaches() {
        visionCache.close();
        if (prefixCache != null) {
            prefixCache.close();
        }
    }
}
