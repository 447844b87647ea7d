package io.flinkcumo.engine.text;

import io.flinkcumo.engine.Conformance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SentencePiece encoding and decoding against expectations computed with the reference
 * implementation (Python {@code sentencepiece} 0.1.97, Debian package python3-sentencepiece): plain
 * {@code SentencePieceProcessor.encode(text)} / {@code decode(ids)}, no BOS, no special-token
 * splitting.
 */
class SentencePieceProcessorTest {

    private static SentencePieceProcessor tiny;

    @BeforeAll
    static void loadTinyModel() throws IOException {
        tiny =
                SentencePieceProcessor.load(
                        Conformance.modelDir("tiny-mistral").resolve("tokenizer.model"));
    }

    static Stream<Arguments> trickyStrings() {
        return Stream.of(
                Arguments.of("   leading", new int[] {543, 543, 543, 543, 291, 546, 557, 301}),
                Arguments.of("trailing   ", new int[] {260, 352, 549, 553, 301, 543, 543, 543}),
                Arguments.of("a  b", new int[] {261, 543, 280}),
                Arguments.of("\t\n\r", new int[] {543, 12, 13, 16}),
                Arguments.of("\u2581", new int[] {543, 543}),
                Arguments.of("\u2581the", new int[] {543, 263}),
                Arguments.of("x\0y", new int[] {543, 590, 3, 567}),
                Arguments.of("e\u0301", new int[] {372, 207, 132}),
                Arguments.of(
                        "\uD83D\uDE00\uD83D\uDC4D\uD83C\uDFFD",
                        new int[] {543, 243, 162, 155, 131, 243, 162, 148, 144, 243, 162, 146, 192}),
                Arguments.of(
                        "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67",
                        new int[] {
                            543, 243, 162, 148, 171, 229, 131, 144, 243, 162, 148, 172, 229, 131, 144, 243, 162,
                            148, 170
                        }),
                Arguments.of(
                        "\u4E2D\u6587 \u65E5\u672C\u8A9E",
                        new int[] {
                            543, 231, 187, 176, 233, 153, 138, 543, 233, 154, 168, 233, 159, 175, 235, 173, 161
                        }),
                Arguments.of("\uFFFD", new int[] {543, 242, 194, 192}),
                Arguments.of(
                        "\u00A0nbsp\u3000", new int[] {543, 197, 163, 552, 565, 547, 558, 230, 131, 131}),
                Arguments.of("aaaaa lllll", new int[] {261, 546, 546, 546, 546, 313, 553, 553, 553, 553}),
                Arguments.of("INST]] [[/INST", new int[] {275, 570, 296, 574, 574, 297, 573, 580, 298}),
                Arguments.of("<<SYS>>", new int[] {543, 597, 597, 572, 589, 572, 598, 598}),
                Arguments.of(
                        "1234567890", new int[] {543, 583, 576, 591, 585, 593, 592, 587, 588, 584, 579}),
                Arguments.of("the the the there theres", new int[] {263, 263, 263, 290, 290, 547}));
    }

    @ParameterizedTest
    @MethodSource("trickyStrings")
    void encodesTrickyStringsLikeSentencePiece(String text, int[] expected) {
        assertThat(tiny.encode(text)).containsExactly(expected);
    }

    static Stream<Arguments> trickyDecodes() {
        return Stream.of(
                Arguments.of(new int[] {198, 172, 198}, "\u00E9\uFFFD"),
                // a truncated 4-byte sequence: one U+FFFD per byte, not one for the whole prefix
                Arguments.of(new int[] {243, 162, 155}, "\uFFFD\uFFFD\uFFFD"),
                Arguments.of(new int[] {229, 155, 152, 543, 131}, "\u2615 \uFFFD"),
                Arguments.of(new int[] {543, 13, 543, 543, 331}, "\n   H"),
                Arguments.of(new int[] {255, 258, 3}, "\uFFFD\uFFFD\0"));
    }

    @ParameterizedTest
    @MethodSource("trickyDecodes")
    void decodesLikeSentencePiece(int[] ids, String expected) {
        assertThat(tiny.decode(ids)).isEqualTo(expected);
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        assertThatThrownBy(() -> tiny.decode(new int[] {5, 600}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("600");
        assertThatThrownBy(() -> tiny.decode(new int[] {CumoTokenizer.IMAGE_TOKEN_INDEX}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void longInputIsEncodedQuicklyAndRoundTrips() {
        String sentence = "What colour is the cat? Décris l'image ☕ 😀 1234 \n";
        String text = sentence.repeat(4000); // 200k characters
        long start = System.nanoTime();
        int[] ids = tiny.encode(text);
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(tiny.decode(ids)).isEqualTo(text);
        assertThat(millis).as("encoding 200k characters took %d ms", millis).isLessThan(10_000);
    }

    /**
     * A hand-made BPE model exercising what the tiny model does not: an UNUSED piece ("bc",
     * resegmented after merging), a USER_DEFINED piece ("<img>", never merged), score ties ("aa"), no
     * byte fallback (unknown runs become one unk id) and optionally remove_extra_whitespaces.
     */
    private static SentencePieceProcessor synthetic(boolean removeExtraWhitespaces) {
        ModelProtoWriter w =
                ModelProtoWriter.empty()
                        .llamaSpecials(false)
                        .piece("<img>", 0, 4)
                        .piece("bc", -1, 5)
                        .piece("abc", -2, 1)
                        .piece("aa", -3, 1)
                        .piece("\u2581a", -4, 1)
                        .piece("\u2581b", -5, 1)
                        .piece("a", -10, 1)
                        .piece("b", -11, 1)
                        .piece("c", -12, 1)
                        .piece("x", -13, 1)
                        .piece("y", -14, 1)
                        .piece("\u2581", -15, 1);
        w.trainer().varint(3, 2);
        w.normalizer()
                .string(1, "identity")
                .varint(3, 1)
                .varint(4, removeExtraWhitespaces ? 1 : 0)
                .varint(5, 1);
        return new SentencePieceProcessor(w.build());
    }

    static Stream<Arguments> syntheticEncodes() {
        return Stream.of(
                Arguments.of(false, "aaa", new int[] {14, 6, 9}),
                Arguments.of(false, "aaaa", new int[] {14, 6, 6}),
                Arguments.of(false, "abc", new int[] {14, 5}),
                Arguments.of(false, "bc", new int[] {14, 10, 11}),
                Arguments.of(false, "a bc", new int[] {7, 14, 10, 11}),
                Arguments.of(false, "x<img>y", new int[] {14, 12, 3, 13}),
                Arguments.of(false, "<img><img>a", new int[] {14, 3, 3, 9}),
                Arguments.of(false, "aa<img>", new int[] {14, 6, 3}),
                Arguments.of(false, "zz", new int[] {14, 0}),
                Arguments.of(false, "q a Z!", new int[] {14, 0, 7, 14, 0}),
                Arguments.of(false, "\u00E9a", new int[] {14, 0, 9}),
                Arguments.of(false, "  a   b  ", new int[] {14, 14, 7, 14, 14, 8, 14, 14}),
                Arguments.of(false, " ", new int[] {14, 14}),
                Arguments.of(false, "x  ", new int[] {14, 12, 14, 14}),
                Arguments.of(false, "a\u2581b", new int[] {7, 8}),
                Arguments.of(true, "  a   b  ", new int[] {7, 8}),
                Arguments.of(true, "   ", new int[] {}),
                Arguments.of(true, "x  ", new int[] {14, 12}),
                Arguments.of(true, "q a Z!", new int[] {14, 0, 7, 14, 0}));
    }

    @ParameterizedTest
    @MethodSource("syntheticEncodes")
    void encodesSpecialPieceTypesLikeSentencePiece(boolean removeExtra, String text, int[] expected) {
        assertThat(synthetic(removeExtra).encode(text)).containsExactly(expected);
    }

    static Stream<Arguments> syntheticDecodes() {
        return Stream.of(
                Arguments.of(false, new int[] {0}, " \u2047 "),
                Arguments.of(false, new int[] {0, 0}, " \u2047  \u2047 "),
                Arguments.of(false, new int[] {1, 9, 2}, "a"),
                Arguments.of(false, new int[] {14, 14, 9}, " a"),
                Arguments.of(false, new int[] {14, 9, 0, 14}, "a \u2047  "),
                Arguments.of(false, new int[] {4}, "bc"),
                Arguments.of(false, new int[] {3, 9}, "<img>a"),
                Arguments.of(false, new int[] {14, 14}, " "),
                Arguments.of(true, new int[] {14, 14, 9}, "a"),
                Arguments.of(true, new int[] {14, 14}, ""),
                Arguments.of(true, new int[] {7, 14, 14}, "a  "));
    }

    @ParameterizedTest
    @MethodSource("syntheticDecodes")
    void decodesSpecialPieceTypesLikeSentencePiece(boolean removeExtra, int[] ids, String expected) {
        assertThat(synthetic(removeExtra).decode(ids)).isEqualTo(expected);
    }
}
