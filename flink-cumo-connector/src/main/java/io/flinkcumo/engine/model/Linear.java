package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * {@code nn.Linear}: y = x Wᵀ + b, with W of shape [out, in] as stored in the checkpoint. With
 * {@code scale} [out, 1] (weight-only int8), W is int8 and W_float = W · scale is rebuilt for each
 * call in the caller's scope, so only one layer's float weights exist at a time.
 */
public record Linear(NDArray weight, NDArray bias, NDArray scale) {

    public Linear(NDArray weight, NDArray bias) {
        this(weight, bias, null);
    }

    /** x: [..., in] → [..., out]. */
    public NDArray forward(NDArray x) {
        NDArray w = scale == null ? weight : weight.toType(x.getDataType(), false).muli(scale); // [out, in]
        return ai.djl.nn.core.Linear.linear(x, w, bias).singletonOrThrow();
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }
}
