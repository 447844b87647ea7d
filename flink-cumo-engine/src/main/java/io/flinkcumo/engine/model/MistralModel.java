package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.SparseFormat;

import java.util.List;

/** The language model: token embeddings, decoder layers, final RMSNorm and lm_head. */
public final class MistralModel {

    private final NDArray embedTokens; // [V, H]
    private final List<MistralDecoderLayer> layers;
    private final RmsNorm norm;
    private final NDArray lmHead; // [V, H]
    private final RotaryEmbedding rotary;

    public MistralModel(
            NDArray embedTokens, List<MistralDecoderLayer> layers, RmsNorm norm, NDArray lmHead, RotaryEmbedding rotary) {
        this.embedTokens = embedTokens;
        this.layers = List.copyOf(layers);
        this.norm = norm;
        this.lmHead = lmHead;
        this.rotary = rotary;
    }

    public int numLayers() {
        return layers.size();
    }

    public RotaryEmbedding rotary() {
        return rotary;
    }

    /** ids: int64 [...] → embeddings [..., H]. */
    public NDArray embed(NDArray ids) {
        return ai.djl.nn.core.Embedding.embedding(ids, embedTokens, SparseFormat.DENSE).singletonOrThrow();
    }

    /**
     * Runs the decoder layers over x [B, L, H], writing the cache (or attending only within x when
     * {@code cache} is null, as in training); returns the residual stream [B, L, H].
     */
    public NDArray forward(NDArray x, NDList rope, NDArray mask, KvCache cache, TokenOwners tokens, boolean trace) {
        for (int i = 0; i < layers.size(); i++) {
            MistralDecoderLayer layer = layers.get(i);
            NDArray in = x;
            int index = i;
            if (in.getShape().get(1) > 1) { // prefill / scoring: free each layer's (large) temporaries at once
                x = Scopes.keep(() -> layer.forward(in, rope, mask, cache, index, tokens));
                if (i > 0) {
                    in.close(); // the previous layer's output (the caller's input is the caller's to close)
                }
            } else { // one-token decode steps are scoped per step by the caller
                x = layer.forward(in, rope, mask, cache, index, tokens);
            }
            if (trace) {
                tokens.trace().llmHidden(i + 1, x);
            }
        }
        if (cache != null) {
            cache.advance((int) x.getShape().get(1));
        }
        return x;
    }

    /** Final norm and lm_head on hidden [B, H] → logits [B, V]. */
    public NDArray logits(NDArray hidden) {
        return ai.djl.nn.core.Linear.linear(norm.forward(hidden), lmHead, null).singletonOrThrow();
    }
}
