package io.flinkcumo.runtime.core;

/**
 * A request that is wrong in itself: an image that cannot be read or decoded, an empty question, a
 * prompt the tokenizer refuses. It fails the same way every time, so it is never retried; the
 * {@code error-handling} option decides what the row gets instead.
 */
public final class CumoInputException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CumoInputException(String message) {
        super(message);
    }

    public CumoInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
