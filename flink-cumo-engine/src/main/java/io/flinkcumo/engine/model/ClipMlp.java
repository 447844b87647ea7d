package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import io.flinkcumo.engine.CumoConfig;

/** CLIPMLP, one vision expert: fc1 → quick_gelu → fc2. */
public record ClipMlp(Linear fc1, Linear fc2) implements FeedForward {

    /** Loads {@code prefix} ({@code …mlp.} or {@code …experts.{x}.}): fc1 [F, D] and fc2 [D, F], with biases. */
    public static ClipMlp load(Weights w, String prefix, CumoConfig.Vision v) {
        int d = v.hiddenSize();
        int f = v.intermediateSize();
        return new ClipMlp(w.linear(prefix + "fc1", f, d, true), w.linear(prefix + "fc2", d, f, true));
    }

    @Override
    public NDArray forward(NDArray x, TokenOwners tokens) {
        return fc2.forward(Activations.quickGelu(fc1.forward(x)));
    }
}
