package io.flinkcumo.engine.image;

/**
 * Encoded image bytes that cannot be turned into pixels: empty, not a supported format, truncated,
 * corrupt, or larger than the configured limits. The message names the problem, e.g.
 * {@code "not a recognised image format (12 bytes with no PNG, ... signature)"} or
 * {@code "image is 100000x100000 = 10000000000 pixels, above the limit of 89478485"}.
 */
public class InvalidImageException extends IllegalArgumentException {

    public InvalidImageException(String message) {
        super(message);
    }

    public InvalidImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
