package io.flinkcumo.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * SEED-IMG and MMMU: prompts from rows in their layouts, and the official scoring rules (LLaVA's
 * SEED conversion, MMMU's {@code eval_utils.py}) on their edge cases, each expectation worked out
 * by hand in the comment.
 */
class MultiImageTaskScoringTest {

    private static Map<String, Object> row(Object... keyValues) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            row.put((String) keyValues[i], keyValues[i + 1]);
        }
        return row;
    }

    private static Map<String, Object> seedRow(String id, String answer, String dataType, long type) {
        return row("question_id", id, "question", "What is it?", "choice_a", "cat", "choice_b", "dog", "choice_c", "car",
                "choice_d", "tree", "answer", answer, "data_type", dataType, "question_type_id", type, "image", List.of());
    }

    @Test
    void seedAsksImageQuestionsOnlyWithLettersAndNamedTypes() {
        SeedTask task = new SeedTask();
        List<BenchItem> items = task.items(seedRow("101_0", "B", "image", 1), 0);
        assertThat(items).hasSize(1);
        BenchItem item = items.get(0);
        assertThat(item.prompt()).isEqualTo("What is it?\nA. cat\nB. dog\nC. car\nD. tree\n"
                + "Answer with the option's letter from the given choices directly.");
        assertThat(item.category()).isEqualTo("Scene Understanding");
        assertThat(item.ids()).isEqualTo(Map.of("question_id", "101_0"));
        assertThat(item.detail()).containsEntry(BenchTask.IMAGES, "image");
        assertThat(task.items(seedRow("v1", "A", "video", 10), 1)).isEmpty();
        assertThat(task.items(seedRow("9", "A", "image", 99), 2).get(0).category()).isEqualTo("99");
        assertThatThrownBy(() -> task.items(seedRow("7", "E", "image", 1), 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("answer 'E'");
        Map<String, Object> noChoiceD = seedRow("8", "A", "image", 1);
        noChoiceD.remove("choice_d");
        assertThatThrownBy(() -> task.items(noChoiceD, 4)).hasMessageContaining("no column 'choice_d'");
    }

    @Test
    void seedIsRightOnlyForTheExactLetter() {
        SeedTask task = new SeedTask();
        List<BenchItem> items = new ArrayList<>();
        items.addAll(task.items(seedRow("1", "A", "image", 1), 0));
        items.addAll(task.items(seedRow("2", "A", "image", 1), 1));
        items.addAll(task.items(seedRow("3", "B", "image", 2), 2));
        items.addAll(task.items(seedRow("4", "C", "image", 2), 3));
        items.addAll(task.items(seedRow("5", "D", "image", 2), 4));
        // "A" right; "A." and "b" wrong (LLaVA compares the text with the letter); 4 missing; "D" right
        TaskScore s = task.score(items, Map.of("1", "A", "2", "A.", "3", "b", "5", "D"));
        assertThat(s.perItem()).containsEntry("1", 1.0).containsEntry("2", 0.0).containsEntry("3", 0.0)
                .containsEntry("4", 0.0).containsEntry("5", 1.0);
        // 2 of 5 -> 40; Scene Understanding 1 of 2 -> 50; Instance Identity 1 of 3 -> 33.3
        assertThat(s.metrics()).containsEntry("accuracy", 40.0).containsEntry("answered", 4L);
        @SuppressWarnings("unchecked")
        Map<String, Object> categories = (Map<String, Object>) s.metrics().get("categories");
        assertThat(categories).containsEntry("Scene Understanding", 50.0).containsEntry("Instance Identity", 100.0 / 3);
    }

    @Test
    void mmmuMultiChoiceParsing() {
        List<String> letters = List.of("A", "B", "C", "D");
        Map<String, String> ans = Map.of("A", "barrel-vaulted roofing", "B", "decorative rhythm", "C", "a higher roof",
                "D", "light and air");
        assertThat(MmmuAnswers.parseMultiChoice("(B)", letters, ans, "x")).isEqualTo(new MmmuAnswers.Choice("B", false));
        // ",.!?;:'" stripped from both ends in turn: "'C'." -> "'C'" -> "C" -> " C "
        assertThat(MmmuAnswers.parseMultiChoice("'C'.", letters, ans, "x").letter()).isEqualTo("C");
        assertThat(MmmuAnswers.parseMultiChoice("B.", letters, ans, "x").letter()).isEqualTo("B");
        // brackets win over bare letters: " A " occurs, but (D) is the only bracketed one
        assertThat(MmmuAnswers.parseMultiChoice("A is wrong, the answer is (D)", letters, ans, "x").letter()).isEqualTo("D");
        // two bracketed letters: the later one
        assertThat(MmmuAnswers.parseMultiChoice("(A) is wrong, (B) is right", letters, ans, "x").letter()).isEqualTo("B");
        // two bare letters " A " and " B ": B occurs last
        assertThat(MmmuAnswers.parseMultiChoice("Either A or B", letters, ans, "x").letter()).isEqualTo("B");
        // no letter, more than 5 words: option texts (case-insensitive); both found, "Barrel-vaulted roofing" last
        assertThat(MmmuAnswers.parseMultiChoice("not the decorative rhythm but the Barrel-vaulted roofing", letters, ans, "x"))
                .isEqualTo(new MmmuAnswers.Choice("A", false));
        // no letter, 5 words or fewer: option texts are not looked at; guessed from the id:
        // "x".hashCode() = 120 -> 120 mod 4 = 0 -> A; "y" = 121 -> B
        assertThat(MmmuAnswers.parseMultiChoice("decorative rhythm I guess", letters, ans, "x"))
                .isEqualTo(new MmmuAnswers.Choice("A", true));
        assertThat(MmmuAnswers.parseMultiChoice("no idea", letters, ans, "y")).isEqualTo(new MmmuAnswers.Choice("B", true));
        // lowercase letters are not letters
        assertThat(MmmuAnswers.parseMultiChoice("b", letters, ans, "y").guessed()).isTrue();
    }

    @Test
    void mmmuOpenParsingAndNumberNormalisation() {
        // "is " gives "42", "answer " gives "is 42": the shortest tail, and its number; both normalise to 42.0
        assertThat(MmmuAnswers.parseOpen("The answer is 42.")).containsExactlyInAnyOrder(42.0);
        // no indicator: the whole (lowercased) response, and its numbers: "1,234" with commas and "234" alone
        assertThat(MmmuAnswers.extractNumbers("1,234 apples")).containsExactly("1,234", "234");
        assertThat(MmmuAnswers.parseOpen("1,234 Apples")).containsExactlyInAnyOrder("1,234 apples", 1234.0, 234.0);
        // the official patterns' quirk: the simple one still finds "3" (before ".5e") and "-2" in a scientific number
        assertThat(MmmuAnswers.extractNumbers("about 3.5e-2 m")).containsExactly("3.5e-2", "3", "-2");
        // per line; "=" only counts on the last line
        assertThat(MmmuAnswers.parseOpen("x = 3\nso the result is 7")).containsExactlyInAnyOrder(7.0);
        assertThat(MmmuAnswers.parseOpen("first it is 5\nso the result is 7")).containsExactlyInAnyOrder(5.0, 7.0);
        // an indicator with nothing after it gives no answer: line 1 "the value is " has an empty tail
        assertThat(MmmuAnswers.parseOpen("the value is \nso 5")).containsExactlyInAnyOrder(5.0);
        // ... and when no line gives one, the whole response is the answer
        assertThat(MmmuAnswers.parseOpen("Y =")).containsExactlyInAnyOrder("y =");
        // a single character only matches as a word
        assertThat(MmmuAnswers.normalize(" B ")).containsExactly(" b", "b ");
        assertThat(MmmuAnswers.evalOpen(List.of("b"), Set.of("abc"))).isFalse();
        assertThat(MmmuAnswers.evalOpen(List.of("b"), MmmuAnswers.parseOpen("b"))).isTrue();
        // numbers: Python's round(x, 2) of the exact binary value: 2.675 is 2.67499999... -> 2.67
        assertThat(MmmuAnswers.evalOpen(List.of("2.67"), MmmuAnswers.parseOpen("2.675"))).isTrue();
        assertThat(MmmuAnswers.evalOpen(List.of("2.68"), MmmuAnswers.parseOpen("2.675"))).isFalse();
        assertThat(MmmuAnswers.evalOpen(List.of("3.14"), MmmuAnswers.parseOpen("It is about 3.14159"))).isTrue();
        assertThat(MmmuAnswers.evalOpen(List.of("1234"), MmmuAnswers.parseOpen("1,234 apples"))).isTrue();
        assertThat(MmmuAnswers.evalOpen(List.of("24", "24.0"), MmmuAnswers.parseOpen("The total is 24.00"))).isTrue();
        assertThat(MmmuAnswers.evalOpen(List.of("41"), MmmuAnswers.parseOpen("The answer is 42."))).isFalse();
        // a text gold answer is found inside a text prediction
        assertThat(MmmuAnswers.evalOpen(List.of("Mitochondria"), MmmuAnswers.parseOpen("It is the mitochondria."))).isTrue();
        // Python float(): underscores, inf, a sign and a bare point; not two points or letters
        assertThat(MmmuAnswers.pythonFloat("1_000")).isEqualTo(1000.0);
        assertThat(MmmuAnswers.pythonFloat("-.5")).isEqualTo(-0.5);
        assertThat(MmmuAnswers.pythonFloat("Infinity")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(MmmuAnswers.pythonFloat("5.")).isEqualTo(5.0);
        assertThat(MmmuAnswers.pythonFloat("1.2.3")).isNull();
        assertThat(MmmuAnswers.pythonFloat("12a")).isNull();
        assertThat(MmmuAnswers.pythonFloat(".")).isNull();
        assertThat(MmmuAnswers.round2(-0.001)).isEqualTo(0.0);
        assertThat(MmmuAnswers.strip(",,A,,", ',')).isEqualTo("A");
    }

    private static Map<String, Object> mmmuRow(String id, String question, String options, String answer, String type) {
        return row("id", id, "question", question, "options", options, "answer", answer, "question_type", type,
                "subfield", "Painting", "image_1", null);
    }

    @Test
    void mmmuPromptsAndImagesInOrder() {
        MmmuTask task = new MmmuTask();
        BenchItem mc = task.items(mmmuRow("validation_Art_Theory_12", "Compare <image 2> with <image 1>.",
                "['it\\'s red', \"<image 3>\"]", "B", "multiple-choice"), 0).get(0);
        assertThat(mc.prompt()).isEqualTo("Compare <image 2> with <image 1>.\n(A) it's red\n(B) <image 3>\n\n"
                + "Answer with the option's letter from the given choices directly.");
        assertThat(mc.detail()).containsEntry(BenchTask.IMAGES, "image_1,image_2,image_3")
                .containsEntry("question_type", "multiple-choice");
        assertThat(mc.category()).isEqualTo("Art_Theory");
        assertThat(mc.ids()).isEqualTo(Map.of("question_id", "validation_Art_Theory_12"));
        BenchItem open = task.items(mmmuRow("validation_Math_3", "How long is the side?", "[]", "['24', '24.0']", "open"), 1).get(0);
        assertThat(open.prompt()).isEqualTo("How long is the side?\nAnswer the question using a single word or phrase.");
        assertThat(open.detail()).containsEntry(BenchTask.IMAGES, "image_1");
        assertThat(open.answers()).containsExactly("24", "24.0");
        assertThatThrownBy(() -> task.items(mmmuRow("validation_Art_1", "Q", "['a', 'b'", "A", "multiple-choice"), 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("options of validation_Art_1 is not a Python list");
        assertThatThrownBy(() -> task.items(mmmuRow("validation_Art_1", "Q", "[]", "A", "multiple-choice"), 2))
                .hasMessageContaining("0 options");
    }

    @Test
    void mmmuScoresChoicesAndOpenAnswersPerSubjectAndType() {
        MmmuTask task = new MmmuTask();
        List<BenchItem> items = new ArrayList<>();
        items.addAll(task.items(mmmuRow("validation_Art_1", "Q <image 1>", "['red', 'blue']", "B", "multiple-choice"), 0));
        items.addAll(task.items(mmmuRow("validation_Art_2", "Q <image 1>", "['red', 'blue']", "A", "multiple-choice"), 1));
        items.addAll(task.items(mmmuRow("validation_Math_1", "Q <image 1>", "[]", "24", "open"), 2));
        items.addAll(task.items(mmmuRow("validation_Math_2", "Q <image 1>", "[]", "7", "open"), 3));
        // Art_1: "(B) blue" -> B right; Art_2: "no idea" -> guessed letter: "validation_Art_2".hashCode() mod 2
        // picks one of two, counted as guessed; Math_1: "the side is 24 cm" -> "24 cm", 24.0 -> right; Math_2 missing -> wrong
        TaskScore s = task.score(items, Map.of("validation_Art_1", "(B) blue", "validation_Art_2", "no idea",
                "validation_Math_1", "The side is 24 cm"));
        String guess = Math.floorMod("validation_Art_2".hashCode(), 2) == 0 ? "A" : "B";
        double art2 = guess.equals("A") ? 1.0 : 0.0;
        assertThat(s.perItem()).containsEntry("validation_Art_1", 1.0).containsEntry("validation_Art_2", art2)
                .containsEntry("validation_Math_1", 1.0).containsEntry("validation_Math_2", 0.0);
        assertThat(s.metrics()).containsEntry("accuracy", (2 + art2) * 25).containsEntry("guessed", 1L)
                .containsEntry("question_types", Map.of("multiple-choice", (1 + art2) * 50, "open", 50.0));
        @SuppressWarnings("unchecked")
        Map<String, Object> categories = (Map<String, Object>) s.metrics().get("categories");
        assertThat(categories).containsEntry("Math", 50.0);
        // disciplines: Art is in Art and Design, Math in Science
        assertThat(s.metrics()).containsEntry("domains", Map.of("Art and Design", (1 + art2) * 50, "Science", 50.0));
    }

    @Test
    void bothTasksByName() {
        assertThat(BenchTasks.byName("SEED-IMG")).isInstanceOf(SeedTask.class);
        assertThat(BenchTasks.byName("mmmu").paper()).containsExactly(39.1, 45.0);
        assertThat(BenchTasks.byName("seed_img").paper()).containsExactly(72.1, 73.2);
    }
}
