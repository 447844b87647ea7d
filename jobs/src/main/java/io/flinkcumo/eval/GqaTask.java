package io.flinkcumo.eval;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * GQA test-dev balanced (lmms-lab/GQA {@code testdev_balanced_instructions}: {@code id}, {@code
 * question}, {@code answer}; its images are a separate config keyed by {@code imageId}, so the job
 * reads a file with both joined — README, "Reproduce the paper's table").
 *
 * <p>Scored as LLaVA's {@code convert_gqa_for_eval.py} and GQA's {@code eval.py}: the prediction
 * with every trailing period stripped ({@code rstrip('.')}) and lowercased must equal the answer.
 */
public final class GqaTask implements BenchTask {

    @Override
    public String name() {
        return "gqa";
    }

    @Override
    public List<BenchItem> items(Map<String, Object> row, long position) {
        Object id = RowValues.idValue(row.containsKey("id") ? RowValues.required(row, "id") : RowValues.required(row, "question_id"));
        String question = RowValues.requiredText(row, "question");
        String answer = RowValues.requiredText(row, "answer");
        return List.of(new BenchItem(BenchItem.key(List.of(id)), RowValues.ids("question_id", id),
                ShortAnswers.prompt(question, SHORT_ANSWER), "all", answer, List.of(), List.of(), null, Map.of()));
    }

    /** {@code text.rstrip('.').lower()}. */
    public static String normalise(String prediction) {
        int end = prediction.length();
        while (end > 0 && prediction.charAt(end - 1) == '.') {
            end--;
        }
        return prediction.substring(0, end).toLowerCase(Locale.ROOT);
    }

    @Override
    public TaskScore score(List<BenchItem> items, Map<String, String> predictions) {
        Map<String, Double> perItem = new HashMap<>();
        for (BenchItem item : items) {
            String p = predictions.get(item.key());
            perItem.put(item.key(), p != null && normalise(p).equals(item.answer()) ? 1.0 : 0.0);
        }
        return new TaskScore(ShortAnswers.meanMetrics(name(), items, predictions, perItem), perItem);
    }

    @Override
    public String headline() {
        return "accuracy";
    }

    @Override
    public double[] paper() {
        return new double[] {64.9, 63.8};
    }
}
