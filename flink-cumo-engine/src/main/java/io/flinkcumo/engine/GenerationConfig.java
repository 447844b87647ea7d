package io.flinkcumo.engine;

import java.io.Serializable;

/**
 * How to pick generated tokens. {@code temperature <= 0} is greedy decoding (the reference's eval
 * mode); otherwise sampling applies temperature, then top-k (0 = off), then top-p (nucleus, 1 =
 * off), as Hugging Face does, from a random stream seeded by {@code seed} per request, so a
 * request's output does not depend on what it is batched with. {@code ignoreEos} keeps generating
 * after EOS until {@code maxNewTokens} (for benchmarks that need answers of a given length, as
 * vLLM's {@code ignore_eos}).
 */
public record GenerationConfig(int maxNewTokens, float temperature, float topP, int topK, long seed, boolean ignoreEos)
        implements Serializable {

    /** A config that stops at EOS. */
    public GenerationConfig(int maxNewTokens, float temperature, float topP, int topK, long seed) {
        this(maxNewTokens, temperature, topP, topK, seed, false);
    }

    public GenerationConfig {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
        }
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0 (0 = off), got " + topK);
        }
    }

    /** Greedy decoding of at most {@code maxNewTokens}. */
    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, 0f, 1f, 0, 0L);
    }

    /** This config, generating exactly {@code maxNewTokens} tokens whatever the model predicts (EOS included). */
    public GenerationConfig withIgnoreEos() {
        return new GenerationConfig(maxNewTokens, temperature, topP, topK, seed, true);
    }

    public boolean isGreedy() {
        return temperature <= 0;
    }
}
