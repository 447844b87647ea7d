package io.flinkcumo.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkcumo.engine.Conformance;
import io.flinkcumo.engine.text.Conversation;
import io.flinkcumo.engine.text.CumoTokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Label masking of the two templates (CuMo spec §7). */
class TrainingExampleTest {

    @Test
    void plainMasksBosAndImageAndSupervisesCaptionAndNewline() throws Exception {
        try (CumoTokenizer tok = CumoTokenizer.load(Conformance.modelDir("tiny-mistral"))) {
            TrainingExample ex = TrainingExample.plain(0, "a red circle.", tok);
            assertThat(ex.ids()[0]).isEqualTo(1);
            assertThat(ex.ids()[1]).isEqualTo(CumoTokenizer.IMAGE_TOKEN_INDEX);
            assertThat(ex.labels()[0]).isEqualTo(TrainingExample.IGNORE_INDEX);
            assertThat(ex.labels()[1]).isEqualTo(TrainingExample.IGNORE_INDEX);
            int[] supervised = Arrays.copyOfRange(ex.labels(), 2, ex.labels().length);
            assertThat(supervised).doesNotContain(TrainingExample.IGNORE_INDEX);
            assertThat(tok.decode(supervised)).isEqualTo("a red circle.\n");
        }
    }

    @Test
    void conversationSupervisesOnlyAnswersAndTheirEos() throws Exception {
        try (CumoTokenizer tok = CumoTokenizer.load(Conformance.modelDir("tiny-mistral"))) {
            List<String[]> rounds = List.of(new String[] {"What color is the circle?", "red"}, new String[] {"How many shapes are there?", "2"});
            TrainingExample ex = TrainingExample.conversation(0, rounds, tok);
            String full = Conversation.singleTurn("What color is the circle?", 1).withAnswer("red")
                    .withQuestion("How many shapes are there?").withAnswer("2").prompt();
            assertThat(ex.ids()).containsExactly(tok.encodeImagePrompt(full));
            // the supervised spans, each ending with </s>
            List<List<Integer>> spans = new ArrayList<>();
            List<Integer> current = null;
            for (int i = 0; i < ex.ids().length; i++) {
                if (ex.labels()[i] == TrainingExample.IGNORE_INDEX) {
                    current = null;
                    continue;
                }
                assertThat(ex.labels()[i]).isEqualTo(ex.ids()[i]);
                if (current == null) {
                    current = new ArrayList<>();
                    spans.add(current);
                }
                current.add(ex.ids()[i]);
            }
            assertThat(spans).hasSize(2);
            for (int s = 0; s < 2; s++) {
                List<Integer> span = spans.get(s);
                assertThat(span.get(span.size() - 1)).isEqualTo(2); // </s>
                int[] ids = span.stream().mapToInt(Integer::intValue).toArray();
                assertThat(tok.decode(ids, true)).isEqualTo(rounds.get(s)[1]);
            }
            int prompt = tok.encodeImagePrompt(Conversation.singleTurn("What color is the circle?", 1).prompt()).length;
            assertThat(ex.labels()[prompt - 1]).isEqualTo(TrainingExample.IGNORE_INDEX);
            assertThat(ex.labels()[prompt]).isNotEqualTo(TrainingExample.IGNORE_INDEX);
        }
    }
}
