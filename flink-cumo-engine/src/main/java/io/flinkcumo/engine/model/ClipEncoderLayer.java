package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * A pre-LN CLIP encoder layer whose MLP is a top-2 MoE in CuMo (or a dense CLIPMLP before
 * co-upcycling): h = x + Attn(LN1(x)); x' = h + MLP(LN2(h)).
 */
public record ClipEncoderLayer(LayerNorm layerNorm1, ClipAttention selfAttn, LayerNorm layerNorm2, FeedForward mlp) {

    /** x: [n, T, D]; tokens owns the n·T rows. */
    public NDArray forward(NDArray x, TokenOwners tokens) {
        NDArray h = x.add(selfAttn.forward(layerNorm1.forward(x)));
        var s = h.getShape();
        NDArray u = layerNorm2.forward(h).reshape(s.get(0) * s.get(1), s.get(2));
        return h.add(mlp.forward(u, tokens).reshape(s));
    }
}
