package io.flinkcumo.eval;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * POPE (lmms-lab/POPE: {@code question_id}, {@code question}, {@code answer} yes/no, {@code
 * category} adversarial / popular / random).
 *
 * <p>Scored as LLaVA's {@code eval_pope.py}: the answer is cut at its first period, commas are
 * removed, and it is "no" when one of the words split on single spaces is {@code No}, {@code not}
 * or {@code no}, else "yes"; the label is "no" only when it is {@code no} (lowercased here, as
 * lmms-lab writes it). Per category: accuracy, precision, recall and F1 with "yes" as the positive
 * class, and the yes-ratio of the predictions; then each averaged over the categories (the paper's
 * POPE column is the averaged F1). A missing prediction counts as the wrong answer; a ratio with
 * a zero denominator is 0 (the script would divide by zero).
 */
public final class PopeTask implements BenchTask {

    static final List<String> METRICS = List.of("accuracy", "precision", "recall", "f1", "yes_ratio");

    @Override
    public String name() {
        return "pope";
    }

    @Override
    public List<BenchItem> items(Map<String, Object> row, long position) {
        Object id = RowValues.idValue(RowValues.required(row, "question_id"));
        String question = RowValues.requiredText(row, "question");
        String answer = RowValues.requiredText(row, "answer").strip().toLowerCase(Locale.ROOT);
        String category = row.get("category") == null ? "all" : RowValues.text(row.get("category"));
        return List.of(new BenchItem(BenchItem.key(List.of(id)), RowValues.ids("question_id", id),
                ShortAnswers.prompt(question, SHORT_ANSWER), category, answer, List.of(), List.of(), null, Map.of()));
    }

    /** LLaVA's yes/no parsing: true for "yes". */
    public static boolean parseYes(String text) {
        String t = text;
        int period = t.indexOf('.');
        if (period >= 0) {
            t = t.substring(0, period);
        }
        t = t.replace(",", "");
        List<String> words = Arrays.asList(t.split(" ", -1));
        return !(words.contains("No") || words.contains("not") || words.contains("no"));
    }

    @Override
    public TaskScore score(List<BenchItem> items, Map<String, String> predictions) {
        Map<String, Double> perItem = new HashMap<>();
        Map<String, long[]> confusion = new TreeMap<>(); // tp, fp, tn, fn
        long answered = 0;
        for (BenchItem item : items) {
            boolean label = !item.answer().equals("no");
            String p = predictions.get(item.key());
            answered += p != null ? 1 : 0;
            boolean pred = p == null ? !label : parseYes(p);
            long[] c = confusion.computeIfAbsent(item.category(), k -> new long[4]);
            c[pred ? (label ? 0 : 1) : (label ? 3 : 2)]++;
            perItem.put(item.key(), pred == label ? 1.0 : 0.0);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", name());
        m.put("questions", items.size());
        m.put("answered", answered);
        Map<String, Object> categories = new LinkedHashMap<>();
        double[] mean = new double[METRICS.size()];
        for (Map.Entry<String, long[]> e : confusion.entrySet()) {
            double[] v = metrics(e.getValue());
            Map<String, Object> c = new LinkedHashMap<>();
            for (int i = 0; i < v.length; i++) {
                c.put(METRICS.get(i), v[i]);
                mean[i] += v[i] / confusion.size();
            }
            long[] n = e.getValue();
            c.put("tp", n[0]);
            c.put("fp", n[1]);
            c.put("tn", n[2]);
            c.put("fn", n[3]);
            categories.put(e.getKey(), c);
        }
        for (int i = 0; i < mean.length; i++) {
            m.put(METRICS.get(i), mean[i]);
        }
        m.put("categories", categories);
        return new TaskScore(m, perItem);
    }

    /** accuracy, precision, recall, F1, yes-ratio (x100) of a confusion matrix {tp, fp, tn, fn}. */
    static double[] metrics(long[] c) {
        double tp = c[0], fp = c[1], tn = c[2], fn = c[3];
        double precision = tp + fp == 0 ? 0 : tp / (tp + fp);
        double recall = tp + fn == 0 ? 0 : tp / (tp + fn);
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        double total = tp + fp + tn + fn;
        return new double[] {
            RowValues.percent(tp + tn, total), 100 * precision, 100 * recall, 100 * f1, RowValues.percent(tp + fp, total)
        };
    }

    @Override
    public String headline() {
        return "f1";
    }

    @Override
    public double[] paper() {
        return new double[] {86.7, 85.7};
    }
}
