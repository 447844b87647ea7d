package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;

/** {@code mlp2x_gelu}, the dense connector and each projector expert: Linear → GELU → Linear. */
public record ProjectorMlp(Linear fc0, Linear fc2) implements FeedForward {

    @Override
    public NDArray forward(NDArray x, TokenOwners tokens) {
        return fc2.forward(Activations.gelu(fc0.forward(x)));
    }
}
