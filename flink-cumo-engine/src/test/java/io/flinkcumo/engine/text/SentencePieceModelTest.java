package io.flinkcumo.engine.text;

import io.flinkcumo.engine.Conformance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SentencePieceModelTest {

    private static byte[] tinyBytes;

    @BeforeAll
    static void readTinyModel() throws IOException {
        tinyBytes =
                Files.readAllBytes(Conformance.modelDir("tiny-mistral").resolve("tokenizer.model"));
    }

    @Test
    void readsTheTinyModel() {
        SentencePieceModel model = SentencePieceModel.parse(tinyBytes);

        assertThat(model.size()).isEqualTo(600);
        assertThat(model.modelType()).isEqualTo(SentencePieceModel.ModelType.BPE);
        assertThat(model.byteFallback()).isTrue();
        assertThat(model.unkId()).isZero();
        assertThat(model.bosId()).isEqualTo(1);
        assertThat(model.eosId()).isEqualTo(2);
        assertThat(model.padId()).isEqualTo(-1);
        assertThat(model.normalizer())
                .isEqualTo(new SentencePieceModel.NormalizerSpec("identity", true, false, true));
        assertThat(model.piece(3))
                .isEqualTo(new SentencePieceModel.Piece("<0x00>", 0f, SentencePieceModel.PieceType.BYTE));
        assertThat(model.piece(260))
                .isEqualTo(
                        new SentencePieceModel.Piece("\u2581t", -1f, SentencePieceModel.PieceType.NORMAL));
        assertThat(model.pieceOf(258)).isEqualTo("<0xFF>");
        assertThat(model.idOf("\u2581the")).isEqualTo(263);
        assertThat(model.idOf("no such piece")).isEqualTo(-1);
        assertThat(model.userDefinedSymbols()).isEmpty();
    }

    @Test
    void pieceAccessRejectsBadIds() {
        SentencePieceModel model = SentencePieceModel.parse(tinyBytes);

        assertThatThrownBy(() -> model.piece(600)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> model.pieceOf(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyTruncationFailsCleanlyOrParses() {
        int failures = 0;
        for (int length = 0; length < tinyBytes.length; length++) {
            byte[] prefix = Arrays.copyOf(tinyBytes, length);
            try {
                SentencePieceModel.parse(prefix);
            } catch (IllegalArgumentException expected) {
                assertThat(expected.getMessage()).isNotBlank();
                failures++;
            }
        }
        // a prefix ending between fields can still be a valid protobuf, but never a usable model
        // unless it reaches past the trainer spec; almost every cut must be refused
        assertThat(failures).isGreaterThan(tinyBytes.length - 10);
    }

    @Test
    void truncatedModelNamesTheProblem() {
        byte[] cut = Arrays.copyOf(tinyBytes, 1000);

        assertThatThrownBy(() -> SentencePieceModel.parse(cut))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("malformed protobuf");
    }

    @Test
    void randomBytesFailCleanly() {
        Random random = new Random(42);
        for (int trial = 0; trial < 2000; trial++) {
            byte[] garbage = new byte[random.nextInt(300)];
            random.nextBytes(garbage);
            assertThatThrownBy(() -> SentencePieceModel.parse(garbage))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void corruptedBytesFailCleanlyOrParse() {
        Random random = new Random(7);
        for (int trial = 0; trial < 500; trial++) {
            byte[] corrupted = tinyBytes.clone();
            for (int k = 0; k < 3; k++) {
                corrupted[random.nextInt(corrupted.length)] = (byte) random.nextInt(256);
            }
            try {
                SentencePieceProcessor sp = new SentencePieceProcessor(SentencePieceModel.parse(corrupted));
                sp.decode(sp.encode("What colour is the cat? \u2615"));
            } catch (IllegalArgumentException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }

    @Test
    void loadReportsTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.model");
        Files.write(file, "this is not a model".getBytes());

        assertThatThrownBy(() -> SentencePieceModel.load(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString())
                .hasCauseInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesUnigramModels() {
        ModelProtoWriter w = ModelProtoWriter.empty().llamaSpecials(false).piece("a", -1, 1);
        w.trainer().varint(3, 1);

        assertThatThrownBy(w::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("UNIGRAM");
    }

    @Test
    void refusesModelsWithoutModelType() {
        // model_type defaults to UNIGRAM in the proto
        ModelProtoWriter w = ModelProtoWriter.empty().llamaSpecials(false).piece("a", -1, 1);

        assertThatThrownBy(w::build).hasMessageContaining("only BPE");
    }

    @Test
    void refusesPrecompiledNormalisationRules() {
        ModelProtoWriter w = ModelProtoWriter.bpe().llamaSpecials(false);
        w.normalizer().string(1, "nmt_nfkc").bytes(2, new byte[] {4, 0, 0, 0, 1, 2, 3, 4, 5});

        assertThatThrownBy(w::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nmt_nfkc")
                .hasMessageContaining("identity");
    }

    @Test
    void refusesWhitespaceAsSuffix() {
        ModelProtoWriter w = ModelProtoWriter.bpe().llamaSpecials(false);
        w.trainer().varint(24, 1);

        assertThatThrownBy(w::build).hasMessageContaining("treat_whitespace_as_suffix");
    }

    @Test
    void refusesInconsistentVocabularies() {
        assertThatThrownBy(() -> ModelProtoWriter.bpe().piece("<s>", 0, 3).piece("a", 0, 1).build())
                .hasMessageContaining("no UNKNOWN piece");
        assertThatThrownBy(
                        () -> ModelProtoWriter.bpe().llamaSpecials(false).piece("<unk>", 0, 2).build())
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> ModelProtoWriter.bpe().llamaSpecials(false).piece("", 0, 1).build())
                .hasMessageContaining("empty");
        assertThatThrownBy(
                        () -> ModelProtoWriter.bpe().llamaSpecials(false).piece("<0x41>", 0, 6).build())
                .hasMessageContaining("byte_fallback is false");
        assertThatThrownBy(() -> ModelProtoWriter.bpe().llamaSpecials(false).piece("a", 0, 9).build())
                .hasMessageContaining("piece type 9");
    }

    @Test
    void refusesIncompleteByteFallback() {
        ModelProtoWriter w = ModelProtoWriter.bpe().llamaSpecials(false).piece("<0x00>", 0, 6);
        w.trainer().varint(35, 1);

        assertThatThrownBy(w::build).hasMessageContaining("<0x01>");
    }

    @Test
    void refusesWrongWireTypes() {
        ModelProtoWriter w = ModelProtoWriter.bpe().llamaSpecials(false);
        w.trainer().string(3, "BPE");

        assertThatThrownBy(w::build).hasMessageContaining("wire type");
    }
}
