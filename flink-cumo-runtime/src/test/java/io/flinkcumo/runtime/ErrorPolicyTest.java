package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.CumoInputException;
import io.flinkcumo.runtime.core.CumoReply;
import io.flinkcumo.runtime.core.CumoRequestException;
import io.flinkcumo.runtime.core.ErrorHandling;
import io.flinkcumo.runtime.core.ErrorPolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Retries and {@code error-handling} of one client, without a model. */
class ErrorPolicyTest {

    private static final String LONG_QUESTION = "q".repeat(100);

    @Test
    void modelFailuresAreRetriedTheConfiguredNumberOfTimes() {
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> result = new ErrorPolicy(2, ErrorHandling.NULL).withRetries(
                CompletableFuture.failedFuture(new IllegalStateException("first")),
                () -> attempts.incrementAndGet() < 2
                        ? CompletableFuture.failedFuture(new IllegalStateException("again"))
                        : CompletableFuture.completedFuture("third time"));
        assertThat(result.join()).isEqualTo("third time");
        assertThat(attempts).hasValue(2);

        AtomicInteger more = new AtomicInteger();
        CompletableFuture<String> exhausted = new ErrorPolicy(2, ErrorHandling.NULL).withRetries(
                CompletableFuture.failedFuture(new IllegalStateException("first")),
                () -> {
                    more.incrementAndGet();
                    return CompletableFuture.failedFuture(new IllegalStateException("still failing"));
                });
        assertThatThrownBy(exhausted::join).hasRootCauseMessage("still failing");
        assertThat(more).as("retries after the first attempt").hasValue(2);
    }

    @Test
    void badInputIsNeverRetried() {
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> result = new ErrorPolicy(3, ErrorHandling.NULL).withRetries(
                CompletableFuture.failedFuture(new CumoInputException("invalid image: not an image")),
                () -> {
                    attempts.incrementAndGet();
                    return CompletableFuture.completedFuture("never");
                });
        assertThatThrownBy(result::join).hasRootCauseInstanceOf(CumoInputException.class);
        assertThat(attempts).hasValue(0);
    }

    @Test
    void errorHandlingDecidesWhatAFailedRowGets() {
        Throwable wrapped = new CompletionException(new TimeoutException("timed out after 5 s in the queue"));
        assertThatThrownBy(() -> new ErrorPolicy(0, ErrorHandling.FAIL).failed(wrapped, "image bytes", LONG_QUESTION, 7))
                .isInstanceOf(CumoRequestException.class)
                .hasMessage("CuMo failed on the row with image bytes and question \"" + "q".repeat(60)
                        + "...\": timed out after 5 s in the queue")
                .hasCauseInstanceOf(TimeoutException.class);

        CumoReply nulls = new ErrorPolicy(0, ErrorHandling.NULL).failed(wrapped, "image bytes", "Why?", 7);
        assertThat(nulls).isEqualTo(CumoReply.failed(7, null));
        assertThat(nulls.succeeded()).isFalse();
        assertThat(nulls.isNullInput()).isFalse();

        CumoReply column = new ErrorPolicy(0, ErrorHandling.ERROR_COLUMN)
                .failed(new IllegalStateException("device lost"), "image bytes", "Why?", 9);
        assertThat(column.error()).isEqualTo("IllegalStateException: device lost");
        assertThat(column.latencyOrNull()).isEqualTo(9L);
    }

    @Test
    void inputErrorsAreRecognisedThroughEveryWrapper() {
        CumoInputException input = new CumoInputException("the question is empty");
        assertThat(ErrorPolicy.isInputError(new CompletionException(new ExecutionException(input)))).isTrue();
        assertThat(ErrorPolicy.isInputError(new CumoRequestException("row x", input))).isTrue();
        assertThat(ErrorPolicy.isInputError(new CompletionException(new TimeoutException("late")))).isFalse();
        assertThat(ErrorPolicy.unwrap(new CompletionException(new ExecutionException(input)))).isSameAs(input);
        assertThat(CumoAsyncFunction.isRetryable(new CompletionException(input))).isFalse();
    }
}
