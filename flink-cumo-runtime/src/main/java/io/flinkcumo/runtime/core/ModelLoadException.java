package io.flinkcumo.runtime.core;

/**
 * Thrown to every caller of {@link SharedModelRegistry#acquire} that asked for a model whose load
 * failed. The cause is the loader's original error; the failed load is not cached.
 */
public final class ModelLoadException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ModelLoadException(Object key, Throwable cause) {
        super("failed to load model " + key + ": " + cause, cause);
    }
}
