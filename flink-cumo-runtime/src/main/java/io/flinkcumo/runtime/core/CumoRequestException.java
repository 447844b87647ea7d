package io.flinkcumo.runtime.core;

/**
 * A request that failed under {@code error-handling = fail}: the message names the row (its image
 * and question) and why it failed, and the cause is the original error. Thrown from a function it
 * fails the Flink task.
 */
public final class CumoRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CumoRequestException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether the request itself was bad ({@link CumoInputException}), so a retry cannot help. */
    public boolean isInputError() {
        return getCause() instanceof CumoInputException;
    }
}
