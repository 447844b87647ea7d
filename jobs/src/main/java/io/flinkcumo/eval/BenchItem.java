package io.flinkcumo.eval;

import java.util.List;
import java.util.Map;

/**
 * One question the model answers: one dataset row, or for MMBench one rotation of a row's options.
 *
 * @param key the prediction's identity (the {@link #ids} values joined), unique within a task
 * @param ids what a prediction line carries to name it ({@code question_id}; MME also {@code
 *     question}; MMBench {@code index} and {@code rotation}), in JSONL order
 * @param prompt the user message without the image placeholder and template (the task's suffix included)
 * @param category the category statistics are grouped by ({@code all} when the task has none)
 * @param answer the ground truth: yes/no, a letter, a short answer, an option index; null for VQA-style lists
 * @param answers VQAv2 / TextVQA: the annotators' answers, in order; otherwise empty
 * @param options MMBench / SQA: the options in the order shown ({@code A. ...}); otherwise empty
 * @param group rows scored together: MME the image, MMBench the index; otherwise the key
 * @param detail task-specific extras (e.g. MMBench {@code l2-category})
 */
public record BenchItem(
        String key,
        Map<String, Object> ids,
        String prompt,
        String category,
        String answer,
        List<String> answers,
        List<String> options,
        String group,
        Map<String, String> detail) {

    /** The key of a prediction line or item: the id values as text, joined by U+001F. */
    public static String key(List<?> values) {
        StringBuilder sb = new StringBuilder();
        for (Object v : values) {
            if (!sb.isEmpty()) {
                sb.append('\u001f');
            }
            sb.append(v);
        }
        return sb.toString();
    }
}
