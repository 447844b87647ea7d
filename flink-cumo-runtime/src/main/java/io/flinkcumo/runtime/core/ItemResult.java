package io.flinkcumo.runtime.core;

import java.util.Objects;

/**
 * The outcome of one request inside a batch, so that a batch function can fail one input (an
 * undecodable image, say) without failing its neighbours.
 *
 * @param <O> the output type
 */
public sealed interface ItemResult<O> {

    /** A successful result carrying {@code value}. */
    static <O> ItemResult<O> success(O value) {
        return new Success<>(value);
    }

    /** A failed result; the request's future completes exceptionally with {@code error}. */
    static <O> ItemResult<O> failure(Throwable error) {
        return new Failure<>(error);
    }

    /**
     * A produced value (may be null if the output type allows it).
     *
     * @param value the output
     * @param <O> the output type
     */
    record Success<O>(O value) implements ItemResult<O> {}

    /**
     * A per-item error.
     *
     * @param error why this item failed
     * @param <O> the output type
     */
    record Failure<O>(Throwable error) implements ItemResult<O> {
        /** Requires an error. */
        public Failure {
            Objects.requireNonNull(error, "error");
        }
    }
}
