package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Multiplication by a constant that stays correct under autograd.
 *
 * <p>DJL's {@code NDArray.mul(Number)} (PyTorch engine, CPU) wraps the constant in a tensor that
 * views a Java direct buffer and closes it as soon as the product exists. Autograd saves that
 * tensor for the backward pass (d(x·c)/dx = c), and once the buffer is garbage-collected the
 * backward pass reads freed memory: gradients turn to garbage or NaN, depending on when the
 * collector ran. Here the constant is a tensor libtorch allocates ({@code full}), which autograd
 * keeps alive by reference count. Inference is unaffected either way; every constant factor on
 * a path training differentiates goes through this.
 */
public final class Scalars {

    private Scalars() {}

    /** x·c, c a libtorch-owned 0-d tensor of x's type on x's device. */
    public static NDArray mul(NDArray x, float c) {
        return x.mul(x.getManager().full(new Shape(), c, x.getDataType()));
    }
}
