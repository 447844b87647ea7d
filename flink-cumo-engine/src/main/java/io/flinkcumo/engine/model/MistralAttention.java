package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import io.flinkcumo.engine.CumoConfig;

/**
 * Mistral grouped-query attention: q/k/v/o projections without bias, RoPE on q and k, query head
 * h reading KV head h / (heads / kv_heads), scores scaled by 1/√d, additive mask, softmax in
 * float32. The query heads of one KV group are stacked so each group is one plain matmul against
 * its shared keys (no copy of K/V per query head).
 */
public record MistralAttention(Linear qProj, Linear kProj, Linear vProj, Linear oProj, int numHeads, int numKvHeads) {

    /** Loads {@code prefix} ({@code …self_attn.}): q_proj [heads·d, H], k_proj and v_proj [kv_heads·d, H], o_proj [H, heads·d]. */
    public static MistralAttention load(Weights w, String prefix, CumoConfig.Llm l) {
        int h = l.hiddenSize();
        int q = l.numAttentionHeads() * l.headDim();
        int kv = l.numKeyValueHeads() * l.headDim();
        return new MistralAttention(
                w.linear(prefix + "q_proj", q, h, false),
                w.linear(prefix + "k_proj", kv, h, false),
                w.linear(prefix + "v_proj", kv, h, false),
                w.linear(prefix + "o_proj", h, q, false),
                l.numAttentionHeads(),
                l.numKeyValueHeads());
    }

    /**
     * x: [B, L, H]; rope: cos/sin [B, 1, L, d]; mask: [B, 1, L, T] additive (0 or −∞) over the
     * cache slots [0, T) after this step's write. Without a cache ({@code null}, training) the
     * keys are this call's L positions.
     */
    public NDArray forward(NDArray x, NDList rope, NDArray mask, KvCache cache, int layer) {
        long b = x.getShape().get(0);
        long l = x.getShape().get(1);
        long d = qProj.outFeatures() / numHeads;
        int rep = numHeads / numKvHeads;
        NDArray q = RotaryEmbedding.apply(heads(qProj.forward(x), b, l, numHeads, d), rope); // [B, H, L, d]
        NDArray k = RotaryEmbedding.apply(heads(kProj.forward(x), b, l, numKvHeads, d), rope); // [B, KV, L, d]
        NDArray v = heads(vProj.forward(x), b, l, numKvHeads, d);
        NDList kv = cache == null ? new NDList(k, v) : cache.update(layer, k, v); // [B, KV, T, d] each
        long t = kv.get(0).getShape().get(2);
        NDArray grouped = q.reshape(b, numKvHeads, rep * l, d); // heads g·rep+r → group g
        NDArray scores = Scalars.mul(grouped.matMul(kv.get(0).transpose(0, 1, 3, 2)), (float) (1.0 / Math.sqrt(d)));
        scores = scores.reshape(b, numKvHeads, rep, l, t).add(mask.reshape(b, 1, 1, l, t));
        DataType type = scores.getDataType();
        NDArray probs = (type == DataType.FLOAT32 ? scores : scores.toType(DataType.FLOAT32, false))
                .softmax(-1)
                .toType(type, false);
        NDArray ctx = probs.reshape(b, numKvHeads, rep * l, t).matMul(kv.get(1)) // [B, KV, rep·L, d]
                .reshape(b, numHeads, l, d)
                .transpose(0, 2, 1, 3)
                .reshape(b, l, numHeads * d);
        return oProj.forward(ctx);
    }

    private static NDArray heads(NDArray x, long b, long l, int n, long d) {
        return x.reshape(b, l, n, d).transpose(0, 2, 1, 3);
    }
}
