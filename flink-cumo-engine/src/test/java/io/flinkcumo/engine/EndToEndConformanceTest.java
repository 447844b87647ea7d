package io.flinkcumo.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkcumo.engine.text.Conversation;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The whole pipeline as users call it — image files and conversation text in, answer text out —
 * against the reference's greedy ids and decoded text for every conformance case.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndToEndConformanceTest {

    private final Map<String, CumoEngine> engines = new HashMap<>();

    @BeforeAll
    void load() throws IOException {
        for (String dir : List.of("tiny-mistral", "tiny-mixtral")) {
            engines.put(dir, CumoEngine.load(Conformance.modelDir(dir)));
        }
    }

    @AfterAll
    void close() {
        engines.values().forEach(CumoEngine::close);
    }

    static Stream<String> caseIds() {
        return StreamSupport.stream(Conformance.cases().get("cases").spliterator(), false).map(c -> c.get("id").asText());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseIds")
    void imageFilesAndTextGiveTheReferenceAnswer(String id) throws IOException {
        JsonNode c = StreamSupport.stream(Conformance.cases().get("cases").spliterator(), false)
                .filter(x -> x.get("id").asText().equals(id)).findFirst().orElseThrow();
        List<Conversation.Turn> turns = new ArrayList<>();
        for (JsonNode t : c.get("turns")) {
            turns.add(new Conversation.Turn(t.get(0).asText(), t.get(1).isNull() ? null : t.get(1).asText()));
        }
        List<byte[]> images = new ArrayList<>();
        for (JsonNode f : c.get("image_files")) {
            images.add(Files.readAllBytes(Conformance.dir().resolve(f.asText())));
        }
        CumoRequest request = new CumoRequest(
                id, images, Conversation.of(Conversation.Template.MISTRAL_INSTRUCT_SYSTEM, turns),
                GenerationConfig.greedy(c.get("max_new_tokens").asInt()));
        CumoResult r = engines.get(c.get("model").asText()).answer(List.of(request)).get(0);
        assertThat(r.id()).isEqualTo(id);
        assertThat(r.tokenIds()).containsExactly(Conformance.intArray(c.get("greedy_ids")));
        assertThat(r.answer()).isEqualTo(c.get("greedy_text").asText());
        assertThat(r.promptPositions()).isEqualTo(c.get("spliced_length").asInt());
    }
}
