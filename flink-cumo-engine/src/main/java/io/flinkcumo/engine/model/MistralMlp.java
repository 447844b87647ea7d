package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * Mistral's SiLU-gated MLP, down(silu(gate(x)) ⊙ up(x)); also one Mixtral expert, where the same
 * three matrices are called w1 (gate), w3 (up) and w2 (down).
 */
public record MistralMlp(Linear gate, Linear up, Linear down) implements FeedForward {

    @Override
    public NDArray forward(NDArray x, TokenOwners tokens) {
        return down.forward(Activations.silu(gate.forward(x)).mul(up.forward(x)));
    }
}
