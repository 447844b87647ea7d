package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** {@code nn.LayerNorm} over the last axis, with weight and bias. */
public record LayerNorm(NDArray weight, NDArray bias, float eps) {

    /** Loads {@code prefix.weight} and {@code prefix.bias} [width]. */
    public static LayerNorm load(Weights w, String prefix, int width, double eps) {
        return new LayerNorm(w.get(prefix + ".weight", width), w.get(prefix + ".bias", width), (float) eps);
    }

    public NDArray forward(NDArray x) {
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(weight.getShape().get(0)), weight, bias, eps)
                .singletonOrThrow();
    }
}
