package io.flinkcumo.runtime;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.configuration.Configuration;
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

    private final Map<String, String> options;
    private transient CumoClient client;

    /**
     * @param options CuMo options by key, e.g. {@code model-path}; validated in {@code open}
     */
    public CumoAsyncFunction(Map<String, String> options) {
        this.options = Map.copyOf(options);
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

    /** False for errors caused by the input itself. */
    public static boolean isRetryable(Throwable error) {
        while (error instanceof CompletionException && error.getCause() != null) {
            error = error.getCause();
        }
        return !(error instanceof CumoInputException)
                && !(error instanceof CumoRequestException request && request.isInputError());
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        client = CumoClient.open(Configuration.fromMap(options), getRuntimeContext());
    }

    @Override
    public void asyncInvoke(CumoQuestion input, ResultFuture<CumoAnswer> result) {
        client.ask(input.imageRef(), input.question).whenComplete((outcome, error) -> {
            if (error != null) {
                result.completeExceptionally(unwrap(error));
            } else {
                result.complete(List.of(CumoAnswer.of(input.id, outcome)));
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
        if (client == null || client.errorHandling() == ErrorHandling.FAIL) {
            super.timeout(input, result);
            return;
        }
        String error = client.errorHandling() == ErrorHandling.ERROR_COLUMN
                ? "timed out in Flink's async operator (the timeout of AsyncDataStream.orderedWait/unorderedWait)"
                : null;
        result.complete(List.of(CumoAnswer.of(input.id, new CumoOutcome(null, null, -1, error, null))));
    }

    @Override
    public void close() throws Exception {
        if (client != null) {
            client.close();
            client = null;
        }
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
