package io.flinkcumo.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkcumo.engine.CheckpointGenerator;
import io.flinkcumo.engine.CumoConfig;
import io.flinkcumo.engine.LlavaModel;
import io.flinkcumo.engine.safetensors.Dtype;
import io.flinkcumo.engine.text.CumoTokenizer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Short training runs on a very small model (crop 28, widths 16/32): a few steps of each stage
 * lower the loss, stage 3 adds the auxiliary losses, checkpoints load with {@link LlavaModel#load},
 * and a run resumes from its saved state.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainerTest {

    @TempDir
    static Path tmp;
    private Path data;
    private Path dense;

    @BeforeAll
    void setUp() throws Exception {
        data = tmp.resolve("data");
        new ShapesDataset(112).write(data, 8, 2, 3);
        dense = tmp.resolve("dense");
        new CheckpointGenerator(new CheckpointGenerator.Spec(false, 28, 16, 32, 2, 2, 32, 64, 1, 2, 1, 4, 2, 4, Dtype.F32, 1, 1)
                .asDense()).write(dense);
    }

    private List<Trainer.StepLoss> train(int stage, Path model, Path out, int steps, boolean aux, boolean resume) throws Exception {
        Trainer.Options o = new Trainer.Options(stage, model, data, out, 20, steps, 4, 3e-3f, 0f, 0f, aux, 0, 0, resume, 1f);
        return new Trainer(o, new PrintStream(new ByteArrayOutputStream())).run();
    }

    @Test
    void stagesLowerTheLossAndWriteLoadableCheckpoints() throws Exception {
        // same two batches repeated (2 steps per epoch): the loss on them must fall
        List<Trainer.StepLoss> s1 = train(1, dense, tmp.resolve("s1"), 4, false, false);
        assertThat(s1.get(3).ce()).isLessThan(s1.get(1).ce());
        List<Trainer.StepLoss> s2 = train(2, tmp.resolve("s1"), tmp.resolve("s2"), 5, false, false);
        assertThat(s2.get(4).ce()).isLessThan(s2.get(0).ce() * 0.9);

        Path moe = tmp.resolve("moe");
        new Upcycler(4, 2, 0).upcycle(tmp.resolve("s2"), moe);
        List<Trainer.StepLoss> s3 = train(3, moe, tmp.resolve("s3"), 4, true, false);
        assertThat(s3.get(3).loss()).isLessThan(s3.get(1).loss());
        assertThat(s3).allSatisfy(l -> {
            assertThat(l.balance()).isGreaterThan(0);
            assertThat(l.z()).isGreaterThan(0);
            assertThat(l.loss()).isCloseTo(l.ce() + 0.1 * l.balance() + 0.01 * l.z(), org.assertj.core.data.Offset.offset(1e-3));
            assertThat(l.gradNorm()).isPositive().isFinite();
        });
        try (LlavaModel m = LlavaModel.load(tmp.resolve("s3"))) {
            CumoConfig c = m.config();
            assertThat(c.clipMoe()).isTrue();
            assertThat(c.projectorMoe()).isTrue();
        }
        assertThat(Files.readAllLines(tmp.resolve("s3/trainer/log.tsv"))).hasSize(5);
    }

    @Test
    void stageThreeTrainsOnQuestionsAndDescriptionsOfTheImage() throws Exception {
        Trainer t = new Trainer(new Trainer.Options(3, dense, data, tmp.resolve("unused"), 1, 1, 1, 1e-3f, 0f, 0f, true, 0, 0, false, 1f),
                new PrintStream(new ByteArrayOutputStream()));
        ShapesDataset.Sample sample = ShapesDataset.read(data, "train").get(0);
        java.util.Set<String> expected = new java.util.HashSet<>();
        sample.qa().forEach(q -> expected.add(q.answer()));
        expected.add(sample.detail());
        java.util.Set<String> seen = new java.util.HashSet<>();
        try (CumoTokenizer tokenizer = CumoTokenizer.load(dense)) {
            for (int seed = 0; seed < 40; seed++) {
                TrainingExample ex = t.example(0, sample, tokenizer, new java.util.SplittableRandom(seed));
                // the supervised spans, decoded: each is one answer followed by </s>
                java.util.List<Integer> span = new java.util.ArrayList<>();
                for (int i = 0; i < ex.ids().length; i++) {
                    if (ex.labels()[i] != TrainingExample.IGNORE_INDEX) {
                        span.add(ex.labels()[i]);
                    } else if (!span.isEmpty()) {
                        seen.add(tokenizer.decode(span.stream().mapToInt(Integer::intValue).toArray(), true).strip());
                        span.clear();
                    }
                }
                if (!span.isEmpty()) {
                    seen.add(tokenizer.decode(span.stream().mapToInt(Integer::intValue).toArray(), true).strip());
                }
            }
        }
        assertThat(seen).containsAll(expected);
        String caption = sample.caption();
        assertThat(seen).contains(Character.toUpperCase(caption.charAt(0)) + caption.substring(1));
    }

    @Test
    void clipsTheGlobalGradientNormToTheMaximum() {
        assertThat(Trainer.clipScale(4.0, 1f)).isCloseTo(0.25f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(Trainer.clipScale(0.5, 1f)).isEqualTo(1f);
        assertThat(Trainer.clipScale(1e9, 0f)).isEqualTo(1f); // 0 = clipping off
        assertThatThrownBy(() -> new Trainer.Options(2, dense, data, tmp, 1, 1, 1, 1e-3f, 0f, 0f, false, 0, 0, false, -1f))
                .hasMessageContaining("max gradient norm");
    }

    @Test
    void resumesWhereItStopped() throws Exception {
        Path out = tmp.resolve("resume");
        List<Trainer.StepLoss> first = train(2, dense, out, 2, false, false);
        assertThat(first).hasSize(2);
        List<Trainer.StepLoss> rest = train(2, dense, out, 3, false, true);
        assertThat(rest).extracting(Trainer.StepLoss::step).containsExactly(3);
        assertThat(rest.get(0).loss()).isLessThan(first.get(0).loss());
        assertThat(Files.readString(out.resolve("trainer/state.json"))).contains("\"optimizer_steps\" : 3");
        assertThat(Files.readAllLines(out.resolve("trainer/log.tsv"))).hasSize(4);
    }
}
