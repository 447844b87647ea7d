package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.CumoInputException;
import io.flinkcumo.runtime.core.CumoReply;
import io.flinkcumo.runtime.core.CumoRequestException;
import io.flinkcumo.runtime.core.CumoService;
import io.flinkcumo.runtime.core.CumoSettings;
import io.flinkcumo.runtime.core.DeviceSpec;
import io.flinkcumo.runtime.core.ErrorHandling;
import io.flinkcumo.runtime.core.ErrorPolicy;
import io.flinkcumo.runtime.core.ImageFiles;
import io.flinkcumo.runtime.core.ImageRef;
import io.flinkcumo.runtime.core.ModelLoadException;
import io.flinkcumo.runtime.core.RequestBuilder;
import io.flinkcumo.runtime.core.SharedModelRegistry;

import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoResult;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.LabelScores;
import io.flinkcumo.engine.text.Conversation;
import io.flinkcumo.runtime.core.SharedModelRegistry.Lease;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.functions.FunctionContext;

/**
 * One subtask's handle on the shared {@link CumoService}: the single request-to-reply path used by
 * the SQL functions, the ML_PREDICT model functions, the DataStream function and the jobs. Each
 * step is its own class:
 *
 * <ol>
 *   <li>{@link RequestBuilder} reads the images ({@link ImageFiles}: bytes, or a file through Flink's
 *       file systems under the {@code image-base} rule), builds the prompt and prepares the request
 *       on the calling thread;
 *   <li>the shared service's micro-batcher runs it ({@link CumoService#submit}, {@link
 *       CumoService#submitScores});
 *   <li>{@link ErrorPolicy} retries model failures {@code retries} times and applies {@code
 *       error-handling}: {@code fail} completes the future with a {@link CumoRequestException}
 *       naming the row, {@code null} gives a reply without answer, {@code error-column} a reply
 *       without answer and with the error text. No row is ever dropped;
 *   <li>{@link CumoMetrics} counts the operator's requests, tokens and expert load.
 * </ol>
 *
 * <p>Every call gives one {@link CumoReply}. Open a client in a function's {@code open()} and close
 * it in {@code close()} ({@link CumoClientHolder} does both): the first open in a JVM loads the
 * model, the last close frees it.
 */
public final class CumoClient implements AutoCloseable {

    private final Lease<CumoService> lease;
    private final CumoService service;
    private final RequestBuilder requests;
    private final ErrorPolicy errors;
    private final String captionPrompt;
    private final Lease<CumoMetrics> metricsLease; // null without a metric group
    private final CumoMetrics metrics; // null without a metric group

    /** Built from the parsed settings ({@link CumoSettings}): nothing is read from options here. */
    private CumoClient(CumoSettings settings, Lease<CumoService> lease, MetricGroup metricGroup, String name) {
        this.lease = lease;
        this.service = lease.get();
        this.requests = new RequestBuilder(
                service.engine(),
                new ImageFiles(settings.imageBase(), settings.maxImageBytes(), new FlinkRemoteFiles()),
                settings.template(),
                settings.generation(),
                name);
        this.errors = new ErrorPolicy(settings.retries(), settings.errorHandling());
        this.captionPrompt = settings.captionPrompt();
        this.metricsLease = metricGroup == null ? null : CumoMetrics.attach(service, metricGroup);
        this.metrics = metricsLease == null ? null : metricsLease.get();
    }

    /** Opens a client for a Table/SQL function's subtask: its device, metrics and name. */
    public static CumoClient open(CumoSettings settings, FunctionContext context) throws InterruptedException {
        int subtask = context.getTaskInfo().getIndexOfThisSubtask();
        DeviceSpec device = FlinkDevices.select(settings.device(), context);
        return open(settings, device, context.getMetricGroup(), "subtask" + subtask);
    }

    /** Opens a client for a DataStream function's subtask: its device, metrics and name. */
    public static CumoClient open(CumoSettings settings, RuntimeContext context) throws InterruptedException {
        int subtask = context.getTaskInfo().getIndexOfThisSubtask();
        DeviceSpec device = FlinkDevices.select(settings.device(), context);
        return open(settings, device, context.getMetricGroup(), "subtask" + subtask);
    }

    /**
     * Opens a client on a concrete device, loading the model if this JVM has no live copy.
     *
     * @param settings the parsed CuMo options ({@link CumoRuntimeOptions#settings})
     * @param device cpu or cuda:N
     * @param metricGroup where to register {@link CumoMetrics}, or null for none
     * @param name prefixes request ids, e.g. {@code subtask3}
     * @throws IllegalArgumentException if the model path is not a directory on this machine
     * @throws ModelLoadException if the model cannot be loaded
     * @throws IllegalStateException if DJL is missing or in a job's jar instead of Flink's lib/ ({@link DjlPlacement})
     */
    public static CumoClient open(CumoSettings settings, DeviceSpec device, MetricGroup metricGroup, String name)
            throws InterruptedException {
        DjlPlacement.check();
        Lease<CumoService> lease = CumoService.acquire(settings.spec(device));
        try {
            return new CumoClient(settings, lease, metricGroup, name);
        } catch (RuntimeException | Error e) {
            lease.close();
            throw e;
        }
    }

    /** What a failed request does. */
    public ErrorHandling errorHandling() {
        return errors.errorHandling();
    }

    /** The shared service this client submits to. */
    public CumoService service() {
        return service;
    }

    /** {@link #ask} with the {@code caption-prompt} question. */
    public CompletableFuture<CumoReply> caption(ImageRef image) {
        return ask(image, captionPrompt);
    }

    /**
     * Asks CuMo a question about an image. Preparation runs on the calling thread, which blocks while
     * the shared queue is full.
     *
     * @param image the image; {@link ImageRef#isNull() no image} gives {@link CumoReply#NULL_INPUT}
     * @param question the question; null gives {@link CumoReply#NULL_INPUT}
     * @return the reply after {@code error-handling}, with the answer's per-layer routing; under
     *     {@code fail} a failed request completes it exceptionally with a {@link CumoRequestException}
     */
    public CompletableFuture<CumoReply> ask(ImageRef image, String question) {
        if (image == null || image.isNull()) {
            return CompletableFuture.completedFuture(CumoReply.NULL_INPUT);
        }
        return ask(List.of(image), question);
    }

    /**
     * {@link #ask(ImageRef, String)} about several images, in order: the user message is one {@code
     * <image>} line per image, then the question (LLaVA's multi-image prompt). An empty list or a
     * question of null gives {@link CumoReply#NULL_INPUT}; a {@link ImageRef#isNull() null image} in
     * the list fails the request as bad input.
     */
    public CompletableFuture<CumoReply> ask(List<ImageRef> images, String question) {
        if (images == null || images.isEmpty() || question == null) {
            return CompletableFuture.completedFuture(CumoReply.NULL_INPUT);
        }
        return call(images, question, service::submit, service::trySubmit, this::answered);
    }

    /**
     * How likely each of {@code labels} is as CuMo's whole answer to a question about an image
     * ({@link io.flinkcumo.engine.CumoEngine#scoreLabels}), through the shared batcher: for
     * classification such as moderation. Retries and {@code error-handling} apply as in {@link #ask}.
     *
     * @param image the image; {@link ImageRef#isNull() no image} gives {@link CumoReply#NULL_INPUT}
     * @param question the question, e.g. naming the labels; null gives {@link CumoReply#NULL_INPUT}
     * @param labels the candidate answers, at least one
     * @return the reply with {@link CumoReply#scores()} after {@code error-handling}
     * @throws IllegalArgumentException if there are no labels or one is blank ({@link CumoService#checkLabels})
     */
    public CompletableFuture<CumoReply> classify(ImageRef image, String question, List<String> labels) {
        List<String> checked = CumoService.checkLabels(labels);
        if (image == null || image.isNull() || question == null) {
            return CompletableFuture.completedFuture(CumoReply.NULL_INPUT);
        }
        return call(List.of(image), question,
                prepared -> service.submitScores(prepared, checked),
                prepared -> service.trySubmitScores(prepared, checked),
                this::scored);
    }

    /**
     * {@link #ask} and wait, for synchronous functions.
     *
     * @throws CumoRequestException under {@code error-handling = fail}
     */
    public CumoReply askAndWait(ImageRef image, String question) {
        return await(ask(image, question));
    }

    /** Waits for a reply, rethrowing a {@link CumoRequestException} as it is. */
    public static <T> T await(CompletableFuture<T> reply) {
        try {
            return reply.get();
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

    /** How a request is queued the first time: blocking while the queue is full (back-pressure). */
    @FunctionalInterface
    private interface Submit<R> {
        CompletableFuture<R> apply(CumoEngine.Prepared prepared) throws InterruptedException;
    }

    /**
     * Prepares the request on the calling thread and submits it, retrying model failures without
     * blocking; bad input fails at once with a {@link CumoInputException}. The result becomes a
     * reply, or a failure under the error policy.
     */
    private <R> CompletableFuture<CumoReply> call(
            List<ImageRef> images, String question, Submit<R> submit,
            Function<CumoEngine.Prepared, CompletableFuture<R>> retry, BiFunction<R, Long, CumoReply> reply) {
        long start = System.nanoTime();
        CompletableFuture<R> result;
        try {
            CumoEngine.Prepared prepared = requests.prepare(images, question);
            result = errors.withRetries(submit.apply(prepared), () -> retry.apply(prepared));
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
        return result.handle((value, error) -> value != null
                ? reply.apply(value, millisSince(start))
                : errors.failed(error, RequestBuilder.describe(images), question, millisSince(start)));
    }

    private CumoReply answered(CumoResult result, long latencyMillis) {
        int tokens = result.generatedTokens(service.eosTokenId());
        if (metrics != null) {
            metrics.recordGeneratedTokens(tokens);
            metrics.recordRouting(result.routing());
        }
        return CumoReply.answered(result.answer(), tokens, latencyMillis, result.routing());
    }

    private CumoReply scored(LabelScores scores, long latencyMillis) {
        if (metrics != null) {
            metrics.recordRouting(scores.routing());
        }
        return CumoReply.scored(scores, latencyMillis);
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /** Detaches this operator's metrics if it was their last client, and releases the service lease. */
    @Override
    public void close() {
        try {
            if (metricsLease != null) {
                metricsLease.close();
            }
        } finally {
            lease.close();
        }
    }
}
