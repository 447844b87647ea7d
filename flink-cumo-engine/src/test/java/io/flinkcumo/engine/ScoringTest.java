package io.flinkcumo.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.StreamSupport;

/** Continuation and label scoring: teacher forcing gives the same probabilities as generation. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScoringTest {

    private LlavaModel model;

    @BeforeAll
    void load() throws IOException {
        model = LlavaModel.load(Conformance.modelDir("tiny-mixtral"));
    }

    @AfterAll
    void close() {
        model.close();
    }

    private static ModelInput input(String caseId, int maxNew) {
        JsonNode c = StreamSupport.stream(Conformance.cases().get("cases").spliterator(), false)
                .filter(x -> x.get("id").asText().equals(caseId)).findFirst().orElseThrow();
        List<float[]> pixels = new ArrayList<>();
        c.get("images").forEach(i -> pixels.add(Conformance.pixels(i.asText())));
        return new ModelInput(Conformance.intArray(c.get("input_ids")), pixels, GenerationConfig.greedy(maxNew));
    }

    /** Σ_j log softmax(logits of step j)[ids_j] from a traced greedy run. */
    private double generatedLogLikelihood(ModelInput in, int[] ids) {
        CapturingTrace trace = new CapturingTrace();
        model.generate(List.of(in), null, trace);
        double sum = 0;
        for (int j = 0; j < ids.length; j++) {
            float[] row = trace.logitsRow(j, 0);
            double max = Double.NEGATIVE_INFINITY;
            for (float v : row) {
                max = Math.max(max, v);
            }
            double z = 0;
            for (float v : row) {
                z += Math.exp(v - max);
            }
            sum += row[ids[j]] - max - Math.log(z);
        }
        return sum;
    }

    @Test
    void teacherForcedScoreEqualsGenerationLogLikelihood() {
        ModelInput in = input("mixtral_chelsea", 6);
        int[] greedy = model.generate(List.of(in), null, io.flinkcumo.engine.model.ForwardTrace.NONE).get(0).tokenIds();
        assertThat(greedy.length).isGreaterThanOrEqualTo(3);
        int[] prefix = Arrays.copyOf(greedy, 3);
        double expected = generatedLogLikelihood(in, prefix);
        double[] scored = model.score(List.of(in), List.of(prefix, new int[] {greedy[0]})).get(0).logProbs();
        assertThat(scored[0]).isCloseTo(expected, offset(1e-3));
        assertThat(scored[1]).isCloseTo(generatedLogLikelihood(in, new int[] {greedy[0]}), offset(1e-3));
        assertThat(scored[0]).isLessThan(scored[1]); // a longer continuation can only be less likely than its first token
    }

    @Test
    void batchingAndPaddingDoNotChangeScores() {
        List<ModelInput> prompts = List.of(input("mixtral_chelsea", 1), input("mixtral_text_only", 1), input("mixtral_tiny", 1));
        List<int[]> conts = List.of(new int[] {300}, new int[] {301, 302, 303, 2}, new int[] {2}, new int[] {450, 451});
        List<LlavaModel.ContinuationScores> together = model.score(prompts, conts);
        for (int r = 0; r < prompts.size(); r++) {
            for (int k = 0; k < conts.size(); k++) {
                double alone = model.score(List.of(prompts.get(r)), List.of(conts.get(k))).get(0).logProbs()[0];
                assertThat(together.get(r).logProbs()[k]).as("prompt %d continuation %d", r, k).isCloseTo(alone, offset(1e-4));
            }
        }
        assertThat(together.get(0).routing().layers()).isNotEmpty();
    }

    @Test
    void labelScoresAreADistributionOverLabels() throws IOException {
        try (CumoEngine engine = CumoEngine.load(Conformance.modelDir("tiny-mistral"))) {
            byte[] image = Files.readAllBytes(Conformance.dir().resolve("images/chelsea.png"));
            List<String> labels = List.of("safe", "violence", "nudity", "weapons");
            List<LabelScores> scores = engine.scoreLabels(
                    List.of(CumoRequest.of("a", image, "Which category fits this image?", GenerationConfig.greedy(1))), labels);
            LabelScores s = scores.get(0);
            assertThat(Arrays.stream(s.probabilities()).sum()).isCloseTo(1.0, offset(1e-9));
            assertThat(Arrays.stream(s.logProbs()).max().orElseThrow()).isNegative();
            int best = labels.indexOf(s.best());
            assertThat(s.logProbs()[best]).isEqualTo(Arrays.stream(s.logProbs()).max().orElseThrow());
            assertThatThrownBy(() -> engine.scoreLabels(List.of(), List.of(" "))).hasMessageContaining("labels must not be empty");
        }
    }
}
