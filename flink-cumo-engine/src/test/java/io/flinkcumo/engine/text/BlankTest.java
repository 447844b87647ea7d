package io.flinkcumo.engine.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.GenerationConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Issue 12, class 5: a question of only Unicode whitespace or invisible characters is refused like ASCII blanks. */
class BlankTest {

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t\n\r", "\u00a0", "\u3000", "\u200b", "\ufeff", "\u2028\u2029", "\u00a0\u3000\u200b\ufeff",
        "\u200c\u200d\u2060", "\u180e", "\u00ad", "\u202f\u205f", "\u2800", "\u3164", "\u0000\u0007"})
    void invisibleTextsAreBlankAndRefusedAsQuestions(String question) {
        assertThat(Blank.isBlank(question)).isTrue();
        assertThatThrownBy(() -> CumoRequest.of("id", new byte[] {1}, question, GenerationConfig.greedy(4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the question is null or empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "\u3000?", "\u200bWhat", "\ufeffx", "。", "\u00a0\u00a0.", "🙂"})
    void anyVisibleCharacterIsAQuestion(String question) {
        assertThat(Blank.isBlank(question)).isFalse();
        assertThat(CumoRequest.of("id", new byte[] {1}, question, GenerationConfig.greedy(4)).id()).isEqualTo("id");
    }
}
