package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;

/** Mistral's RMSNorm: w ⊙ x / sqrt(mean(x²) + ε), over the last axis, computed in float32. */
public record RmsNorm(NDArray weight, float eps) {

    /** Loads {@code prefix.weight} [width]. */
    public static RmsNorm load(Weights w, String prefix, int width, float eps) {
        return new RmsNorm(w.get(prefix + ".weight", width), eps);
    }

    public NDArray forward(NDArray x) {
        NDArray variance = x.square().mean(new int[] {-1}, true);
        return x.div(variance.add(eps).sqrt()).mul(weight);
    }
}
