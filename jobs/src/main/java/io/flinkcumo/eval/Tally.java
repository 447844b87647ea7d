package io.flinkcumo.eval;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Scores summed per key (a category, a question type) with their counts, reported as percentages. */
final class Tally {

    private final Map<String, double[]> byKey = new TreeMap<>(); // key -> {score sum, count}

    /** One item of {@code key} scoring {@code score} (1 right, 0 wrong, or a soft score). */
    void add(String key, double score) {
        double[] c = byKey.computeIfAbsent(key, k -> new double[2]);
        c[0] += score;
        c[1]++;
    }

    void add(String key, boolean right) {
        add(key, right ? 1 : 0);
    }

    int size() {
        return byKey.size();
    }

    /** Mean score × 100 per key, in key order. */
    Map<String, Object> percentages() {
        Map<String, Object> out = new LinkedHashMap<>();
        byKey.forEach((k, v) -> out.put(k, RowValues.percent(v[0], v[1])));
        return out;
    }
}
