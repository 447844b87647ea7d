package io.flinkcumo.engine.text;

import io.flinkcumo.engine.Conformance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration handling of {@link LlamaTokenizer} and {@link CumoTokenizer#load}. */
class LlamaTokenizerTest {

    private static LlamaTokenizer mistral;

    @BeforeAll
    static void load() throws IOException {
        mistral = LlamaTokenizer.load(Conformance.modelDir("tiny-mistral"));
    }

    /** A directory with the tiny tokenizer.model and the given tokenizer_config.json (or none). */
    private static Path modelDir(Path dir, String tokenizerConfig) throws IOException {
        Files.copy(
                Conformance.modelDir("tiny-mistral").resolve("tokenizer.model"),
                dir.resolve("tokenizer.model"));
        if (tokenizerConfig != null) {
            Files.writeString(dir.resolve("tokenizer_config.json"), tokenizerConfig);
        }
        return dir;
    }

    @Test
    void withoutConfigFilesUsesCumoDefaults(@TempDir Path dir) throws IOException {
        LlamaTokenizer plain = LlamaTokenizer.load(modelDir(dir, null));

        assertThat(plain.encode("a</s>b<unk>c")).containsExactly(mistral.encode("a</s>b<unk>c"));
        assertThat(plain.bosId()).isEqualTo(1);
        assertThat(plain.eosId()).isEqualTo(2);
        assertThat(plain.padId()).isEqualTo(0);
        assertThat(LlamaTokenizer.of(plain.sentencePiece().model()).encode("hi"))
                .containsExactly(plain.encode("hi"));
    }

    @Test
    void encodeIsBosPlusSentencePieceOfEachPart() {
        SentencePieceProcessor sp = mistral.sentencePiece();
        int[] hello = sp.encode("Hello");
        int[] world = sp.encode(" world");

        int[] expected = new int[2 + hello.length + world.length];
        expected[0] = 1;
        System.arraycopy(hello, 0, expected, 1, hello.length);
        expected[1 + hello.length] = 2;
        System.arraycopy(world, 0, expected, 2 + hello.length, world.length);
        assertThat(mistral.encode("Hello</s> world")).containsExactly(expected);
    }

    @Test
    void bosAndEosFollowTheConfig(@TempDir Path dir) throws IOException {
        LlamaTokenizer t =
                LlamaTokenizer.load(
                        modelDir(dir, "{\"add_bos_token\": false, \"add_eos_token\": true, \"legacy\": true}"));
        int[] body = mistral.sentencePiece().encode("hi");

        int[] ids = t.encode("hi");
        assertThat(ids).hasSize(body.length + 1).startsWith(body).endsWith(2);
        // without a leading BOS nothing is dropped when chunking
        assertThat(t.encodeImagePrompt("hi<image>hi"))
                .containsExactly(concat(ids, new int[] {CumoTokenizer.IMAGE_TOKEN_INDEX}, ids));
    }

    @Test
    void rstripOnAnAddedTokenEatsTheFollowingWhitespace(@TempDir Path dir) throws IOException {
        LlamaTokenizer t =
                LlamaTokenizer.load(
                        modelDir(
                                dir,
                                "{\"added_tokens_decoder\": {\"2\": {\"content\": \"</s>\", \"rstrip\": true,"
                                        + " \"lstrip\": true, \"special\": true}}}"));

        assertThat(t.encode("a \t</s>  \n b")).containsExactly(mistral.encode("a</s>b"));
        assertThat(mistral.encode("a </s> b")).isNotEqualTo(mistral.encode("a</s>b"));
    }

    @Test
    void specialTokensMapWinsOverTokenizerConfig(@TempDir Path dir) throws IOException {
        modelDir(dir, "{\"pad_token\": \"<unk>\", \"eos_token\": \"</s>\"}");
        Files.writeString(
                dir.resolve("special_tokens_map.json"), "{\"pad_token\": {\"content\": \"</s>\"}}");

        LlamaTokenizer t = LlamaTokenizer.load(dir);
        assertThat(t.padId()).isEqualTo(2);
        assertThat(t.eosId()).isEqualTo(2);
    }

    @Test
    void refusesConfigurationsItCannotReproduce(@TempDir Path dir) throws IOException {
        modelDir(dir, "{\"legacy\": false}");
        assertThatThrownBy(() -> LlamaTokenizer.load(dir))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("legacy=false");

        Files.writeString(
                dir.resolve("tokenizer_config.json"),
                "{\"added_tokens_decoder\": {\"32000\": {\"content\": \"<image>\"}}}");
        assertThatThrownBy(() -> LlamaTokenizer.load(dir))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("<image>");

        Files.writeString(dir.resolve("tokenizer_config.json"), "[1, 2]");
        assertThatThrownBy(() -> LlamaTokenizer.load(dir))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("JSON object");
    }

    @Test
    void decodeDropsSpecialIdsOnly() {
        assertThat(mistral.decode(new int[] {1, 331, 415, 2, 0}))
                .isEqualTo(mistral.decode(new int[] {331, 415}));
        assertThat(mistral.decode(new int[] {331, 415})).isEqualTo("Hel");
        assertThatThrownBy(() -> mistral.decode(new int[] {CumoTokenizer.IMAGE_TOKEN_INDEX}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decodeStripsLikePython() {
        // U+00A0 is whitespace for Python's str.strip but not for Java's String.strip
        int[] ids = mistral.sentencePiece().encode("\u00A0x\u00A0");

        assertThat(mistral.decode(ids)).isEqualTo("\u00A0x\u00A0");
        assertThat(mistral.decode(ids, true)).isEqualTo("x");
    }

    @Test
    void piecesAndIds() {
        assertThat(mistral.pieceOf(263)).isEqualTo("\u2581the");
        assertThat(mistral.idOf("\u2581the")).isEqualTo(263);
        assertThat(mistral.idOf("<0x0A>")).isEqualTo(13);
        assertThat(mistral.piecesOf(new int[] {1, CumoTokenizer.IMAGE_TOKEN_INDEX, 13}))
                .containsExactly("<s>", null, "<0x0A>");
    }

    @Test
    void rejectsNullText() {
        assertThatThrownBy(() -> mistral.encode(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> mistral.encodeImagePrompt(null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void loadPrefersTokenizerModel(@TempDir Path dir) throws IOException {
        modelDir(dir, null);
        Files.writeString(dir.resolve("tokenizer.json"), "not even json");

        try (CumoTokenizer t = CumoTokenizer.load(dir)) {
            assertThat(t).isInstanceOf(LlamaTokenizer.class);
        }
    }

    @Test
    void loadNamesWhatItLookedFor(@TempDir Path dir) {
        assertThatThrownBy(() -> CumoTokenizer.load(dir))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(dir.toAbsolutePath().toString())
                .hasMessageContaining("tokenizer.model")
                .hasMessageContaining("tokenizer.json");
    }

    private static int[] concat(int[]... parts) {
        IntList out = new IntList(8);
        for (int[] p : parts) {
            out.addAll(p, 0);
        }
        return out.toArray();
    }
}
