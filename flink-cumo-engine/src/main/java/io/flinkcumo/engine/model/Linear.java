package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * {@code nn.Linear}: y = x Wᵀ + b, with W of shape [out, in] as stored in the checkpoint. With
 * {@code scale} [out, 1] (weight-only int8), W is int8 and W_float = W · scale is rebuilt for each
 * call in the caller's scope, so only one layer's float weights exist at a time. With {@code bf16},
 * W is bfloat16 and x Wᵀ is computed in bfloat16 by {@link BFloat16#linear}; b stays float32.
 */
public record Linear(NDArray weight, NDArray bias, NDArray scale, BFloat16 bf16) {

    public Linear(NDArray weight, NDArray bias) {
        this(weight, bias, null, null);
    }

    /** x: [..., in] → [..., out]. */
    public NDArray forward(NDArray x) {
        if (bf16 != null) {
            // [..., out] float32, made under torch's inference mode, which forbids in-place updates:
            // adding b (or one copy) yields an ordinary tensor at O(N·out) next to the O(N·out·in) matmul
            NDArray y = bf16.linear(x, weight);
            NDArray out = bias == null ? y.duplicate() : y.add(bias);
            y.close();
            return out;
        }
        NDArray w = scale == null ? weight : weight.toType(x.getDataType(), false).muli(scale); // [out, in]
        return ai.djl.nn.core.Linear.linear(x, w, bias).singletonOrThrow();
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }
}
