package io.flinkcumo.runtime.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a failed request does: it is retried {@code retries} times unless the input itself is bad
 * ({@link CumoInputException}), then {@code error-handling} decides: {@code fail} throws a {@link
 * CumoRequestException} naming the row, {@code null} gives a reply without answer, {@code
 * error-column} a reply without answer and with the error text. No row is ever dropped. The first
 * failure is logged as one line at WARN, every failure with its stack trace at DEBUG.
 *
 * <p>Flink-free; one per {@link io.flinkcumo.runtime.CumoClient}.
 */
public final class ErrorPolicy {

    /** Named after the client, so that existing logging configurations keep applying. */
    private static final Logger LOG = LoggerFactory.getLogger("io.flinkcumo.runtime.CumoClient");

    private static final int QUESTION_PREVIEW = 60;

    private final int retries;
    private final ErrorHandling errorHandling;
    private final AtomicBoolean loggedFailure = new AtomicBoolean();

    /**
     * @param retries how often a failed request is submitted again (model errors, timeouts; never bad input)
     * @param errorHandling what a request that failed after its retries gives
     */
    public ErrorPolicy(int retries, ErrorHandling errorHandling) {
        this.retries = retries;
        this.errorHandling = errorHandling;
    }

    /** What a request that failed after its retries gives. */
    public ErrorHandling errorHandling() {
        return errorHandling;
    }

    /**
     * {@code first}, followed by up to {@code retries} further attempts made by {@code retry} while
     * the failure is not bad input. {@code retry} runs on the dispatcher or timeout thread, so it must
     * never block (on a full queue, say).
     */
    public <R> CompletableFuture<R> withRetries(CompletableFuture<R> first, Supplier<CompletableFuture<R>> retry) {
        CompletableFuture<R> result = first;
        for (int i = 0; i < retries; i++) {
            result = result.exceptionallyCompose(error -> isInputError(error)
                    ? CompletableFuture.failedFuture(error)
                    : retry.get());
        }
        return result;
    }

    /**
     * The reply to a request that failed after its retries.
     *
     * @param error why, wrapped or not
     * @param row how the row is named in messages: its image(s)
     * @param question the question, shortened in messages
     * @param latencyMillis from the call to the failure
     * @throws CumoRequestException under {@code error-handling = fail}
     */
    public CumoReply failed(Throwable error, String row, String question, long latencyMillis) {
        error = unwrap(error);
        String reason = reason(error);
        String named = row + " and question \"" + preview(question) + "\"";
        if (errorHandling == ErrorHandling.FAIL) {
            throw new CumoRequestException("CuMo failed on the row with " + named + ": " + reason, error);
        }
        if (loggedFailure.compareAndSet(false, true)) {
            // one line at WARN; the stack trace only at DEBUG (a rejected row is data, not a bug)
            LOG.warn("CuMo failed on the row with {} ({}; error-handling={}, later failures are logged at"
                    + " debug level and counted in the 'failures' metric)", named, reason, errorHandling);
        }
        LOG.debug("CuMo failed on the row with {}: {}", named, reason, error);
        return CumoReply.failed(latencyMillis, errorHandling == ErrorHandling.ERROR_COLUMN ? reason : null);
    }

    /** The error inside the wrappers of {@link CompletableFuture} ({@link CompletionException}, {@link ExecutionException}). */
    public static Throwable unwrap(Throwable error) {
        while ((error instanceof CompletionException || error instanceof ExecutionException) && error.getCause() != null) {
            error = error.getCause();
        }
        return error;
    }

    /** True for errors caused by the input itself, which a retry cannot help. */
    public static boolean isInputError(Throwable error) {
        error = unwrap(error);
        return error instanceof CumoInputException
                || error instanceof CumoRequestException request && request.isInputError();
    }

    private static String reason(Throwable error) {
        if (error instanceof CumoInputException || error instanceof TimeoutException) {
            return error.getMessage();
        }
        return error.getClass().getSimpleName() + ": " + error.getMessage();
    }

    private static String preview(String question) {
        return question.length() <= QUESTION_PREVIEW ? question : question.substring(0, QUESTION_PREVIEW) + "...";
    }
}
