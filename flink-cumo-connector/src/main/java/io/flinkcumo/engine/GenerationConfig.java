package io.flinkcumo.engine;

/**
 * How to pick generated tokens. {@code temperature <= 0} is greedy decoding (the reference's eval
 * mode); otherwise sampling applies temperature, then top-k (0 = off), then top-p (nucleus, 1 =
 * off), as Hugging Face does, from a random stream seeded by {@code seed} per request, so a
 * request's output does not depend on what it is batched with.
 */
public record GenerationConfig(int maxNewTokens, float temperature, float topP, int topK, long seed) {

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

    public boolean isGreedy() {
        return temperature <= 0;
    }
}
