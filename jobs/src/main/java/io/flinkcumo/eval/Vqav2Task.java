package io.flinkcumo.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * VQAv2 (lmms-lab/VQAv2: {@code question_id}, {@code question}, {@code answers} a list of {@code
 * {answer, answer_confidence, answer_id}}, optionally {@code answer_type} as the category).
 *
 * <p>Scored as CuMo/LLaVA's pipeline does: the prediction goes through {@link
 * EvalAiAnswerProcessor#process} ({@code convert_vqav2_for_submission.py}), then the official VQA
 * evaluation ({@code vqaEval.py}): prediction and answers with newlines/tabs replaced and stripped;
 * the prediction through punctuation and digit/article processing; the answers through punctuation
 * processing only, and only when the annotators disagree; then for each of the 10 answers left out
 * in turn, {@code min(1, matches among the other 9 / 3)}, averaged. Rows without answers (the
 * test-dev split) are not scored: {@code unscored} counts them, for the EvalAI server.
 */
public final class Vqav2Task implements BenchTask {

    @Override
    public String name() {
        return "vqav2";
    }

    @Override
    public List<BenchItem> items(Map<String, Object> row, long position) {
        Object id = RowValues.idValue(RowValues.required(row, "question_id"));
        String question = RowValues.requiredText(row, "question");
        Object answers = row.get("answers");
        List<String> gt = answers == null ? List.of() : RowValues.texts(answers, "answers", "answer");
        String category = row.get("answer_type") == null ? "all" : RowValues.text(row.get("answer_type"));
        return List.of(new BenchItem(BenchItem.key(List.of(id)), RowValues.ids("question_id", id),
                ShortAnswers.prompt(question, SHORT_ANSWER), category, null, gt, List.of(), null, Map.of()));
    }

    /** The official score of one prediction against the annotators' answers. */
    public static double score(String prediction, List<String> answers) {
        String res = clean(EvalAiAnswerProcessor.process(prediction));
        res = EvalAiAnswerProcessor.processDigitArticle(EvalAiAnswerProcessor.processPunctuation(res));
        List<String> gts = new ArrayList<>();
        for (String a : answers) {
            gts.add(clean(a));
        }
        if (new java.util.HashSet<>(gts).size() > 1) {
            gts.replaceAll(EvalAiAnswerProcessor::processPunctuation);
        }
        double sum = 0;
        for (int left = 0; left < gts.size(); left++) {
            int matches = 0;
            for (int j = 0; j < gts.size(); j++) {
                if (j != left && gts.get(j).equals(res)) {
                    matches++;
                }
            }
            sum += Math.min(1.0, matches / 3.0);
        }
        return gts.isEmpty() ? 0 : sum / gts.size();
    }

    private static String clean(String s) {
        return s.replace('\n', ' ').replace('\t', ' ').strip();
    }

    @Override
    public TaskScore score(List<BenchItem> items, Map<String, String> predictions) {
        Map<String, Double> perItem = new HashMap<>();
        List<BenchItem> scored = new ArrayList<>();
        for (BenchItem item : items) {
            if (item.answers().isEmpty()) {
                continue;
            }
            String p = predictions.get(item.key());
            perItem.put(item.key(), p == null ? 0.0 : score(p, item.answers()));
            scored.add(item);
        }
        Map<String, Object> m = new LinkedHashMap<>(ShortAnswers.meanMetrics(name(), scored, predictions, perItem));
        m.put("unscored", items.size() - scored.size());
        return new TaskScore(m, perItem);
    }

    @Override
    public String headline() {
        return "accuracy";
    }

    @Override
    public double[] paper() {
        return new double[] {82.2, 81.8};
    }
}
