package io.flinkcumo.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Seeded sampling: reproducible, independent of batch neighbours, and degenerate cases equal greedy. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SamplingTest {

    private LlavaModel model;
    private final int[] prompt = {1, 1, 297, 298, 574, 543, 288, 324, 264, 263, 428, 563, 342, 298, 574};

    @BeforeAll
    void load() throws IOException {
        model = LlavaModel.load(Conformance.modelDir("tiny-mistral"));
    }

    @AfterAll
    void close() {
        model.close();
    }

    private int[] run(GenerationConfig config) {
        return model.generate(List.of(new ModelInput(prompt, List.of(), config)), null, io.flinkcumo.engine.model.ForwardTrace.NONE).get(0).tokenIds();
    }

    @Test
    void sameSeedSameTokensOtherSeedsDiffer() {
        GenerationConfig hot = new GenerationConfig(10, 1.5f, 1f, 0, 42);
        int[] first = run(hot);
        assertThat(run(hot)).containsExactly(first);
        Set<String> outputs = new HashSet<>();
        for (long seed = 0; seed < 6; seed++) {
            outputs.add(java.util.Arrays.toString(run(new GenerationConfig(10, 1.5f, 1f, 0, seed))));
        }
        assertThat(outputs).as("different seeds explore different continuations").hasSizeGreaterThan(1);
    }

    @Test
    void topKOneAndTinyTopPAreGreedy() {
        int[] greedy = run(GenerationConfig.greedy(8));
        assertThat(run(new GenerationConfig(8, 1.0f, 1f, 1, 7))).containsExactly(greedy);
        assertThat(run(new GenerationConfig(8, 1.0f, 1e-6f, 0, 7))).containsExactly(greedy);
    }

    @Test
    void samplingDoesNotDependOnBatchNeighbours() {
        GenerationConfig sampled = new GenerationConfig(8, 1.2f, 0.9f, 50, 3);
        int[] alone = run(sampled);
        List<ModelOutput> batch = model.generate(List.of(
                new ModelInput(new int[] {1, 300, 301}, List.of(), GenerationConfig.greedy(5)),
                new ModelInput(prompt, List.of(), sampled),
                new ModelInput(prompt, List.of(), new GenerationConfig(8, 1.2f, 0.9f, 50, 99))), null, io.flinkcumo.engine.model.ForwardTrace.NONE);
        assertThat(batch.get(1).tokenIds()).containsExactly(alone);
    }

    @Test
    void invalidConfigsAreRejected() {
        assertThatThrownBy(() -> new GenerationConfig(0, 0, 1, 0, 0)).hasMessageContaining("max new tokens");
        assertThatThrownBy(() -> new GenerationConfig(5, -1, 1, 0, 0)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new GenerationConfig(5, Float.NaN, 1, 0, 0)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new GenerationConfig(5, 1, 0, 0, 0)).hasMessageContaining("top-p");
        assertThatThrownBy(() -> new GenerationConfig(5, 1, 1, -2, 0)).hasMessageContaining("top-k");
    }

    @Test
    void promptLongerThanTheContextIsAClearError() {
        int[] longPrompt = new int[5000];
        java.util.Arrays.fill(longPrompt, 300);
        assertThatThrownBy(() -> model.generate(List.of(new ModelInput(longPrompt, List.of(), GenerationConfig.greedy(2))), null, io.flinkcumo.engine.model.ForwardTrace.NONE))
                .hasMessageContaining("the context holds 4096");
        int[] fits = new int[4094];
        java.util.Arrays.fill(fits, 300);
        ModelOutput out = model.generate(List.of(new ModelInput(fits, List.of(), GenerationConfig.greedy(10))), null, io.flinkcumo.engine.model.ForwardTrace.NONE).get(0);
        assertThat(out.tokenIds()).as("generation stops at the context end").hasSizeLessThanOrEqualTo(2);
    }
}
