package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import io.flinkcumo.engine.CumoConfig;

/**
 * Mistral's SiLU-gated MLP, down(silu(gate(x)) ⊙ up(x)); also one Mixtral expert, where the same
 * three matrices are called w1 (gate), w3 (up) and w2 (down).
 */
public record MistralMlp(Linear gate, Linear up, Linear down) implements FeedForward {

    /** Mistral's MLP at {@code prefix}: {@code gate_proj}, {@code up_proj} [I, H] and {@code down_proj} [H, I]. */
    public static MistralMlp load(Weights w, String prefix, CumoConfig.Llm l) {
        int h = l.hiddenSize();
        int i = l.intermediateSize();
        return new MistralMlp(
                w.linear(prefix + "gate_proj", i, h, false), w.linear(prefix + "up_proj", i, h, false), w.linear(prefix + "down_proj", h, i, false));
    }

    /** A Mixtral expert at {@code prefix} ({@code …experts.{x}.}): {@code w1} (gate), {@code w3} (up), {@code w2} (down). */
    public static MistralMlp loadExpert(Weights w, String prefix, CumoConfig.Llm l) {
        int h = l.hiddenSize();
        int i = l.intermediateSize();
        return new MistralMlp(w.linear(prefix + "w1", i, h, false), w.linear(prefix + "w3", i, h, false), w.linear(prefix + "w2", h, i, false));
    }

    @Override
    public NDArray forward(NDArray x, TokenOwners tokens) {
        return down.forward(Activations.silu(gate.forward(x)).mul(up.forward(x)));
    }
}
