package io.flinkcumo.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each task's official scoring rules on their edge cases; every expected number is worked out by hand in the comment. */
class TaskScoringTest {

    private static List<String> answers(Object... countAndAnswer) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < countAndAnswer.length; i += 2) {
            out.addAll(Collections.nCopies((Integer) countAndAnswer[i], (String) countAndAnswer[i + 1]));
        }
        return out;
    }

    private static Map<String, Object> row(Object... keyValues) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            row.put((String) keyValues[i], keyValues[i + 1]);
        }
        return row;
    }

    @Test
    void vqav2SoftAccuracyLeavesEachAnswerOutInTurn() {
        // unanimous: every leave-one-out subset has 9 matches -> min(1, 9/3) = 1
        assertThat(Vqav2Task.score("Yes.", answers(10, "yes"))).isEqualTo(1.0);
        // 2 x "2", 8 x "3", prediction "two" -> "2": leaving a "2" out: 1/3 (twice); leaving a "3" out: 2/3 (8 times) -> 6/10
        assertThat(Vqav2Task.score("two", answers(2, "2", 8, "3"))).isCloseTo(0.6, within(1e-12));
        // 3 x red, 7 x blue: (3 * 2/3 + 7 * 1) / 10 = 0.9
        assertThat(Vqav2Task.score("red", answers(3, "red", 7, "blue"))).isCloseTo(0.9, within(1e-12));
        assertThat(Vqav2Task.score("green", answers(3, "red", 7, "blue"))).isEqualTo(0.0);
        // the official quirk: the answers get punctuation processing only when annotators disagree
        assertThat(Vqav2Task.score("T-shirt", answers(4, "t-shirt", 6, "shirt"))).isEqualTo(1.0);
        assertThat(Vqav2Task.score("T-shirt", answers(10, "t-shirt"))).isEqualTo(0.0);
    }

    @Test
    void vqav2WithoutAnswersIsUnscoredAndAMissingPredictionIsWrong() {
        Vqav2Task task = new Vqav2Task();
        List<BenchItem> items = new ArrayList<>();
        items.addAll(task.items(row("question_id", 1L, "question", "What?", "answers",
                List.of(Map.of("answer", "yes", "answer_confidence", "yes", "answer_id", 1L)), "answer_type", "yes/no"), 0));
        items.addAll(task.items(row("question_id", 2L, "question", "Who?", "answers", List.of("no", "no", "no"), "answer_type", "yes/no"), 1));
        items.addAll(task.items(row("question_id", 3L, "question", "Test?", "answers", null), 2));
        assertThat(items.get(0).prompt()).isEqualTo("What?\nAnswer the question using a single word or phrase.");
        TaskScore s = task.score(items, Map.of("1", "Yes"));
        // one answer "yes": its only leave-one-out subset is empty -> 0 matches -> 0 (as the official script)
        assertThat(s.metrics()).containsEntry("questions", 2).containsEntry("answered", 1L).containsEntry("unscored", 1)
                .containsEntry("accuracy", 0.0);
        TaskScore three = task.score(items, Map.of("2", "no"));
        // 3 x "no": each left out -> 2 matches -> 2/3
        assertThat((double) three.metrics().get("accuracy")).isCloseTo(100 * (2.0 / 3) / 2, within(1e-9));
    }

    @Test
    void textVqaProcessesAnswersAndPrediction() {
        // "Coca Cola" x2 and "coca-cola" all become "coca cola" (3), "coke" x7: (3 * 2/3 + 7 * 1) / 10 = 0.9
        assertThat(TextVqaTask.score("Coca-Cola.", answers(2, "Coca Cola", 1, "coca-cola", 7, "coke")))
                .isCloseTo(0.9, within(1e-12));
        assertThat(TextVqaTask.score("pepsi", answers(10, "coke"))).isEqualTo(0.0);
        TextVqaTask task = new TextVqaTask();
        BenchItem item = task.items(row("question_id", 5L, "question", "what brand?", "answers", answers(10, "coke"),
                "ocr_tokens", List.of("coca", "cola")), 0).get(0);
        assertThat(item.prompt()).isEqualTo(
                "what brand?\nReference OCR token: coca, cola\nAnswer the question using a single word or phrase.");
        BenchItem noOcr = task.items(row("question_id", 6L, "question", "what?", "answers", answers(10, "x"), "ocr_tokens", List.of()), 1).get(0);
        assertThat(noOcr.prompt()).isEqualTo("what?\nAnswer the question using a single word or phrase.");
    }

    @Test
    void gqaStripsTrailingPeriodsAndLowercasesOnly() {
        GqaTask task = new GqaTask();
        List<BenchItem> items = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            items.addAll(task.items(row("id", "q" + i, "question", "Q" + i, "answer", "yes"), i));
        }
        Map<String, String> p = Map.of("q0", "Yes..", "q1", " yes", "q2", "YES", "q3", "yes!");
        TaskScore s = task.score(items, p);
        // right: q0 ("yes"), q2; wrong: q1 (leading space), q3 (other punctuation), q4 (missing) -> 2/5
        assertThat(s.metrics()).containsEntry("accuracy", 40.0).containsEntry("answered", 4L);
        assertThat(s.perItem()).containsEntry("q0", 1.0).containsEntry("q1", 0.0).containsEntry("q4", 0.0);
    }

    @Test
    void popeParsesTheFirstSentenceForNoWords() {
        assertThat(PopeTask.parseYes("No, there is not.")).isFalse();
        assertThat(PopeTask.parseYes("Yes, there is a dog. No other animal.")).isTrue();
        assertThat(PopeTask.parseYes("no.")).isFalse();
        assertThat(PopeTask.parseYes("Nope")).isTrue();
        assertThat(PopeTask.parseYes("NO")).isTrue();
        assertThat(PopeTask.parseYes("There is not a dog")).isFalse();
        assertThat(PopeTask.parseYes("yes,no")).isTrue(); // commas removed: the word is "yesno"
    }

    @Test
    void popeMetricsPerCategoryThenAveraged() {
        PopeTask task = new PopeTask();
        List<BenchItem> items = new ArrayList<>();
        Map<String, String> p = new HashMap<>();
        Object[][] rows = {
            {1L, "yes", "random", "Yes"}, {2L, "yes", "random", "No"}, {3L, "no", "random", "Yes"}, {4L, "no", "random", "No"},
            {5L, "yes", "popular", "yes"}, {6L, "no", "popular", "no"},
            {7L, "yes", "adversarial", null},
        };
        for (Object[] r : rows) {
            items.addAll(task.items(row("question_id", r[0], "question", "Is there?", "answer", r[1], "category", r[2]), 0));
            if (r[3] != null) {
                p.put(r[0].toString(), (String) r[3]);
            }
        }
        Map<String, Object> m = task.score(items, p).metrics();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> c = (Map<String, Map<String, Object>>) m.get("categories");
        // random: tp fn fp tn = 1 each -> 50 everywhere
        assertThat(c.get("random")).containsEntry("accuracy", 50.0).containsEntry("precision", 50.0)
                .containsEntry("recall", 50.0).containsEntry("f1", 50.0).containsEntry("yes_ratio", 50.0);
        // popular: all right, one yes of two
        assertThat(c.get("popular")).containsEntry("f1", 100.0).containsEntry("yes_ratio", 50.0);
        // adversarial: the missing prediction is the wrong answer "no": fn = 1, precision 0/0 -> 0
        assertThat(c.get("adversarial")).containsEntry("accuracy", 0.0).containsEntry("precision", 0.0)
                .containsEntry("f1", 0.0).containsEntry("fn", 1L);
        assertThat((double) m.get("f1")).isCloseTo(50.0, within(1e-9));
        assertThat((double) m.get("accuracy")).isCloseTo(50.0, within(1e-9));
        assertThat((double) m.get("yes_ratio")).isCloseTo(100.0 / 3, within(1e-9));
    }

    @Test
    void mmeParsesThePrefixAndScoresAccuracyPlusAccuracyPlus() {
        assertThat(MmeTask.parse("Yes")).isEqualTo("yes");
        assertThat(MmeTask.parse("Yes, it is.")).isEqualTo("yes");
        assertThat(MmeTask.parse("No.")).isEqualTo("no");
        assertThat(MmeTask.parse("noo")).isEqualTo("no");
        assertThat(MmeTask.parse("There is no dog")).isEqualTo("other");
        assertThat(MmeTask.parse("It is yes")).isEqualTo("other");
        assertThat(MmeTask.parse("y.e.s")).isEqualTo("yes");

        MmeTask task = new MmeTask();
        List<BenchItem> items = new ArrayList<>();
        Object[][] rows = {
            {"artwork/a.jpg", "Is it A? Please answer yes or no.", "Yes", "artwork"},
            {"artwork/a.jpg", "Is it B? Please answer yes or no.", "No", "artwork"},
            {"artwork/b.jpg", "Is it C? Please answer yes or no.", "Yes", "artwork"},
            {"artwork/b.jpg", "Is it D? Please answer yes or no.", "No", "artwork"},
            {"code_reasoning/c.png", "Prints 1?", "Yes", "code_reasoning"},
            {"code_reasoning/c.png", "Prints 2?", "No", "code_reasoning"},
        };
        for (Object[] r : rows) {
            items.addAll(task.items(row("question_id", r[0], "question", r[1], "answer", r[2], "category", r[3]), 0));
        }
        Map<String, String> p = new HashMap<>();
        p.put(BenchItem.key(List.of("artwork/a.jpg", "Is it A? Please answer yes or no.")), "Yes.");
        p.put(BenchItem.key(List.of("artwork/a.jpg", "Is it B? Please answer yes or no.")), "No");
        p.put(BenchItem.key(List.of("artwork/b.jpg", "Is it C? Please answer yes or no.")), "yes");
        p.put(BenchItem.key(List.of("artwork/b.jpg", "Is it D? Please answer yes or no.")), "Yes");
        p.put(BenchItem.key(List.of("code_reasoning/c.png", "Prints 1?")), "Yes");
        Map<String, Object> m = task.score(items, p).metrics();
        // artwork: 3/4 right = 75, 1 of 2 images fully right = 50 -> 125; code_reasoning: 1/2 = 50, 0/1 -> 50
        assertThat(m).containsEntry("perception", 125.0).containsEntry("cognition", 50.0);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> sub = (Map<String, Map<String, Object>>) m.get("subtasks");
        assertThat(sub.get("artwork")).containsEntry("accuracy", 75.0).containsEntry("accuracy_plus", 50.0);
    }

    @Test
    void mmbenchRotatesOptionsAndNeedsEveryRotationRight() {
        MmBenchTask task = new MmBenchTask(false);
        List<BenchItem> items = task.items(row("index", 7L, "question", "Which pet?", "hint", "H", "A", "cat", "B", "dog", "C", "bird",
                "D", null, "answer", "B", "category", "pets", "l2-category", "animals"), 0);
        assertThat(items).hasSize(3);
        assertThat(items.get(0).prompt()).isEqualTo(
                "H\nWhich pet?\nA. cat\nB. dog\nC. bird\nAnswer with the option's letter from the given choices directly.");
        // rotation r shows options[r:] + options[:r]: dog moves from B to A, then to C
        assertThat(items.get(1).prompt()).contains("A. dog\nB. bird\nC. cat");
        assertThat(items.stream().map(BenchItem::answer)).containsExactly("B", "A", "C");
        assertThat(items.get(2).ids()).containsEntry("index", 7L).containsEntry("rotation", 2);

        Map<String, String> allRight = Map.of("7\u001f0", "B", "7\u001f1", "The answer is (A).", "7\u001f2", "bird? no: dog");
        // rotation 2 names no letter; of the option texts only "dog" and "bird" occur -> two -> none -> wrong
        TaskScore s = task.score(items, allRight);
        assertThat(s.perItem()).containsEntry("7\u001f0", 1.0).containsEntry("7\u001f1", 1.0).containsEntry("7\u001f2", 0.0);
        assertThat(s.metrics()).containsEntry("accuracy", 0.0).containsEntry("questions", 1);
        TaskScore right = task.score(items, Map.of("7\u001f0", "B", "7\u001f1", "A", "7\u001f2", "C"));
        assertThat(right.metrics()).containsEntry("accuracy", 100.0);
        assertThat(task.score(items, Map.of("7\u001f0", "B", "7\u001f1", "A")).metrics()).containsEntry("accuracy", 0.0);

        List<BenchItem> cn = new MmBenchTask(true).items(row("index", 8L, "question", "Q", "hint", "nan", "A", "x", "B", "y",
                "answer", "A"), 0);
        assertThat(cn.get(0).prompt()).isEqualTo("Q\nA. x\nB. y\n请直接回答选项字母。");
    }

    @Test
    void mmbenchLetterExtraction() {
        List<String> shown = List.of("cat", "dog", "bird");
        assertThat(MmBenchTask.extract("B", shown)).isEqualTo("B");
        assertThat(MmBenchTask.extract("(C) bird", shown)).isEqualTo("C");
        assertThat(MmBenchTask.extract("A or B", shown)).isNull();
        assertThat(MmBenchTask.extract("It is a dog", shown)).isEqualTo("B");
        assertThat(MmBenchTask.extract("D", shown)).isNull(); // not a shown letter, and no option text
        assertThat(MmBenchTask.extract("A cat", shown)).isEqualTo("A");
    }

    @Test
    void scienceQaLetterRules() {
        assertThat(ScienceQaTask.predictedIndex("B", 3)).isEqualTo(1);
        assertThat(ScienceQaTask.predictedIndex("B. dog", 3)).isEqualTo(1);
        assertThat(ScienceQaTask.predictedIndex("The answer is C.", 3)).isEqualTo(2);
        assertThat(ScienceQaTask.predictedIndex("The answer is C. The answer is A.", 3)).isEqualTo(-1);
        assertThat(ScienceQaTask.predictedIndex("E", 3)).isEqualTo(-1);
        assertThat(ScienceQaTask.predictedIndex("b", 3)).isEqualTo(-1);
        assertThat(ScienceQaTask.predictedIndex("Answer: B", 3)).isEqualTo(-1);
        assertThat(ScienceQaTask.predictedIndex("B.dog", 3)).isEqualTo(-1);

        ScienceQaTask task = new ScienceQaTask();
        BenchItem withHint = task.items(row("question", "Which is a mammal?", "choices", List.of("cat", "trout"), "answer", 0L,
                "hint", "Look at the animals."), 4).get(0);
        assertThat(withHint.prompt()).isEqualTo("Context: Look at the animals.\nWhich is a mammal?\nA. cat\nB. trout\n"
                + "Answer with the option's letter from the given choices directly.");
        assertThat(withHint.ids()).containsEntry("question_id", 4L);
        BenchItem noHint = task.items(row("question", "Q", "choices", List.of("x", "y"), "answer", 1L, "hint", ""), 5).get(0);
        assertThat(noHint.prompt()).startsWith("Q\nA. x");
        TaskScore s = task.score(List.of(withHint, noHint), Map.of("4", "A", "5", "A"));
        assertThat(s.metrics()).containsEntry("accuracy", 50.0);
        assertThatThrownBy(() -> task.items(row("question", "Q", "answer", 1L), 0))
                .hasMessageContaining("no column 'choices'");
    }

    @Test
    void tasksByName() {
        assertThat(BenchTasks.byName("MMBench-EN").name()).isEqualTo("mmbench_en");
        assertThatThrownBy(() -> BenchTasks.byName("seed")).hasMessageContaining("known: sqa_img, textvqa");
    }
}
