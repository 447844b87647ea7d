package io.flinkcumo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkcumo.engine.CumoConfig;
import io.flinkcumo.engine.LlavaModel;
import io.flinkcumo.engine.train.Evaluator;
import io.flinkcumo.engine.train.ShapesDataset;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/**
 * The embedded default model is the trained co-upcycled CuMo model: it loads as CuMo (MoE in the
 * CLIP tower and the projector) and answers the questions about the bundled sample images, which
 * it never saw in training (drawn from another seed than its training set).
 */
class BundledModelTest {

    private static final Path SAMPLES = ModelOptions.home().resolve("samples/shapes");

    @Test
    void isACoUpcycledCuMoModel() throws Exception {
        try (LlavaModel model = LlavaModel.load(ModelOptions.bundledModel())) {
            CumoConfig c = model.config();
            assertThat(c.clipMoe()).isTrue();
            assertThat(c.projectorMoe()).isTrue();
        }
    }

    @Test
    void answersQuestionsAboutTheSampleImages() throws Exception {
        Evaluator.Result r = Evaluator.evaluate(ModelOptions.bundledModel(), SAMPLES, "test", 0, 16);
        assertThat(r.correctAndTotal().values().stream().mapToInt(ct -> ct[1]).sum())
                .isEqualTo(ShapesDataset.TYPES.size() * ShapesDataset.read(SAMPLES, "test").size());
        assertThat(r.accuracy()).as("exact-match accuracy on the sample questions, examples: %s",
                r.examples().stream().map(e -> e[0] + " -> " + e[2] + " (expected " + e[1] + ")").toList())
                .isGreaterThanOrEqualTo(0.8);
    }

    @Test
    void answersFromTheCommandLine() {
        // samples/shapes/images/00000.png: a small blue circle (left), a large red triangle (center), a small green square (right)
        String image = SAMPLES.resolve("images/00000.png").toString();
        CliRun run = CliRun.of("answer", "--image", image, "--question", "What shape is the red object?");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out().strip()).isEqualToIgnoringCase("triangle");
    }
}
