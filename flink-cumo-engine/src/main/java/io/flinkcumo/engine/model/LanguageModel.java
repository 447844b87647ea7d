package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * The decoder-only language model a CuMo-style model feeds its spliced image rows into, as
 * {@link Generator}, {@link ContinuousBatch} and training use it: token embeddings, a forward pass
 * over new positions (with a {@link KvCache} or, in training, without), and the final norm with
 * lm_head. A model family (see {@link ModelFamily}) supplies one; {@link MistralModel} is the
 * Mistral / Mixtral one.
 */
public interface LanguageModel {

    /** Decoder layers (one KV cache layer each). */
    int numLayers();

    /** Width of the residual stream, H. */
    int hiddenSize();

    /** Key/value heads per layer (the KV cache's second axis). */
    int numKeyValueHeads();

    /** Width of one attention head, d. */
    int headDim();

    /** Token ids are in [0, vocabSize). */
    int vocabSize();

    /** ids: int64 [...] → embeddings [..., H]. */
    NDArray embed(NDArray ids);

    /**
     * Runs the decoder layers over x [B, L, H], whose row b, position t sits at position
     * {@code positions[b][t]} of its sequence; {@code mask} [B, 1, L, T] is additive over the cache
     * slots [0, T) after this call's write (see {@link CausalMask}). Writes the cache, or attends
     * only within x when {@code cache} is null (training). With {@code trace}, reports each layer's
     * output to {@code tokens.trace()}. Returns the residual stream [B, L, H] before the final norm.
     */
    NDArray forward(NDArray x, int[][] positions, NDArray mask, KvCache cache, TokenOwners tokens, boolean trace);

    /** Final norm and lm_head on hidden [N, H] → logits [N, V]. */
    NDArray logits(NDArray hidden);
}
