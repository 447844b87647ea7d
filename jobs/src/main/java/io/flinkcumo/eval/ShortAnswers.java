package io.flinkcumo.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
        Map<String, double[]> byCategory = new TreeMap<>();
        double sum = 0;
        long answered = 0;
        for (BenchItem item : items) {
            double s = perItem.get(item.key());
            sum += s;
            answered += predictions.containsKey(item.key()) ? 1 : 0;
            double[] c = byCategory.computeIfAbsent(item.category(), k -> new double[2]);
            c[0] += s;
            c[1]++;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task);
        m.put("questions", items.size());
        m.put("answered", answered);
        m.put("accuracy", RowValues.percent(sum, items.size()));
        if (byCategory.size() > 1) {
            Map<String, Object> categories = new LinkedHashMap<>();
            byCategory.forEach((k, v) -> categories.put(k, RowValues.percent(v[0], v[1])));
            m.put("categories", categories);
        }
        return m;
    }
}
