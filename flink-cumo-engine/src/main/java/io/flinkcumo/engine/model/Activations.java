package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** The three activations CuMo uses. */
final class Activations {

    private Activations() {}

    /** CLIP's quick_gelu: z·σ(1.702 z). */
    static NDArray quickGelu(NDArray z) {
        return z.mul(Activation.sigmoid(Scalars.mul(z, 1.702f)));
    }

    /** Exact (erf) GELU, as {@code nn.GELU()} in the projector. */
    static NDArray gelu(NDArray z) {
        return Activation.gelu(z);
    }

    /** SiLU: z·σ(z), Mistral's MLP activation. */
    static NDArray silu(NDArray z) {
        return z.mul(Activation.sigmoid(z));
    }
}
