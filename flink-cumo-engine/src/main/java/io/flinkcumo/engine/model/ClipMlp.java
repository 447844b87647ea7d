package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;

/** CLIPMLP, one vision expert: fc1 → quick_gelu → fc2. */
public record ClipMlp(Linear fc1, Linear fc2) implements FeedForward {

    @Override
    public NDArray forward(NDArray x, TokenOwners tokens) {
        return fc2.forward(Activations.quickGelu(fc1.forward(x)));
    }
}
