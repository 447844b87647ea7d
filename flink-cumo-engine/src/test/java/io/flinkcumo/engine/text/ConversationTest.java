package io.flinkcumo.engine.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkcumo.engine.text.Conversation.Template;
import io.flinkcumo.engine.text.Conversation.Turn;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConversationTest {

    private static final String SYSTEM_BLOCK =
            "<<SYS>>\n" + Conversation.DEFAULT_SYSTEM_PROMPT + "\n<</SYS>>\n\n";

    @Test
    void singleTurnWithOneImage() {
        Conversation c = Conversation.singleTurn("What is in the picture?", 1);

        assertThat(c.prompt())
                .isEqualTo("<s>[INST] " + SYSTEM_BLOCK + "<image>\nWhat is in the picture? [/INST]");
        assertThat(c.imageCount()).isEqualTo(1);
        assertThat(c.template()).isEqualTo(Template.MISTRAL_INSTRUCT_SYSTEM);
    }

    @Test
    void imagesArePrefixedOnePlaceholderLineEach() {
        assertThat(Conversation.singleTurn("Compare.", 2).turns().get(0).user())
                .isEqualTo("<image>\n<image>\nCompare.");
        assertThat(Conversation.singleTurn("No image.", 0).imageCount()).isZero();
    }

    @Test
    void templateWithoutSystemPrompt() {
        Conversation c = Conversation.singleTurn(Template.MISTRAL_INSTRUCT, "q", 1);

        assertThat(c.prompt()).isEqualTo("<s>[INST] <image>\nq [/INST]");
    }

    @Test
    void multiTurnAppendsAnswersAndFollowUps() {
        Conversation c =
                Conversation.singleTurn("What animal is this?", 1)
                        .withAnswer("It is a cat.")
                        .withQuestion("What colour is its fur?");

        assertThat(c.prompt())
                .isEqualTo(
                        "<s>[INST] "
                                + SYSTEM_BLOCK
                                + "<image>\nWhat animal is this? [/INST] It is a cat. </s>"
                                + "[INST] What colour is its fur? [/INST]");
        assertThat(c.withAnswer("Orange.").prompt()).endsWith("[/INST] Orange. </s>");
    }

    @Test
    void emptyMessagesAfterTheFirstAddNothingAsInTheReference() {
        Conversation c =
                Conversation.of(Template.MISTRAL_INSTRUCT, List.of(new Turn("a", ""), new Turn("", null)));

        assertThat(c.prompt()).isEqualTo("<s>[INST] a [/INST]");
    }

    @Test
    void templatesByName() {
        assertThat(Template.byName("mistral_instruct_system"))
                .isEqualTo(Template.MISTRAL_INSTRUCT_SYSTEM);
        assertThat(Template.byName("mistral_instruct")).isEqualTo(Template.MISTRAL_INSTRUCT);
        assertThatThrownBy(() -> Template.byName("vicuna_v1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vicuna_v1");
    }

    @Test
    void rejectsInvalidInput() {
        assertThatThrownBy(() -> Conversation.singleTurn(null, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("question");
        assertThatThrownBy(() -> Conversation.singleTurn("q", -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("numImages");
        assertThatThrownBy(() -> Conversation.singleTurn("", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("first user message");
        assertThatThrownBy(() -> Conversation.of(Template.MISTRAL_INSTRUCT, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () -> Conversation.of(Template.MISTRAL_INSTRUCT, Arrays.asList(new Turn(null, null))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be null");
        assertThatThrownBy(
                        () ->
                                Conversation.of(
                                        Template.MISTRAL_INSTRUCT, List.of(new Turn("a", null), new Turn("b", null))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only the last turn");
    }

    @Test
    void answerAndQuestionMustAlternate() {
        Conversation pending = Conversation.singleTurn("q", 0);

        assertThatThrownBy(() -> pending.withQuestion("again"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pending.withAnswer("a").withAnswer("b"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pending.withAnswer(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
