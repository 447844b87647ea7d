package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.flinkcumo.engine.CumoConfig;
import io.flinkcumo.engine.routing.Component;

/**
 * A Mistral / Mixtral decoder layer: x ← x + Attn(RMSNorm₁(x)); x ← x + MLP(RMSNorm₂(x)), where
 * the MLP is dense (Mistral) or Mixtral's {@code block_sparse_moe}.
 */
public record MistralDecoderLayer(
        RmsNorm inputLayernorm, MistralAttention selfAttn, RmsNorm postAttentionLayernorm, FeedForward mlp) {

    /**
     * Loads layer {@code layer} from {@code prefix} ({@code model.layers.{i}.}): {@code input_layernorm},
     * {@code self_attn}, {@code post_attention_layernorm}, and {@code mlp} (Mistral) or
     * {@code block_sparse_moe} (Mixtral, when the config has local experts).
     */
    public static MistralDecoderLayer load(Weights w, String prefix, CumoConfig.Llm l, int layer) {
        int h = l.hiddenSize();
        float eps = (float) l.rmsNormEps();
        MistralAttention attn = MistralAttention.load(w, prefix + "self_attn.", l);
        FeedForward mlp = l.isMoe()
                ? SparseMoe.load(w, prefix + "block_sparse_moe.", l.numLocalExperts(), l.numExpertsPerTok(), h, h, Component.LLM, layer,
                        expert -> MistralMlp.loadExpert(w, expert, l))
                : MistralMlp.load(w, prefix + "mlp.", l);
        return new MistralDecoderLayer(
                RmsNorm.load(w, prefix + "input_layernorm", h, eps),
                attn,
                RmsNorm.load(w, prefix + "post_attention_layernorm", h, eps),
                mlp);
    }

    /** x: [B, L, H]; tokens owns the B·L rows. */
    public NDArray forward(NDArray x, NDList rope, NDArray mask, KvCache cache, int layer, TokenOwners tokens) {
        NDArray h = x.add(selfAttn.forward(inputLayernorm.forward(x), rope, mask, cache, layer));
        var s = h.getShape();
        NDArray u = postAttentionLayernorm.forward(h).reshape(s.get(0) * s.get(1), s.get(2));
        return h.add(mlp.forward(u, tokens).reshape(s));
    }
}
