package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.SparseFormat;
import io.flinkcumo.engine.CumoConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * HF {@code MistralForCausalLM} / {@code MixtralForCausalLM}: token embeddings, decoder layers,
 * final RMSNorm and lm_head. Its checkpoint names: {@code model.embed_tokens.weight} [V, H],
 * {@code model.layers.{i}.*} ({@link MistralDecoderLayer}), {@code model.norm.weight} [H],
 * {@code lm_head.weight} [V, H] (absent when tied to the embeddings).
 */
public final class MistralModel implements LanguageModel {

    private final NDArray embedTokens; // [V, H]
    private final List<MistralDecoderLayer> layers;
    private final RmsNorm norm;
    private final NDArray lmHead; // [V, H]
    private final RotaryEmbedding rotary;
    private final CumoConfig.Llm config;

    public MistralModel(
            CumoConfig.Llm config, NDArray embedTokens, List<MistralDecoderLayer> layers, RmsNorm norm, NDArray lmHead,
            RotaryEmbedding rotary) {
        this.config = config;
        this.embedTokens = embedTokens;
        this.layers = List.copyOf(layers);
        this.norm = norm;
        this.lmHead = lmHead;
        this.rotary = rotary;
    }

    /** Loads the language model whose tensors are named {@code prefix + "model.…"} and {@code prefix + "lm_head.weight"}. */
    public static MistralModel load(Weights w, String prefix, CumoConfig.Llm l) {
        int h = l.hiddenSize();
        float eps = (float) l.rmsNormEps();
        List<MistralDecoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < l.numHiddenLayers(); i++) {
            layers.add(MistralDecoderLayer.load(w, prefix + "model.layers." + i + ".", l, i));
        }
        NDArray embed = w.get(prefix + "model.embed_tokens.weight", l.vocabSize(), h);
        String head = prefix + "lm_head.weight";
        NDArray lmHead = l.tieWordEmbeddings() && !w.has(head) ? embed : w.get(head, l.vocabSize(), h);
        return new MistralModel(
                l, embed, layers, RmsNorm.load(w, prefix + "model.norm", h, eps), lmHead, new RotaryEmbedding(l.headDim(), l.ropeTheta()));
    }

    @Override
    public int numLayers() {
        return layers.size();
    }

    @Override
    public int hiddenSize() {
        return config.hiddenSize();
    }

    @Override
    public int numKeyValueHeads() {
        return config.numKeyValueHeads();
    }

    @Override
    public int headDim() {
        return config.headDim();
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    /** ids: int64 [...] → embeddings [..., H]. */
    @Override
    public NDArray embed(NDArray ids) {
        return ai.djl.nn.core.Embedding.embedding(ids, embedTokens, SparseFormat.DENSE).singletonOrThrow();
    }

    /** RoPE tables for {@code positions} in x's manager and type, then the decoder layers. */
    @Override
    public NDArray forward(NDArray x, int[][] positions, NDArray mask, KvCache cache, TokenOwners tokens, boolean trace) {
        var rope = rotary.tables(x.getManager(), positions, x.getDataType()); // cos, sin [B, 1, L, d]
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

    /** Final norm and lm_head on hidden [N, H] → logits [N, V]. */
    @Override
    public NDArray logits(NDArray hidden) {
        return ai.djl.nn.core.Linear.linear(norm.forward(hidden), lmHead, null).singletonOrThrow();
    }
}
