package io.flinkcumo.runtime.core;

import java.time.Duration;

/**
 * Range checks that name the offending option, shared by {@link BatcherConfig} and {@link
 * CumoRuntimeOptions}. Each check returns a problem description, or null when the value is fine.
 */
public final class Requirements {

    private Requirements() {}

    public static String atLeast(String option, long value, long min) {
        return value >= min ? null : option + " must be >= " + min + ", got " + value;
    }

    public static String notNegative(String option, Duration value) {
        return value.isNegative() ? option + " must not be negative, got " + Durations.format(value) : null;
    }

    public static String positive(String option, Duration value) {
        return value.isNegative() || value.isZero()
                ? option + " must be > 0, got " + Durations.format(value)
                : null;
    }

    /** Throws {@link IllegalArgumentException} with the first non-null problem. */
    public static void require(String... problems) {
        for (String problem : problems) {
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
        }
    }
}
