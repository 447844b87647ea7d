package io.flinkcumo.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The synthetic dataset is deterministic from its seed and its answers follow from the scenes. */
class ShapesDatasetTest {

    @TempDir
    Path tmp;

    @Test
    void deterministicWithHeldOutSplitAndAllQuestionTypes() throws Exception {
        new ShapesDataset(112).write(tmp.resolve("a"), 12, 4, 5);
        new ShapesDataset(112).write(tmp.resolve("b"), 12, 4, 5);
        for (String f : List.of("train.jsonl", "test.jsonl", "images/00003.png", "images/00015.png")) {
            assertThat(Files.readAllBytes(tmp.resolve("a").resolve(f))).isEqualTo(Files.readAllBytes(tmp.resolve("b").resolve(f)));
        }
        List<ShapesDataset.Sample> train = ShapesDataset.read(tmp.resolve("a"), "train");
        List<ShapesDataset.Sample> test = ShapesDataset.read(tmp.resolve("a"), "test");
        assertThat(train).hasSize(12);
        assertThat(test).hasSize(4);
        assertThat(test).extracting(ShapesDataset.Sample::image).doesNotContainAnyElementsOf(
                train.stream().map(ShapesDataset.Sample::image).toList());
        for (ShapesDataset.Sample s : train) {
            assertThat(s.qa()).extracting(ShapesDataset.Qa::type).containsExactlyInAnyOrderElementsOf(ShapesDataset.TYPES);
            for (ShapesDataset.Qa qa : s.qa()) {
                switch (qa.type()) {
                    case "count" -> assertThat(s.caption().split(" a ").length).isEqualTo(Integer.parseInt(qa.answer()));
                    case "color" -> assertThat(s.caption()).contains(qa.answer() + " " + qa.question().replace("What color is the ", "").replace("?", ""));
                    case "yesno" -> assertThat(s.caption().contains(qa.question().replace("Is there a ", "").replace("?", "")))
                            .isEqualTo(qa.answer().equals("yes"));
                    default -> assertThat(qa.answer()).isNotBlank();
                }
            }
        }
    }
}
