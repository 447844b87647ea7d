package io.flinkcumo.eval;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * MME (lmms-lab/MME: {@code question_id} the image such as {@code artwork/10002.jpg}, shared by
 * its two questions, {@code question}, {@code answer} Yes/No, {@code category} the subtask).
 * Predictions are identified by {@code question_id} and {@code question}.
 *
 * <p>Scored as MME's {@code eval_tool/calculation.py}: answer and prediction lowercased, stripped
 * and with every period removed (a prediction's newlines first become spaces, as a TSV line needs);
 * a prediction other than yes/no is "yes" if its first 4 characters contain "yes", else "no" if
 * they contain "no", else "other" (wrong). Per subtask: accuracy (x100) over questions plus
 * accuracy+ (x100) over images, an image counting when all its questions are right; perception
 * is the sum over its 10 subtasks, cognition over its 4.
 */
public final class MmeTask implements BenchTask {

    public static final List<String> PERCEPTION = List.of(
            "existence", "count", "position", "color", "posters", "celebrity", "scene", "landmark", "artwork", "OCR");
    public static final List<String> COGNITION = List.of(
            "commonsense_reasoning", "numerical_calculation", "text_translation", "code_reasoning");

    @Override
    public String name() {
        return "mme";
    }

    @Override
    public List<String> idFields() {
        return List.of("question_id", "question");
    }

    @Override
    public List<BenchItem> items(Map<String, Object> row, long position) {
        String image = RowValues.requiredText(row, "question_id");
        String question = RowValues.requiredText(row, "question");
        String answer = RowValues.requiredText(row, "answer");
        String category = RowValues.requiredText(row, "category");
        return List.of(new BenchItem(BenchItem.key(List.of(image, question)), RowValues.ids("question_id", image, "question", question),
                ShortAnswers.prompt(question, SHORT_ANSWER), category, answer, List.of(), List.of(), category + "/" + image, Map.of()));
    }

    /** calculation.py's {@code lower().strip().replace(".", "")}. */
    static String clean(String s) {
        return s.replace('\n', ' ').toLowerCase(Locale.ROOT).strip().replace(".", "");
    }

    /** calculation.py's {@code parse_pred_ans} of a cleaned prediction: yes, no or other. */
    public static String parse(String prediction) {
        String p = clean(prediction);
        if (p.equals("yes") || p.equals("no")) {
            return p;
        }
        String prefix = p.substring(0, Math.min(4, p.length()));
        return prefix.contains("yes") ? "yes" : prefix.contains("no") ? "no" : "other";
    }

    @Override
    public TaskScore score(List<BenchItem> items, Map<String, String> predictions) {
        Map<String, Double> perItem = new HashMap<>();
        Map<String, Map<String, boolean[]>> subtasks = new TreeMap<>(); // subtask -> image -> {all right}
        Map<String, long[]> counts = new TreeMap<>(); // subtask -> right, questions
        long answered = 0;
        for (BenchItem item : items) {
            String p = predictions.get(item.key());
            answered += p != null ? 1 : 0;
            boolean right = p != null && parse(p).equals(clean(item.answer()));
            perItem.put(item.key(), right ? 1.0 : 0.0);
            long[] c = counts.computeIfAbsent(item.category(), k -> new long[2]);
            c[0] += right ? 1 : 0;
            c[1]++;
            boolean[] image = subtasks.computeIfAbsent(item.category(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(item.group(), k -> new boolean[] {true});
            image[0] &= right;
        }
        Map<String, Object> per = new LinkedHashMap<>();
        double perception = 0;
        double cognition = 0;
        for (Map.Entry<String, long[]> e : counts.entrySet()) {
            Map<String, boolean[]> images = subtasks.get(e.getKey());
            long plus = images.values().stream().filter(b -> b[0]).count();
            double acc = RowValues.percent(e.getValue()[0], e.getValue()[1]);
            double accPlus = RowValues.percent(plus, images.size());
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("score", acc + accPlus);
            s.put("accuracy", acc);
            s.put("accuracy_plus", accPlus);
            per.put(e.getKey(), s);
            if (PERCEPTION.contains(e.getKey())) {
                perception += acc + accPlus;
            } else if (COGNITION.contains(e.getKey())) {
                cognition += acc + accPlus;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", name());
        m.put("questions", items.size());
        m.put("answered", answered);
        m.put("perception", perception);
        m.put("cognition", cognition);
        m.put("subtasks", per);
        List<String> unknown = counts.keySet().stream().filter(k -> !PERCEPTION.contains(k) && !COGNITION.contains(k)).toList();
        if (!unknown.isEmpty()) {
            m.put("unknown_subtasks", unknown);
        }
        return new TaskScore(m, perItem);
    }

    @Override
    public String headline() {
        return "perception";
    }

    @Override
    public double[] paper() {
        return new double[] {1548.6, 1639.5};
    }
}
