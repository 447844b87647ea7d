package io.flinkcumo.runtime.core;

import java.util.Locale;

/** Values of the {@code error-handling} option: what a request that fails after its retries does. */
public enum ErrorHandling {
    /** Fail the job (Flink then restarts it according to its restart strategy). */
    FAIL,
    /** Emit NULL for the failed request and carry on. */
    NULL,
    /** Emit NULL and put the error message in an extra error column. */
    ERROR_COLUMN;

    /** The option form, e.g. {@code error-column}. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
