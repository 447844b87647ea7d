package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import io.flinkcumo.engine.routing.Component;

/**
 * Optional observer of intermediate values, for conformance tests and debugging. Arrays passed in
 * are only valid during the call (copy what you keep). All methods default to doing nothing.
 */
public interface ForwardTrace {

    ForwardTrace NONE = new ForwardTrace() {};

    /** Vision hidden states [crops, tokens, D]: k=0 after pre_layrnorm, k=l+1 after layer l. */
    default void visionHidden(int k, NDArray hidden) {}

    /** S² features V [images, patches, D·scales]. */
    default void visionFeatures(NDArray v) {}

    /** Projector output [images, patches, hidden]. */
    default void projectorOutput(NDArray rows) {}

    /** One MoE routing decision set: top-k expert ids and weights [N × k] for the rows' owners. */
    default void routing(Component c, int layer, int[] owners, int[] topIdx, float[] topW, int k) {}

    /**
     * Router logits [N, E] of one MoE block call (device array, part of the autograd graph when
     * training; rows in the block's token order, padding rows included). Used for the auxiliary
     * losses; a block may be called several times per forward (the vision tower runs in chunks).
     */
    default void routerLogits(Component c, int layer, NDArray logits) {}

    /** LLM residual stream during prefill [B, L, H]: k=0 spliced embeddings, k=i+1 after layer i. */
    default void llmHidden(int k, NDArray hidden) {}

    /** Logits [B, vocab] from which generated token {@code step} is chosen (step 0 = prefill). */
    default void logits(int step, NDArray logits) {}
}
