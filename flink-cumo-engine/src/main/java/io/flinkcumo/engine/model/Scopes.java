package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

import java.util.function.Supplier;

/**
 * Frees a step's temporaries as soon as the step returns: every tensor created inside is closed
 * except the result. Used per layer and per decode step, so peak memory is one layer's
 * activations rather than a whole forward pass's. A caller that must keep another tensor created
 * inside (e.g. router logits for training losses) calls {@link NDScope#unregister} on it.
 *
 * <p>Training turns this off with {@link #retaining}: autograd saves tensors for the backward
 * pass (the index of a gather, a routing permutation), and a tensor DJL created from a Java array
 * is a view of a Java-owned buffer that closing releases to the garbage collector, so backward
 * would read freed memory. Under {@code retaining} the temporaries live until the caller's
 * manager (the training step's scope) closes.
 */
public final class Scopes {

    private static final ThreadLocal<Boolean> RETAINING = ThreadLocal.withInitial(() -> false);

    private Scopes() {}

    public static NDArray keep(Supplier<NDArray> step) {
        if (RETAINING.get()) {
            return step.get();
        }
        try (NDScope scope = new NDScope()) {
            NDArray result = step.get();
            NDScope.unregister(result);
            return result;
        }
    }

    /** Runs {@code body} with per-step freeing off on this thread (for a forward pass that autograd will differentiate). */
    public static <T> T retaining(Supplier<T> body) {
        boolean before = RETAINING.get();
        RETAINING.set(true);
        try {
            return body.get();
        } finally {
            RETAINING.set(before);
        }
    }
}
