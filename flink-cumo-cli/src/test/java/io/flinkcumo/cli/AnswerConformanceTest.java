package io.flinkcumo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.flinkcumo.engine.Conformance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every conformance case (testdata/conformance: one image, no image, two images, two turns)
 * through {@code cumo answer} as a user types it: single-turn cases with {@code --question} and
 * one {@code --image} per image in order, multi-turn ones with {@code --conversation FILE.json} in
 * LLaVA's format. The JSON output has the reference tokens, text and prompt length.
 */
class AnswerConformanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static Stream<String> caseIds() {
        return cases().map(c -> c.get("id").asText());
    }

    private static Stream<JsonNode> cases() {
        return StreamSupport.stream(Conformance.cases().get("cases").spliterator(), false);
    }

    private static JsonNode c(String id) {
        return cases().filter(x -> x.get("id").asText().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void theCasesCoverNoImageTwoImagesAndTwoTurns() {
        assertThat(cases().map(c -> c.get("image_files").size())).contains(0, 1, 2);
        assertThat(cases().map(c -> c.get("turns").size())).contains(1, 2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseIds")
    void theCommandLineGivesTheReferenceAnswer(String id) throws Exception {
        JsonNode c = c(id);
        List<String> args = new ArrayList<>(List.of("answer", "--model", Conformance.modelDir(c.get("model").asText()).toString(),
                "--max-new-tokens", c.get("max_new_tokens").asText(), "--json"));
        for (JsonNode f : c.get("image_files")) {
            args.addAll(List.of("--image", Conformance.dir().resolve(f.asText()).toString()));
        }
        JsonNode turns = c.get("turns");
        if (turns.size() == 1) {
            args.addAll(List.of("--question", c.get("question").asText()));
        } else {
            args.addAll(List.of("--conversation", llava(turns).toString()));
        }
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode out = JSON.readTree(run.out());
        assertThat(out.get("token_ids")).isEqualTo(c.get("greedy_ids"));
        assertThat(out.get("answer").asText()).isEqualTo(c.get("greedy_text").asText());
        assertThat(out.get("prompt_positions").asInt()).isEqualTo(c.get("spliced_length").asInt());
        assertThat(out.get("stopped_on_eos").asBoolean()).isEqualTo(c.get("stopped_on_eos").asBoolean());
    }

    /** The case's turns as a LLaVA conversation file (the pending answer left out). */
    private Path llava(JsonNode turns) throws Exception {
        ArrayNode messages = JSON.createArrayNode();
        for (JsonNode t : turns) {
            messages.addObject().put("from", "human").put("value", t.get(0).asText());
            if (!t.get(1).isNull()) {
                messages.addObject().put("from", "gpt").put("value", t.get(1).asText());
            }
        }
        return Files.writeString(tmp.resolve("conversation.json"), JSON.writeValueAsString(messages));
    }

    @Test
    void badConversationsGetOneLineErrors() throws Exception {
        String model = Conformance.modelDir("tiny-mixtral").toString();
        String image = Conformance.dir().resolve("images/chelsea.png").toString();

        CliRun neither = CliRun.of("answer", "--model", model, "--image", image);
        assertThat(neither.code()).isEqualTo(1);
        assertThat(neither.err().strip()).contains("give either --question or --conversation").doesNotContain("\n");

        Path ok = Files.writeString(tmp.resolve("ok.json"), "[{\"from\": \"human\", \"value\": \"<image>\\nWhat is it?\"}]");
        CliRun both = CliRun.of("answer", "--model", model, "--image", image, "--question", "q", "--conversation", ok.toString());
        assertThat(both.code()).isEqualTo(1);
        assertThat(both.err()).contains("give either --question or --conversation");

        CliRun tooFewImages = CliRun.of("answer", "--model", model, "--conversation", ok.toString());
        assertThat(tooFewImages.code()).isEqualTo(1);
        assertThat(tooFewImages.err().strip()).isEqualTo(
                "cumo answer: the conversation has 1 <image> placeholder(s) but 0 --image(s) were given");

        Path endsWithGpt = Files.writeString(tmp.resolve("gpt.json"),
                "[{\"from\": \"human\", \"value\": \"Hi\"}, {\"from\": \"gpt\", \"value\": \"Hello\"}]");
        CliRun gpt = CliRun.of("answer", "--model", model, "--conversation", endsWithGpt.toString());
        assertThat(gpt.code()).isEqualTo(1);
        assertThat(gpt.err()).contains("starting and ending with \"human\"").doesNotContain("Exception");

        Path wrongRole = Files.writeString(tmp.resolve("role.json"),
                "[{\"from\": \"gpt\", \"value\": \"Hi\"}]");
        assertThat(CliRun.of("answer", "--model", model, "--conversation", wrongRole.toString()).err())
                .contains("message 0 should be from \"human\"");

        Path notJson = Files.writeString(tmp.resolve("bad.json"), "[{\"from\": ");
        CliRun bad = CliRun.of("answer", "--model", model, "--conversation", notJson.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("is not JSON");
    }
}
