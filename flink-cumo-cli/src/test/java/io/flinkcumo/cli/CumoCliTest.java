package io.flinkcumo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.CumoResult;
import io.flinkcumo.engine.GenerationConfig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The command line as a user runs it: real model, real image, exit codes and one-line errors. */
class CumoCliTest {

    private static final Path HOME = ModelOptions.home();
    private static final Path IMAGE = HOME.resolve("samples/images/chelsea.png");

    @TempDir
    Path tmp;

    @Test
    void answerJsonMatchesTheEngine() throws Exception {
        CliRun run = CliRun.of("answer", "--image", IMAGE.toString(), "--question", "What animal is this?", "--max-new-tokens", "6", "--json");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.out());
        CumoResult direct;
        try (CumoEngine engine = CumoEngine.load(ModelOptions.bundledModel())) {
            direct = engine.answer(List.of(CumoRequest.of("x", Files.readAllBytes(IMAGE), "What animal is this?", GenerationConfig.greedy(6)))).get(0);
        }
        assertThat(json.get("answer").asText()).isEqualTo(direct.answer());
        int[] ids = new int[json.get("token_ids").size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = json.get("token_ids").get(i).asInt();
        }
        assertThat(ids).containsExactly(direct.tokenIds());
        JsonNode routing = json.get("routing");
        assertThat(routing).isNotEmpty();
        assertThat(routing.get(0).get("component").asText()).isEqualTo("vision");
        long selections = 0;
        for (JsonNode n : routing.get(0).get("topk_tokens")) {
            selections += n.asLong();
        }
        assertThat(selections).isEqualTo(2 * routing.get(0).get("tokens").asLong()); // top-2: two experts per token
    }

    @Test
    void plainAnswerIsOneLineOfText() {
        CliRun run = CliRun.of("answer", "--image", IMAGE.toString(), "--question", "What is it?", "--max-new-tokens", "3");
        assertThat(run.code()).isZero();
        assertThat(run.out().strip()).doesNotContain("\n").doesNotStartWith("{");
    }

    @Test
    void badInputGetsOneLineErrorsAndExitCodes() throws Exception {
        CliRun missing = CliRun.of("answer", "--image", tmp.resolve("none.png").toString(), "--question", "q");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err().strip()).contains("does not exist").doesNotContain("\n").doesNotContain("Exception");

        Path text = Files.writeString(tmp.resolve("notes.png"), "not an image");
        CliRun notImage = CliRun.of("answer", "--image", text.toString(), "--question", "q");
        assertThat(notImage.code()).isEqualTo(1);
        assertThat(notImage.err()).contains("not a recognised image format");

        CliRun badOption = CliRun.of("answer", "--image", IMAGE.toString(), "--question", "q", "--top-p", "2");
        assertThat(badOption.code()).isEqualTo(1);
        assertThat(badOption.err()).contains("top-p must be in (0, 1]");

        CliRun unknown = CliRun.of("answer", "--frobnicate");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err().strip()).doesNotContain("\n");

        CliRun badModel = CliRun.of("answer", "--model", tmp.toString(), "--image", IMAGE.toString(), "--question", "q");
        assertThat(badModel.code()).isEqualTo(1);
        assertThat(badModel.err()).contains("config.json");
    }

    @Test
    void initTinyWritesALoadableCheckpoint() throws Exception {
        Path out = tmp.resolve("m");
        CliRun run = CliRun.of("init-tiny", "--out", out.toString(), "--llm", "mixtral", "--image-size", "56", "--shards", "3");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(out.resolve("model.safetensors.index.json")).exists();
        CliRun answer = CliRun.of("answer", "--model", out.toString(), "--image", IMAGE.toString(), "--question", "q", "--json", "--max-new-tokens", "2");
        assertThat(answer.code()).as(answer.err()).isZero();
        assertThat(new ObjectMapper().readTree(answer.out()).get("prompt_positions").asInt()).isGreaterThan(16); // 4x4 patches spliced
        CliRun bad = CliRun.of("init-tiny", "--out", out.toString(), "--image-size", "50");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("multiple of the patch size");
    }
}
