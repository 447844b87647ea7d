package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import io.flinkcumo.engine.CumoConfig;
import io.flinkcumo.engine.routing.Component;

/** {@code mlp2x_gelu}, the dense connector and each projector expert: Linear → GELU → Linear. */
public record ProjectorMlp(Linear fc0, Linear fc2) implements FeedForward {

    /** Loads {@code prefix} ({@code model.mm_projector.} or {@code …experts.{x}.}): {@code 0} [out, in] and {@code 2} [out, out], with biases. */
    public static ProjectorMlp load(Weights w, String prefix, int in, int out) {
        return new ProjectorMlp(w.linear(prefix + "0", out, in, true), w.linear(prefix + "2", out, out, true));
    }

    /**
     * The connector at {@code prefix}: the dense {@code mlp2x_gelu} or, with {@code mlp_smoe}, the
     * MLP-MoE (router {@code gate} and {@code experts.{x}}); CLIP features (width · scales) → H.
     */
    public static FeedForward loadConnector(Weights w, String prefix, CumoConfig c) {
        int in = c.projectorInputSize();
        int h = c.llm().hiddenSize();
        return c.projectorMoe()
                ? SparseMoe.load(w, prefix, c.numExperts(), c.numSelected(), in, h, Component.PROJECTOR, 0, expert -> load(w, expert, in, h))
                : load(w, prefix, in, h);
    }

    @Override
    public NDArray forward(NDArray x, TokenOwners tokens) {
        return fc2.forward(Activations.gelu(fc0.forward(x)));
    }
}
