package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

import java.util.function.Supplier;

/**
 * Frees a step's temporaries as soon as the step returns: every tensor created inside is closed
 * except the result. Used per layer and per decode step, so peak memory is one layer's
 * activations rather than a whole forward pass's. A caller that must keep another tensor created
 * inside (e.g. router logits for training losses) calls {@link NDScope#unregister} on it.
 */
public final class Scopes {

    private Scopes() {}

    public static NDArray keep(Supplier<NDArray> step) {
        try (NDScope scope = new NDScope()) {
            NDArray result = step.get();
            NDScope.unregister(result);
            return result;
        }
    }
}
