package io.flinkcumo.engine.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link HfJsonTokenizer} over a hand-written Llama-style BPE {@code tokenizer.json}, offline. */
class HfJsonTokenizerTest {

    /**
     * Vocabulary: specials 0-2, then ▁ a b c ▁a ab ▁ab \n (3-10). Merges: "a b" then "▁ ab". The
     * normaliser prepends ▁ and replaces spaces with ▁; the post-processor adds {@code <s>}.
     */
    private static final String TOKENIZER_JSON =
            """
            {
                "version": "1.0",
                "truncation": null,
                "padding": null,
                "added_tokens": [
                    {"id": 0, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false,
                      "normalized": false, "special": true},
                    {"id": 1, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false,
                      "normalized": false, "special": true},
                    {"id": 2, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false,
                      "normalized": false, "special": true}
                ],
                "normalizer": {"type": "Sequence", "normalizers": [
                    {"type": "Prepend", "prepend": "\u2581"},
                    {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}
                ]},
                "pre_tokenizer": null,
                "post_processor": {
                    "type": "TemplateProcessing",
                    "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                          {"Sequence": {"id": "A", "type_id": 0}}],
                    "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}},
                                      {"Sequence": {"id": "B", "type_id": 1}}],
                    "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}
                },
                "decoder": {"type": "Sequence", "decoders": [
                    {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                    {"type": "ByteFallback"},
                    {"type": "Fuse"},
                    {"type": "Strip", "content": " ", "start": 1, "stop": 0}
                ]},
                "model": {
                    "type": "BPE", "dropout": null, "unk_token": "<unk>",
                    "continuing_subword_prefix": null, "end_of_word_suffix": null,
                    "fuse_unk": true, "byte_fallback": false,
                    "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "\u2581": 3, "a": 4, "b": 5, "c": 6,
                                        "\u2581a": 7, "ab": 8, "\u2581ab": 9, "\\n": 10},
                    "merges": ["a b", "\u2581 ab"]
                }
            }
            """;

    private static Path writeTokenizerJson(Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), TOKENIZER_JSON);
        return dir;
    }

    @Test
    void loadPicksTokenizerJsonWhenThereIsNoTokenizerModel(@TempDir Path dir) throws IOException {
        try (CumoTokenizer tokenizer = CumoTokenizer.load(writeTokenizerJson(dir))) {
            assertThat(tokenizer).isInstanceOf(HfJsonTokenizer.class);
            assertThat(tokenizer.vocabSize()).isEqualTo(11);
            assertThat(tokenizer.bosId()).isEqualTo(1);
            assertThat(tokenizer.eosId()).isEqualTo(2);
            assertThat(tokenizer.padId()).isEqualTo(0);
        }
    }

    @Test
    void encodesWithTheFilesPipeline(@TempDir Path dir) throws IOException {
        try (HfJsonTokenizer tokenizer = HfJsonTokenizer.load(writeTokenizerJson(dir))) {
            assertThat(tokenizer.encode("ab")).containsExactly(1, 9);
            assertThat(tokenizer.encode("ab ab")).containsExactly(1, 9, 9);
            assertThat(tokenizer.encode("ab</s>ab")).containsExactly(1, 9, 2, 9);
            assertThat(tokenizer.encode("ab\nab")).containsExactly(1, 9, 10, 8);
        }
    }

    @Test
    void sharesTheImagePromptChunking(@TempDir Path dir) throws IOException {
        try (HfJsonTokenizer tokenizer = HfJsonTokenizer.load(writeTokenizerJson(dir))) {
            assertThat(tokenizer.encodeImagePrompt("ab<image>ab"))
                    .containsExactly(1, 9, CumoTokenizer.IMAGE_TOKEN_INDEX, 9);
            assertThat(tokenizer.encodeImagePrompt("<image>ab<image>"))
                    .containsExactly(1, CumoTokenizer.IMAGE_TOKEN_INDEX, 9, CumoTokenizer.IMAGE_TOKEN_INDEX);
        }
    }

    @Test
    void decodesWithoutSpecialTokens(@TempDir Path dir) throws IOException {
        try (HfJsonTokenizer tokenizer = HfJsonTokenizer.load(writeTokenizerJson(dir))) {
            assertThat(tokenizer.decode(new int[] {1, 9, 9, 2})).isEqualTo("ab ab");
            assertThat(tokenizer.decode(new int[] {3, 3, 7}, true)).isEqualTo("a");
            assertThatThrownBy(() -> tokenizer.decode(new int[] {11}))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void readsSpecialTokenNamesFromTheConfig(@TempDir Path dir) throws IOException {
        writeTokenizerJson(dir);
        Files.writeString(
                dir.resolve("special_tokens_map.json"),
                "{\"bos_token\": \"</s>\", \"eos_token\": {\"content\": \"<s>\"}, \"pad_token\": null}");

        try (HfJsonTokenizer tokenizer = HfJsonTokenizer.load(dir)) {
            assertThat(tokenizer.bosId()).isEqualTo(2);
            assertThat(tokenizer.eosId()).isEqualTo(1);
            assertThat(tokenizer.padId()).isEqualTo(-1);
        }
    }

    @Test
    void malformedTokenizerJsonIsAnIoException(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": ");

        assertThatThrownBy(() -> CumoTokenizer.load(dir))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("tokenizer.json");
    }
}
