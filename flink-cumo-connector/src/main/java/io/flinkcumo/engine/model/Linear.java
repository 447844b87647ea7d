package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;

/** {@code nn.Linear}: y = x Wᵀ + b, with W of shape [out, in] as stored in the checkpoint. */
public record Linear(NDArray weight, NDArray bias) {

    /** x: [..., in] → [..., out]. */
    public NDArray forward(NDArray x) {
        return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }
}
