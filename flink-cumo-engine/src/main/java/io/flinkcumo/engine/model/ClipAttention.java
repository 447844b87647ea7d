package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import io.flinkcumo.engine.CumoConfig;

/** CLIP self-attention: q scaled by head_dim^-0.5 after its bias, no mask, out_proj with bias. */
public record ClipAttention(Linear qProj, Linear kProj, Linear vProj, Linear outProj, int numHeads) {

    /** Loads {@code prefix} ({@code …self_attn.}): q/k/v/out_proj, each [D, D] with a bias. */
    public static ClipAttention load(Weights w, String prefix, CumoConfig.Vision v) {
        int d = v.hiddenSize();
        return new ClipAttention(
                w.linear(prefix + "q_proj", d, d, true),
                w.linear(prefix + "k_proj", d, d, true),
                w.linear(prefix + "v_proj", d, d, true),
                w.linear(prefix + "out_proj", d, d, true),
                v.numAttentionHeads());
    }

    /** x: [n, T, D] → [n, T, D]. */
    public NDArray forward(NDArray x) {
        long n = x.getShape().get(0);
        long t = x.getShape().get(1);
        long d = x.getShape().get(2);
        long hd = d / numHeads;
        float scale = (float) Math.pow(hd, -0.5);
        NDArray q = heads(Scalars.mul(qProj.forward(x), scale), n, t, hd); // [n, H, T, hd]
        NDArray k = heads(kProj.forward(x), n, t, hd);
        NDArray v = heads(vProj.forward(x), n, t, hd);
        NDArray probs = q.matMul(k.transpose(0, 1, 3, 2)).softmax(-1); // [n, H, T, T]
        NDArray ctx = probs.matMul(v).transpose(0, 2, 1, 3).reshape(n, t, d);
        return outProj.forward(ctx);
    }

    private NDArray heads(NDArray x, long n, long t, long hd) {
        return x.reshape(n, t, numHeads, hd).transpose(0, 2, 1, 3);
    }
}
