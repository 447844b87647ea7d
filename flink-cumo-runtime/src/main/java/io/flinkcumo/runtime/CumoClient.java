package io.flinkcumo.runtime;

import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.CumoResult;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.LabelScores;
import io.flinkcumo.engine.image.ImageDecoder;
import io.flinkcumo.engine.routing.LayerRouting;
import io.flinkcumo.engine.routing.RoutingStats;
import io.flinkcumo.engine.text.Blank;
import io.flinkcumo.engine.text.Conversation;
import io.flinkcumo.runtime.SharedModelRegistry.Lease;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.functions.FunctionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subtask's handle on the shared {@link CumoService}: the single request-to-result path used by
 * the SQL functions, the ML_PREDICT model functions and the DataStream async function.
 *
 * <p>{@link #ask} reads the image (bytes, or a file through Flink's file systems under the {@code
 * image-base} rule of {@link ImageFiles}), builds the
 * prompt from the options, prepares the request on the calling thread, submits it to the shared
 * micro-batcher, retries model failures {@code retries} times, records this subtask's {@link
 * CumoMetrics}, and applies {@code error-handling}: {@code fail} completes the future with a {@link
 * CumoRequestException} naming the row, {@code null} gives an outcome with a null answer, {@code
 * error-column} a null answer and the error text. No row is ever dropped.
 *
 * <p>Open it in a function's {@code open()}, close it in {@code close()}: the first open in a JVM
 * loads the model, the last close frees it.
 */
public final class CumoClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CumoClient.class);
    private static final int QUESTION_PREVIEW = 60;

    /**
     * Metrics per operator metric group: several CuMo calls in one operator (two functions in one
     * SELECT) share one set of metrics, since Flink refuses a second metric of the same name.
     */
    private static final Map<MetricGroup, SharedMetrics> METRICS = new IdentityHashMap<>();

    private final Lease<CumoService> lease;
    private final CumoService service;
    private final MetricGroup metricGroup;
    private final CumoMetrics metrics;
    private final GenerationConfig generation;
    private final Conversation.Template template;
    private final String captionPrompt;
    private final ImageFiles imageFiles;
    private final int retries;
    private final ErrorHandling errorHandling;
    private final String idPrefix;
    private final AtomicLong requestCount = new AtomicLong();
    private final AtomicBoolean loggedFailure = new AtomicBoolean();

    private CumoClient(ReadableConfig options, Lease<CumoService> lease, MetricGroup metricGroup, String name) {
        this.lease = lease;
        this.service = lease.get();
        this.generation = new GenerationConfig(
                options.get(CumoRuntimeOptions.MAX_NEW_TOKENS),
                options.get(CumoRuntimeOptions.TEMPERATURE),
                options.get(CumoRuntimeOptions.TOP_P),
                options.get(CumoRuntimeOptions.TOP_K),
                options.get(CumoRuntimeOptions.SEED));
        this.template = Conversation.Template.byName(options.get(CumoRuntimeOptions.PROMPT_TEMPLATE));
        this.captionPrompt = options.get(CumoRuntimeOptions.CAPTION_PROMPT);
        this.imageFiles = new ImageFiles(
                options.get(CumoRuntimeOptions.IMAGE_BASE),
                options.get(CumoRuntimeOptions.MAX_IMAGE_BYTES).getBytes(),
                new FlinkRemoteFiles());
        this.retries = options.get(CumoRuntimeOptions.RETRIES);
        this.errorHandling = options.get(CumoRuntimeOptions.ERROR_HANDLING);
        this.idPrefix = name + "-";
        this.metricGroup = metricGroup;
        this.metrics = metricGroup == null ? null : acquireMetrics(metricGroup, service);
    }

    private static CumoMetrics acquireMetrics(MetricGroup group, CumoService service) {
        synchronized (METRICS) {
            SharedMetrics shared = METRICS.get(group);
            if (shared == null) {
                CumoMetrics metrics = CumoMetrics.register(group, service::queueDepth).registerServing(service.stats());
                shared = new SharedMetrics(metrics, service.attach(metrics));
                METRICS.put(group, shared);
            }
            shared.users++;
            return shared.metrics;
        }
    }

    private static void releaseMetrics(MetricGroup group) throws Exception {
        SharedMetrics released = null;
        synchronized (METRICS) {
            SharedMetrics shared = METRICS.get(group);
            if (shared != null && --shared.users == 0) {
                released = METRICS.remove(group);
            }
        }
        if (released != null) {
            released.attachment.close();
        }
    }

    /** One operator's metrics, attached to the service's batcher, and how many clients use them. */
    private static final class SharedMetrics {
        final CumoMetrics metrics;
        final AutoCloseable attachment;
        int users;

        SharedMetrics(CumoMetrics metrics, AutoCloseable attachment) {
            this.metrics = metrics;
            this.attachment = attachment;
        }
    }

    /** Opens a client for a Table/SQL function's subtask: its device, metrics and name. */
    public static CumoClient open(ReadableConfig options, FunctionContext context) throws InterruptedException {
        int subtask = context.getTaskInfo().getIndexOfThisSubtask();
        DeviceSpec device = FlinkDevices.select(validated(options).get(CumoRuntimeOptions.DEVICE), context);
        return open(options, device, context.getMetricGroup(), "subtask" + subtask);
    }

    /** Opens a client for a DataStream function's subtask: its device, metrics and name. */
    public static CumoClient open(ReadableConfig options, RuntimeContext context) throws InterruptedException {
        int subtask = context.getTaskInfo().getIndexOfThisSubtask();
        DeviceSpec device = FlinkDevices.select(validated(options).get(CumoRuntimeOptions.DEVICE), context);
        return open(options, device, context.getMetricGroup(), "subtask" + subtask);
    }

    /**
     * Opens a client on a concrete device, loading the model if this JVM has no live copy.
     *
     * @param options the CuMo options ({@link CumoRuntimeOptions}); validated here
     * @param device cpu or cuda:N
     * @param metricGroup where to register {@link CumoMetrics}, or null for none
     * @param name prefixes request ids, e.g. {@code subtask3}
     * @throws IllegalArgumentException listing every invalid option
     * @throws ModelLoadException if the model cannot be loaded
     * @throws IllegalStateException if DJL is missing or in a job's jar instead of Flink's lib/ ({@link DjlPlacement})
     */
    public static CumoClient open(ReadableConfig options, DeviceSpec device, MetricGroup metricGroup, String name)
            throws InterruptedException {
        DjlPlacement.check();
        Lease<CumoService> lease = CumoService.acquire(spec(validated(options), device));
        try {
            return new CumoClient(options, lease, metricGroup, name);
        } catch (RuntimeException | Error e) {
            lease.close();
            throw e;
        }
    }

    /** The shared service spec the options describe on {@code device}. */
    public static CumoService.Spec spec(ReadableConfig options, DeviceSpec device) {
        String modelPath = options.get(CumoRuntimeOptions.MODEL_PATH);
        Path modelDir = Path.of(modelPath);
        if (!Files.isDirectory(modelDir)) {
            throw new IllegalArgumentException(
                    "model-path '" + modelPath + "' is not a directory on this machine; it must be a CuMo"
                            + " checkpoint directory readable on every TaskManager");
        }
        ImageDecoder.Limits limits;
        try {
            limits = new ImageDecoder.Limits(
                    options.get(CumoRuntimeOptions.MAX_IMAGE_PIXELS),
                    options.get(CumoRuntimeOptions.MAX_IMAGE_BYTES).getBytes());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid CuMo options: max-image-pixels: " + e.getMessage(), e);
        }
        return new CumoService.Spec(
                modelDir,
                device,
                options.get(CumoRuntimeOptions.PRECISION),
                limits,
                CumoRuntimeOptions.batcherConfig(options, device),
                CumoRuntimeOptions.servingConfig(options));
    }

    private static ReadableConfig validated(ReadableConfig options) {
        CumoRuntimeOptions.validate(options);
        return options;
    }

    /** What a failed request does. */
    public ErrorHandling errorHandling() {
        return errorHandling;
    }

    /** The shared service this client submits to. */
    public CumoService service() {
        return service;
    }

    /** {@link #ask} with the {@code caption-prompt} question. */
    public CompletableFuture<CumoOutcome> caption(ImageRef image) {
        return ask(image, captionPrompt);
    }

    /**
     * Asks CuMo a question about an image. Preparation runs on the calling thread, which blocks while
     * the shared queue is full.
     *
     * @param image the image; {@link ImageRef#isNull() no image} gives {@link CumoOutcome#NULL_INPUT}
     * @param question the question; null gives {@link CumoOutcome#NULL_INPUT}
     * @return the outcome after {@code error-handling}; under {@code fail} a failed request completes
     *     it exceptionally with a {@link CumoRequestException}
     */
    public CompletableFuture<CumoOutcome> ask(ImageRef image, String question) {
        return askWithRouting(image, question).thenApply(RoutedOutcome::outcome);
    }

    /**
     * {@link #ask}, keeping the per-layer routing statistics of the answer (for routing-statistics
     * outputs; {@link CumoOutcome#routing()} is only a summary).
     */
    public CompletableFuture<RoutedOutcome> askWithRouting(ImageRef image, String question) {
        if (image == null || image.isNull() || question == null) {
            return CompletableFuture.completedFuture(new RoutedOutcome(CumoOutcome.NULL_INPUT, null));
        }
        return askWithRouting(List.of(image), question);
    }

    /**
     * {@link #askWithRouting(ImageRef, String)} about several images, in order: the user message is
     * one {@code <image>} line per image, then the question (LLaVA's multi-image prompt). An empty
     * list or a question of null gives {@link CumoOutcome#NULL_INPUT}; a {@link ImageRef#isNull()
     * null image} in the list fails the request as bad input.
     */
    public CompletableFuture<RoutedOutcome> askWithRouting(List<ImageRef> images, String question) {
        if (images == null || images.isEmpty() || question == null) {
            return CompletableFuture.completedFuture(new RoutedOutcome(CumoOutcome.NULL_INPUT, null));
        }
        long start = System.nanoTime();
        CompletableFuture<CumoResult> result = call(images, question, start, service::submit, service::trySubmit);
        return result.handle((answer, error) -> answer != null
                ? new RoutedOutcome(succeeded(answer, start), answer.routing())
                : new RoutedOutcome(failed(unwrap(error), describe(images), question, start), null));
    }

    private static String describe(List<ImageRef> images) {
        if (images.size() == 1) {
            return images.get(0).describe();
        }
        StringBuilder sb = new StringBuilder(images.size() + " images: ");
        for (int i = 0; i < images.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(images.get(i) == null ? "no image" : images.get(i).describe());
        }
        return sb.toString();
    }

    /**
     * How likely each of {@code labels} is as CuMo's whole answer to a question about an image
     * ({@link io.flinkcumo.engine.CumoEngine#scoreLabels}), through the shared batcher: for
     * classification such as moderation. Retries and {@code error-handling} apply as in {@link #ask}.
     *
     * @param image the image; {@link ImageRef#isNull() no image} gives {@link CumoScores#NULL_INPUT}
     * @param question the question, e.g. naming the labels; null gives {@link CumoScores#NULL_INPUT}
     * @param labels the candidate answers, at least one
     * @throws IllegalArgumentException if there are no labels or one is blank
     */
    public CompletableFuture<CumoScores> classify(ImageRef image, String question, List<String> labels) {
        if (labels == null || labels.isEmpty() || labels.stream().anyMatch(l -> l == null || l.isBlank())) {
            throw new IllegalArgumentException("labels must be a non-empty list of non-blank strings, got " + labels);
        }
        if (image == null || image.isNull() || question == null) {
            return CompletableFuture.completedFuture(CumoScores.NULL_INPUT);
        }
        long start = System.nanoTime();
        CompletableFuture<LabelScores> result = call(List.of(image), question, start,
                prepared -> service.submitScores(prepared, labels),
                prepared -> service.trySubmitScores(prepared, labels));
        return result.handle((scores, error) -> {
            if (scores != null) {
                recordRouting(scores.routing());
                return new CumoScores(scores, millisSince(start), null);
            }
            CumoOutcome failed = failed(unwrap(error), image.describe(), question, start);
            return new CumoScores(null, failed.latencyMillis(), failed.error());
        });
    }

    /**
     * {@link #ask} and wait, for synchronous functions.
     *
     * @throws CumoRequestException under {@code error-handling = fail}
     */
    public CumoOutcome askAndWait(ImageRef image, String question) {
        return await(ask(image, question));
    }

    /** Waits for a result of {@link #ask}, rethrowing a {@link CumoRequestException} as it is. */
    public static <T> T await(CompletableFuture<T> outcome) {
        try {
            return outcome.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CumoRequestException("interrupted while waiting for CuMo", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new CumoRequestException(String.valueOf(cause), cause);
        }
    }

    /** How a request is queued: blocking at first, never blocking for retries. */
    @FunctionalInterface
    private interface Submit<R> {
        CompletableFuture<R> apply(CumoEngine.Prepared prepared) throws InterruptedException;
    }

    /**
     * Reads the image, prepares the request on the calling thread and submits it, retrying model
     * failures; bad input fails the future with a {@link CumoInputException}.
     */
    private <R> CompletableFuture<R> call(
            List<ImageRef> images, String question, long start, Submit<R> submit, Function<CumoEngine.Prepared, CompletableFuture<R>> retry) {
        CompletableFuture<R> result;
        try {
            if (Blank.isBlank(question)) {
                throw new CumoInputException("the question is empty (only whitespace or invisible characters)");
            }
            CumoRequest request = new CumoRequest(
                    idPrefix + requestCount.incrementAndGet(),
                    read(images),
                    Conversation.singleTurn(template, question, images.size()),
                    generation);
            CumoEngine.Prepared prepared = service.prepare(request);
            result = submit.apply(prepared);
            for (int i = 0; i < retries; i++) {
                // Retries run on the dispatcher or timeout thread, which must never block on a full queue.
                result = result.exceptionallyCompose(error -> unwrap(error) instanceof CumoInputException
                        ? CompletableFuture.failedFuture(error)
                        : retry.apply(prepared));
            }
        } catch (CumoInputException e) {
            result = CompletableFuture.failedFuture(e);
        } catch (IllegalArgumentException e) {
            result = CompletableFuture.failedFuture(new CumoInputException(e.getMessage(), e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result = CompletableFuture.failedFuture(e);
        }
        if (metrics != null) {
            metrics.track(result, start);
        }
        return result;
    }

    private CumoOutcome succeeded(CumoResult result, long start) {
        int tokens = result.generatedTokens(service.eosTokenId());
        if (metrics != null) {
            metrics.recordGeneratedTokens(tokens);
        }
        recordRouting(result.routing());
        return new CumoOutcome(result.answer(), tokens, millisSince(start), null, RoutingSummary.of(result.routing()));
    }

    private void recordRouting(RoutingStats routing) {
        if (metrics != null && routing != null) {
            for (LayerRouting layer : routing.layers()) {
                metrics.recordExpertLoad(layer.component().label(), layer.layer(), layer.topkCounts());
            }
        }
    }

    private CumoOutcome failed(Throwable error, String image, String question, long start) {
        String reason = reason(error);
        String row = image + " and question \"" + preview(question) + "\"";
        if (errorHandling == ErrorHandling.FAIL) {
            throw new CumoRequestException("CuMo failed on the row with " + row + ": " + reason, error);
        }
        if (loggedFailure.compareAndSet(false, true)) {
            // one line at WARN; the stack trace only at DEBUG (a rejected row is data, not a bug)
            LOG.warn("CuMo failed on the row with {} ({}; error-handling={}, later failures are logged at"
                    + " debug level and counted in the 'failures' metric)", row, reason, errorHandling);
            LOG.debug("CuMo failed on the row with {}: {}", row, reason, error);
        } else {
            LOG.debug("CuMo failed on the row with {}: {}", row, reason, error);
        }
        return new CumoOutcome(
                null, null, millisSince(start), errorHandling == ErrorHandling.ERROR_COLUMN ? reason : null, null);
    }

    /** The bytes, or the file read under the {@code image-base} rule ({@link ImageFiles}). */
    private byte[] read(ImageRef image) {
        return image.isPathOnly() ? imageFiles.read(image.path()) : image.bytes();
    }

    private List<byte[]> read(List<ImageRef> images) {
        List<byte[]> bytes = new java.util.ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            ImageRef image = images.get(i);
            if (image == null || image.isNull()) {
                throw new CumoInputException("image " + (i + 1) + " of " + images.size() + " is missing");
            }
            bytes.add(read(image));
        }
        return bytes;
    }

    private static String reason(Throwable error) {
        if (error instanceof CumoInputException || error instanceof java.util.concurrent.TimeoutException) {
            return error.getMessage();
        }
        return error.getClass().getSimpleName() + ": " + error.getMessage();
    }

    private static String preview(String question) {
        return question.length() <= QUESTION_PREVIEW ? question : question.substring(0, QUESTION_PREVIEW) + "...";
    }

    private static Throwable unwrap(Throwable error) {
        while ((error instanceof CompletionException || error instanceof ExecutionException) && error.getCause() != null) {
            error = error.getCause();
        }
        return error;
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /** Detaches this subtask's metrics and releases its lease; the last release frees the model. */
    @Override
    public void close() {
        try {
            if (metricGroup != null) {
                releaseMetrics(metricGroup);
            }
        } catch (Exception e) {
            LOG.warn("detaching CuMo metrics failed", e);
        } finally {
            lease.close();
        }
    }
}
