package io.flinkcumo.runtime;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition with a generous limit instead of asserting on durations. */
final class Eventually {

    static final Duration LIMIT = Duration.ofSeconds(30);

    private Eventually() {}

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + LIMIT + " waiting until " + what);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting until " + what, e);
            }
        }
    }

    static void awaitWaiting(Thread thread) {
        await(
                thread.getName() + " blocks",
                () ->
                        thread.getState() == Thread.State.WAITING
                                || thread.getState() == Thread.State.TIMED_WAITING);
    }
}
