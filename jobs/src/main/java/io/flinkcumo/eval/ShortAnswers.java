package io.flinkcumo.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the short-answer tasks share: the prompt and the mean-per-category summary. */
final class ShortAnswers {

    private ShortAnswers() {}

    /** {@code question + "\n" + suffix}, as LLaVA's question files have it. */
    static String prompt(String question, String suffix) {
        return question + "\n" + suffix;
    }

    /**
     * {@code accuracy}: mean item score x 100; {@code questions}, {@code answered} (with a
     * prediction) and per category the same.
     */
    static Map<String, Object> meanMetrics(String task, List<BenchItem> items, Map<String, String> predictions,
            Map<String, Double> perItem) {
        Tally byCategory = new Tally();
        double sum = 0;
        long answered = 0;
        for (BenchItem item : items) {
            double s = perItem.get(item.key());
            sum += s;
            answered += predictions.containsKey(item.key()) ? 1 : 0;
            byCategory.add(item.category(), s);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task);
        m.put("questions", items.size());
        m.put("answered", answered);
        m.put("accuracy", RowValues.percent(sum, items.size()));
        if (byCategory.size() > 1) {
            m.put("categories", byCategory.percentages());
        }
        return m;
    }
}
