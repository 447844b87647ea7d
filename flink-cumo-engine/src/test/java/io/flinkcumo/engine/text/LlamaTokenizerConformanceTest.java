package io.flinkcumo.engine.text;

import io.flinkcumo.engine.Conformance;
import static io.flinkcumo.engine.Conformance.intArray;
import static io.flinkcumo.engine.Conformance.strings;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every tokenizer case and prompt case of {@code expected/cases.json}. */
class LlamaTokenizerConformanceTest {

    private static final Map<String, LlamaTokenizer> TOKENIZERS = new HashMap<>();

    private static synchronized LlamaTokenizer tokenizer(String modelDir) {
        return TOKENIZERS.computeIfAbsent(
                modelDir,
                dir -> {
                    try {
                        return LlamaTokenizer.load(Conformance.modelDir(dir));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    private static LlamaTokenizer mistral() {
        return tokenizer("tiny-mistral");
    }

    private static Stream<Arguments> entries(String section) {
        JsonNode list = Conformance.cases().path("tokenizer_cases").path(section);
        assertThat(list.size()).as("tokenizer_cases.%s", section).isPositive();
        return StreamSupport.stream(list.spliterator(), false).map(Arguments::of);
    }

    static Stream<Arguments> encodeCases() {
        return entries("encode");
    }

    static Stream<Arguments> imagePromptCases() {
        return entries("image_prompts");
    }

    static Stream<Arguments> decodeCases() {
        return entries("decode");
    }

    static Stream<Arguments> promptCases() {
        JsonNode cases = Conformance.cases().path("cases");
        assertThat(cases.size()).isPositive();
        return StreamSupport.stream(cases.spliterator(), false)
                .map(c -> Arguments.of(c.path("id").asText(), c));
    }

    @ParameterizedTest
    @MethodSource("encodeCases")
    void encodeMatchesReference(JsonNode c) {
        int[] ids = mistral().encode(c.path("text").asText());

        assertThat(ids).containsExactly(intArray(c.path("ids")));
        assertThat(mistral().piecesOf(ids)).containsExactlyElementsOf(strings(c.path("pieces")));
    }

    @ParameterizedTest
    @MethodSource("imagePromptCases")
    void imagePromptMatchesReference(JsonNode c) {
        assertThat(mistral().encodeImagePrompt(c.path("prompt").asText()))
                .containsExactly(intArray(c.path("input_ids")));
    }

    @ParameterizedTest
    @MethodSource("decodeCases")
    void decodeMatchesReference(JsonNode c) {
        int[] ids = intArray(c.path("ids"));

        assertThat(mistral().decode(ids)).isEqualTo(c.path("text").asText());
        assertThat(mistral().decode(ids, true)).isEqualTo(c.path("text_stripped").asText());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("promptCases")
    void conversationPromptMatchesReference(String id, JsonNode c) {
        List<Conversation.Turn> turns = new ArrayList<>();
        for (JsonNode t : c.path("turns")) {
            turns.add(new Conversation.Turn(t.get(0).textValue(), t.get(1).textValue()));
        }
        Conversation conversation =
                Conversation.of(Conversation.Template.MISTRAL_INSTRUCT_SYSTEM, turns);

        assertThat(conversation.prompt()).isEqualTo(c.path("prompt").asText());
        assertThat(conversation.imageCount()).isEqualTo(c.path("images").size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("promptCases")
    void promptTokensMatchReference(String id, JsonNode c) {
        LlamaTokenizer tokenizer = tokenizer(c.path("model").asText());

        int[] ids = tokenizer.encodeImagePrompt(c.path("prompt").asText());

        assertThat(ids).containsExactly(intArray(c.path("input_ids")));
        assertThat(tokenizer.piecesOf(ids)).containsExactlyElementsOf(strings(c.path("input_pieces")));
        List<Integer> imagePositions = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == CumoTokenizer.IMAGE_TOKEN_INDEX) {
                imagePositions.add(i);
            }
        }
        assertThat(imagePositions)
                .containsExactlyElementsOf(
                        StreamSupport.stream(c.path("image_token_positions").spliterator(), false)
                                .map(JsonNode::intValue)
                                .toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("promptCases")
    void greedyTextMatchesReference(String id, JsonNode c) {
        LlamaTokenizer tokenizer = tokenizer(c.path("model").asText());

        assertThat(tokenizer.decode(intArray(c.path("greedy_ids")), true))
                .isEqualTo(c.path("greedy_text").asText());
    }

    @Test
    void specialIdsMatchConstants() {
        JsonNode constants = Conformance.cases().path("constants");

        assertThat(mistral().bosId()).isEqualTo(constants.path("bos_id").intValue());
        assertThat(mistral().eosId()).isEqualTo(constants.path("eos_id").intValue());
        assertThat(mistral().unkId()).isEqualTo(constants.path("unk_id").intValue());
        assertThat(mistral().padId()).isEqualTo(constants.path("unk_id").intValue());
        assertThat(mistral().vocabSize()).isEqualTo(constants.path("vocab_size").intValue());
        assertThat(CumoTokenizer.IMAGE_TOKEN_INDEX)
                .isEqualTo(constants.path("image_token_index").intValue());
        assertThat(Conversation.DEFAULT_SYSTEM_PROMPT)
                .isEqualTo(constants.path("system_prompt").asText());
        assertThat(Conversation.Template.byName(constants.path("template").asText()))
                .isEqualTo(Conversation.Template.MISTRAL_INSTRUCT_SYSTEM);
    }
}
