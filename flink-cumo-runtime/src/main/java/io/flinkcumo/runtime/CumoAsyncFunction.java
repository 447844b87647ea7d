package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.CumoAnswer;
import io.flinkcumo.runtime.core.CumoQuestion;
import io.flinkcumo.runtime.core.CumoReply;
import io.flinkcumo.runtime.core.CumoSettings;
import io.flinkcumo.runtime.core.ErrorHandling;
import io.flinkcumo.runtime.core.ErrorPolicy;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.AsyncRetryStrategy;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.apache.flink.streaming.util.retryable.AsyncRetryStrategies;

/**
 * CuMo for the DataStream API, with {@code AsyncDataStream.orderedWait} / {@code unorderedWait}
 * (and their {@code ...WithRetry} forms with {@link #retryStrategy}):
 *
 * <pre>{@code
 * DataStream<CumoAnswer> answers = AsyncDataStream.orderedWait(
 *         questions,
 *         new CumoAsyncFunction(Map.of("model-path", "/models/CuMo-mistral-7b", "max-batch-size", "8")),
 *         5, TimeUnit.MINUTES, 64);
 * }</pre>
 *
 * <p>All subtasks in a TaskManager share one model and one micro-batcher per device, so the
 * operator's capacity (in-flight requests per subtask) times the subtasks is what fills batches.
 * Options are those of {@link CumoRuntimeOptions}. Under {@code error-handling = fail} a failed
 * request fails its result future (so the retry strategy and then the job's restart strategy
 * apply); otherwise the {@link CumoAnswer} carries a null answer (and the error text under {@code
 * error-column}).
 */
public class CumoAsyncFunction extends RichAsyncFunction<CumoQuestion, CumoAnswer> {

    private static final long serialVersionUID = 1L;

    private final CumoSettings settings;
    private final CumoClientHolder holder = new CumoClientHolder("CumoAsyncFunction");

    /**
     * @param options CuMo options by key, e.g. {@code model-path}; parsed and validated here, once
     * @throws IllegalArgumentException listing every invalid option
     */
    public CumoAsyncFunction(Map<String, String> options) {
        this(CumoRuntimeOptions.settings(options));
    }

    /** @param settings the parsed CuMo options, as they travel to the TaskManagers */
    public CumoAsyncFunction(CumoSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * A retry strategy for {@code AsyncDataStream.*WaitWithRetry} that retries failed requests
     * (timeouts, model errors) but never bad input such as an undecodable image, which would fail
     * the same way again.
     *
     * @param maxAttempts attempts in total, at least 1
     * @param delay between attempts
     */
    public static AsyncRetryStrategy<CumoAnswer> retryStrategy(int maxAttempts, Duration delay) {
        return new AsyncRetryStrategies.FixedDelayRetryStrategyBuilder<CumoAnswer>(maxAttempts, delay.toMillis())
                .ifException((Predicate<Throwable> & Serializable) CumoAsyncFunction::isRetryable)
                .build();
    }

    /** False for errors caused by the input itself ({@link ErrorPolicy#isInputError}). */
    public static boolean isRetryable(Throwable error) {
        return !ErrorPolicy.isInputError(error);
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        holder.open(settings, getRuntimeContext());
    }

    @Override
    public void asyncInvoke(CumoQuestion input, ResultFuture<CumoAnswer> result) {
        holder.client().ask(input.imageRef(), input.question).whenComplete((reply, error) -> {
            if (error != null) {
                result.completeExceptionally(ErrorPolicy.unwrap(error));
            } else {
                result.complete(List.of(CumoAnswer.of(input.id, reply)));
            }
        });
    }

    /**
     * Flink's operator timeout (the {@code timeout} argument of {@code orderedWait}) expired. Under
     * {@code error-handling = fail} the job fails as usual; otherwise the row gets an answer with a
     * null answer (and the error text under {@code error-column}) instead of being lost.
     */
    @Override
    public void timeout(CumoQuestion input, ResultFuture<CumoAnswer> result) throws Exception {
        ErrorHandling errorHandling = holder.isOpen() ? holder.client().errorHandling() : ErrorHandling.FAIL;
        if (errorHandling == ErrorHandling.FAIL) {
            super.timeout(input, result);
            return;
        }
        String error = errorHandling == ErrorHandling.ERROR_COLUMN
                ? "timed out in Flink's async operator (the timeout of AsyncDataStream.orderedWait/unorderedWait)"
                : null;
        result.complete(List.of(CumoAnswer.of(input.id, CumoReply.failed(-1, error))));
    }

    @Override
    public void close() throws Exception {
        holder.close();
    }
}
