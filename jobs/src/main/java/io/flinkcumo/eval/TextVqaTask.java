package io.flinkcumo.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * TextVQA (lmms-lab/textvqa: {@code question_id}, {@code question}, {@code answers} a list of 10
 * strings, {@code ocr_tokens}).
 *
 * <p>The prompt is LLaVA's {@code llava_textvqa_val_v051_ocr} form: the question, then {@code
 * Reference OCR token: t1, t2, ...} when the row has OCR tokens, then the short-answer suffix.
 * Scored as {@code m4c_evaluator.TextVQAAccuracyEvaluator}: the prediction and every answer through
 * {@link EvalAiAnswerProcessor#process}; an answer's score is the mean over the 10 answers left out
 * in turn of {@code min(1, matches among the other 9 / 3)}; a prediction no annotator gave scores 0.
 * (LLaVA's script matches predictions to annotations by question text; here by {@code question_id}.)
 */
public final class TextVqaTask implements BenchTask {

    @Override
    public String name() {
        return "textvqa";
    }

    @Override
    public List<BenchItem> items(Map<String, Object> row, long position) {
        Object id = RowValues.idValue(RowValues.required(row, "question_id"));
        String question = RowValues.requiredText(row, "question");
        Object answers = row.get("answers");
        List<String> gt = answers == null ? List.of() : RowValues.texts(answers, "answers", "answer");
        String text = question;
        Object ocr = row.get("ocr_tokens");
        if (ocr instanceof List<?> tokens && !tokens.isEmpty()) {
            text += "\nReference OCR token: " + String.join(", ", RowValues.texts(ocr, "ocr_tokens", null));
        }
        return List.of(new BenchItem(BenchItem.key(List.of(id)), RowValues.ids("question_id", id),
                ShortAnswers.prompt(text, SHORT_ANSWER), "all", null, gt, List.of(), null, Map.of()));
    }

    /** The evaluator's score of one prediction. */
    public static double score(String prediction, List<String> answers) {
        List<String> gts = new ArrayList<>();
        for (String a : answers) {
            gts.add(EvalAiAnswerProcessor.process(a));
        }
        String pred = EvalAiAnswerProcessor.process(prediction);
        if (!gts.contains(pred)) {
            return 0;
        }
        double sum = 0;
        for (int left = 0; left < gts.size(); left++) {
            int matches = 0;
            for (int j = 0; j < gts.size(); j++) {
                if (j != left && gts.get(j).equals(pred)) {
                    matches++;
                }
            }
            sum += Math.min(1.0, matches / 3.0);
        }
        return sum / gts.size();
    }

    @Override
    public TaskScore score(List<BenchItem> items, Map<String, String> predictions) {
        Map<String, Double> perItem = new HashMap<>();
        for (BenchItem item : items) {
            String p = predictions.get(item.key());
            perItem.put(item.key(), p == null || item.answers().isEmpty() ? 0.0 : score(p, item.answers()));
        }
        return new TaskScore(ShortAnswers.meanMetrics(name(), items, predictions, perItem), perItem);
    }

    @Override
    public String headline() {
        return "accuracy";
    }

    @Override
    public double[] paper() {
        return new double[] {67.0, 66.0};
    }
}
