package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * A Mistral / Mixtral decoder layer: x ← x + Attn(RMSNorm₁(x)); x ← x + MLP(RMSNorm₂(x)), where
 * the MLP is dense (Mistral) or Mixtral's {@code block_sparse_moe}.
 */
public record MistralDecoderLayer(
        RmsNorm inputLayernorm, MistralAttention selfAttn, RmsNorm postAttentionLayernorm, FeedForward mlp) {

    /** x: [B, L, H]; tokens owns the B·L rows. */
    public NDArray forward(NDArray x, NDList rope, NDArray mask, KvCache cache, int layer, TokenOwners tokens) {
        NDArray h = x.add(selfAttn.forward(inputLayernorm.forward(x), rope, mask, cache, layer));
        var s = h.getShape();
        NDArray u = postAttentionLayernorm.forward(h).reshape(s.get(0) * s.get(1), s.get(2));
        return h.add(mlp.forward(u, tokens).reshape(s));
    }
}
