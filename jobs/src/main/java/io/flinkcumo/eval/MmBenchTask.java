package io.flinkcumo.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * MMBench-EN / MMBench-CN dev (lmms-lab/MMBench {@code en} / {@code cn}: {@code index}, {@code
 * question}, {@code hint}, {@code A}..{@code D}, {@code answer} a letter, {@code category}, {@code
 * l2-category}), in circular evaluation.
 *
 * <p>Prompts as LLaVA's {@code model_vqa_mmbench.py --all-rounds --single-pred-prompt}: the options
 * are the columns A, B, ... up to the first empty one ({@code is_none}); rotation {@code r} shows
 * {@code options[r:] + options[:r]} as A, B, ...; the prompt is the hint (if any) and a newline,
 * the question, {@code \nA. option} per option, then {@code \n} and the suffix (CN: {@code
 * 请直接回答选项字母。}).
 *
 * <p>The letter is extracted by MMBench's rule-based matching (VLMEvalKit {@code can_infer}):
 * with {@code .()[],:;!*#{}} replaced by spaces, the answer's words containing exactly one of the
 * shown letters give that letter; else the lowercased answer containing exactly one option's text
 * (lowercased) gives that option; else it is wrong (the official server then asks ChatGPT, which
 * this does not). A question is right only if every rotation is right (a missing one is wrong).
 */
public final class MmBenchTask implements BenchTask {

    static final String LETTERS = "ABCD";
    public static final String CN_SUFFIX = "请直接回答选项字母。";

    private final boolean chinese;

    public MmBenchTask(boolean chinese) {
        this.chinese = chinese;
    }

    @Override
    public String name() {
        return chinese ? "mmbench_cn" : "mmbench_en";
    }

    @Override
    public List<String> idFields() {
        return List.of("index", "rotation");
    }

    @Override
    public List<BenchItem> items(Map<String, Object> row, long position) {
        Object index = RowValues.idValue(RowValues.required(row, "index"));
        String question = RowValues.requiredText(row, "question");
        Object hint = row.get("hint");
        List<String> options = new ArrayList<>();
        for (char c : LETTERS.toCharArray()) {
            Object v = row.get(String.valueOf(c));
            if (RowValues.isNone(v)) {
                break;
            }
            options.add(RowValues.text(v));
        }
        if (options.isEmpty()) {
            throw new IllegalArgumentException("MMBench row " + index + " has no options (column A is empty)");
        }
        String answer = RowValues.optionalText(row, "answer");
        int answerIndex = answer == null ? -1 : LETTERS.indexOf(answer.strip());
        String category = row.get("category") == null ? "all" : RowValues.text(row.get("category"));
        String l2 = RowValues.optionalText(row, "l2-category");
        int n = options.size();
        List<BenchItem> items = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            List<String> shown = new ArrayList<>(options.subList(r, n));
            shown.addAll(options.subList(0, r));
            StringBuilder prompt = new StringBuilder();
            if (!RowValues.isNone(hint)) {
                prompt.append(RowValues.text(hint)).append('\n');
            }
            prompt.append(question);
            for (int i = 0; i < n; i++) {
                prompt.append('\n').append(LETTERS.charAt(i)).append(". ").append(shown.get(i));
            }
            prompt.append('\n').append(chinese ? CN_SUFFIX : OPTION_LETTER);
            String right = answerIndex < 0 || answerIndex >= n ? null : String.valueOf(LETTERS.charAt(Math.floorMod(answerIndex - r, n)));
            Map<String, String> detail = l2 == null ? Map.of() : Map.of("l2-category", l2);
            items.add(new BenchItem(BenchItem.key(List.of(index, r)), RowValues.ids("index", index, "rotation", r),
                    prompt.toString(), category, right, List.of(), shown, String.valueOf(index), detail));
        }
        return items;
    }

    /** The letter the answer picks among the shown options, or null when the rules find none. */
    public static String extract(String prediction, List<String> shown) {
        String mod = prediction;
        for (char c : ".()[],:;!*#{}".toCharArray()) {
            mod = mod.replace(c, ' ');
        }
        List<String> words = List.of(mod.strip().split("\\s+"));
        String found = null;
        int count = 0;
        for (int i = 0; i < shown.size(); i++) {
            String letter = String.valueOf(LETTERS.charAt(i));
            if (words.contains(letter)) {
                found = letter;
                count++;
            }
        }
        if (count == 1) {
            return found;
        }
        if (count == 0) {
            String lower = prediction.toLowerCase(Locale.ROOT);
            for (int i = 0; i < shown.size(); i++) {
                if (lower.contains(shown.get(i).toLowerCase(Locale.ROOT))) {
                    found = String.valueOf(LETTERS.charAt(i));
                    count++;
                }
            }
            if (count == 1) {
                return found;
            }
        }
        return null;
    }

    @Override
    public TaskScore score(List<BenchItem> items, Map<String, String> predictions) {
        Map<String, Double> perItem = new HashMap<>();
        Map<String, boolean[]> questions = new LinkedHashMap<>();
        Map<String, String[]> questionCategories = new HashMap<>();
        long answered = 0;
        for (BenchItem item : items) {
            String p = predictions.get(item.key());
            answered += p != null ? 1 : 0;
            boolean right = p != null && item.answer() != null && item.answer().equals(extract(p, item.options()));
            perItem.put(item.key(), right ? 1.0 : 0.0);
            questions.computeIfAbsent(item.group(), k -> new boolean[] {true})[0] &= right;
            questionCategories.putIfAbsent(item.group(), new String[] {item.category(), item.detail().get("l2-category")});
        }
        Tally byCategory = new Tally();
        Tally byL2 = new Tally();
        long right = 0;
        for (Map.Entry<String, boolean[]> q : questions.entrySet()) {
            boolean ok = q.getValue()[0];
            right += ok ? 1 : 0;
            String[] cats = questionCategories.get(q.getKey());
            byCategory.add(cats[0], ok);
            if (cats[1] != null) {
                byL2.add(cats[1], ok);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", name());
        m.put("questions", questions.size());
        m.put("rotations", items.size());
        m.put("answered", answered);
        m.put("accuracy", RowValues.percent(right, questions.size()));
        m.put("rotation_accuracy", RowValues.percent(perItem.values().stream().mapToDouble(Double::doubleValue).sum(), items.size()));
        m.put("categories", byCategory.percentages());
        if (byL2.size() > 0) {
            m.put("l2_categories", byL2.percentages());
        }
        return new TaskScore(m, perItem);
    }

    @Override
    public String headline() {
        return "accuracy";
    }

    @Override
    public double[] paper() {
        return chinese ? new double[] {66.6, 68.0} : new double[] {73.0, 75.3};
    }
}
