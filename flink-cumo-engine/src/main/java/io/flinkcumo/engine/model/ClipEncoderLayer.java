package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import io.flinkcumo.engine.CumoConfig;
import io.flinkcumo.engine.routing.Component;

/**
 * A pre-LN CLIP encoder layer whose MLP is a top-2 MoE in CuMo (or a dense CLIPMLP before
 * co-upcycling): h = x + Attn(LN1(x)); x' = h + MLP(LN2(h)).
 */
public record ClipEncoderLayer(LayerNorm layerNorm1, ClipAttention selfAttn, LayerNorm layerNorm2, FeedForward mlp) {

    /**
     * Loads layer {@code layer} from {@code prefix} ({@code …encoder.layers.{l}.}): layer_norm1,
     * self_attn, layer_norm2 and {@code mlp}, or with CLIP-MoE the router {@code gate} and
     * {@code experts.{x}} directly under the layer.
     */
    public static ClipEncoderLayer load(Weights w, String prefix, CumoConfig c, int layer) {
        CumoConfig.Vision v = c.vision();
        int d = v.hiddenSize();
        ClipAttention attn = ClipAttention.load(w, prefix + "self_attn.", v);
        FeedForward mlp = c.clipMoe()
                ? SparseMoe.load(w, prefix, c.numExperts(), c.numSelected(), d, d, Component.VISION, layer, expert -> ClipMlp.load(w, expert, v))
                : ClipMlp.load(w, prefix + "mlp.", v);
        return new ClipEncoderLayer(
                LayerNorm.load(w, prefix + "layer_norm1", d, v.layerNormEps()),
                attn,
                LayerNorm.load(w, prefix + "layer_norm2", d, v.layerNormEps()),
                mlp);
    }

    /** x: [n, T, D]; tokens owns the n·T rows. */
    public NDArray forward(NDArray x, TokenOwners tokens) {
        NDArray h = x.add(selfAttn.forward(layerNorm1.forward(x)));
        var s = h.getShape();
        NDArray u = layerNorm2.forward(h).reshape(s.get(0) * s.get(1), s.get(2));
        return h.add(mlp.forward(u, tokens).reshape(s));
    }
}
