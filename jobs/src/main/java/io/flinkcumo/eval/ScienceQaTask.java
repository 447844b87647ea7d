package io.flinkcumo.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ScienceQA-IMG test (lmms-lab/ScienceQA {@code ScienceQA-IMG}: {@code question}, {@code choices}
 * a list, {@code answer} the right choice's index, {@code hint}, {@code category}). The files have
 * no id column: a question is identified by its {@code id} column if there is one, else by its
 * position in the data (0, 1, ... over the files in name order).
 *
 * <p>The prompt is LLaVA's CQM-A format: {@code Context: hint\n} when there is a hint, the
 * question, {@code \nA. choice} per choice, then {@code \n} and the suffix. Scored as LLaVA's
 * {@code eval_science_qa.py} with options A-E: the answer is the letter if it is exactly one of
 * A-E, else its first letter if it starts with a letter of A-E followed by {@code ". "}, else the
 * letter of {@code The answer is X.} if that pattern occurs exactly once, else it fails; a letter
 * beyond the question's choices fails; right when the letter's index is the answer.
 */
public final class ScienceQaTask implements BenchTask {

    static final List<String> OPTIONS = List.of("A", "B", "C", "D", "E");
    private static final Pattern THE_ANSWER_IS = Pattern.compile("The answer is ([A-Z]).");

    @Override
    public String name() {
        return "sqa_img";
    }

    @Override
    public List<BenchItem> items(Map<String, Object> row, long position) {
        Object id = row.get("id") != null ? RowValues.idValue(row.get("id")) : (Object) position;
        String question = RowValues.requiredText(row, "question");
        List<String> choices = RowValues.texts(RowValues.required(row, "choices"), "choices", null);
        if (choices.isEmpty() || choices.size() > OPTIONS.size()) {
            throw new IllegalArgumentException("ScienceQA question " + id + " has " + choices.size() + " choices; 1 to 5 expected");
        }
        String answer = RowValues.requiredText(row, "answer");
        String hint = RowValues.optionalText(row, "hint");
        StringBuilder prompt = new StringBuilder();
        if (hint != null && !hint.isEmpty()) {
            prompt.append("Context: ").append(hint).append('\n');
        }
        prompt.append(question);
        for (int i = 0; i < choices.size(); i++) {
            prompt.append('\n').append(OPTIONS.get(i)).append(". ").append(choices.get(i));
        }
        prompt.append('\n').append(OPTION_LETTER);
        String category = row.get("category") == null ? "all" : RowValues.text(row.get("category"));
        return List.of(new BenchItem(BenchItem.key(List.of(id)), RowValues.ids("question_id", id), prompt.toString(),
                category, answer, List.of(), choices, null, Map.of()));
    }

    /** The chosen option's index, or -1 when the answer fails the rules. */
    public static int predictedIndex(String prediction, int choices) {
        String letter;
        if (OPTIONS.contains(prediction)) {
            letter = prediction;
        } else if (prediction.length() >= 3 && OPTIONS.contains(prediction.substring(0, 1))
                && prediction.substring(1, 3).equals(". ")) {
            letter = prediction.substring(0, 1);
        } else {
            Matcher m = THE_ANSWER_IS.matcher(prediction);
            List<String> found = new ArrayList<>();
            while (m.find()) {
                found.add(m.group(1));
            }
            letter = found.size() == 1 ? found.get(0) : null;
        }
        int index = letter == null ? -1 : OPTIONS.indexOf(letter);
        return index < choices ? index : -1;
    }

    @Override
    public TaskScore score(List<BenchItem> items, Map<String, String> predictions) {
        Map<String, Double> perItem = new HashMap<>();
        for (BenchItem item : items) {
            String p = predictions.get(item.key());
            int index = p == null ? -1 : predictedIndex(p, item.options().size());
            perItem.put(item.key(), index >= 0 && Integer.toString(index).equals(item.answer()) ? 1.0 : 0.0);
        }
        return new TaskScore(ShortAnswers.meanMetrics(name(), items, predictions, perItem), perItem);
    }

    @Override
    public String headline() {
        return "accuracy";
    }

    @Override
    public double[] paper() {
        return new double[] {73.9, 77.9};
    }
}
