package io.flinkcumo.eval;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SEED-Bench image questions, SEED-IMG (lmms-lab/SEED-Bench {@code test}: {@code question_id},
 * {@code question}, {@code choice_a}..{@code choice_d}, {@code answer} a letter, {@code data_type}
 * {@code image} or {@code video}, {@code question_type_id} 1-12, {@code image} a list of image
 * structs). Only rows whose {@code data_type} is {@code image} give a question (a row without the
 * column is taken as an image question); video rows give none.
 *
 * <p>The prompt is LLaVA's {@code llava-seed-bench.jsonl}: the question, {@code \nA. choice} per
 * choice, then {@code \n} and the option-letter suffix; the images are the row's {@code image}
 * list, in order (one for SEED-IMG). Scored as LLaVA's {@code convert_seed_for_submission.py}
 * (which CuMo's evaluation uses): right only if the stripped answer equals the answer letter
 * exactly ({@code "A."} or {@code "A. dog"} is wrong), accuracy over all questions and per
 * question type (named as in the SEED-Bench paper).
 */
public final class SeedTask implements BenchTask {

    /** The image column: a list of {@code {bytes, path}} structs. */
    public static final String IMAGE_COLUMN = "image";

    private static final List<String> LETTERS = List.of("A", "B", "C", "D");
    private static final List<String> TYPES = List.of(
            "Scene Understanding", "Instance Identity", "Instance Attributes", "Instance Location",
            "Instances Counting", "Spatial Relation", "Instance Interaction", "Visual Reasoning",
            "Text Understanding", "Action Recognition", "Action Prediction", "Procedure Understanding");

    @Override
    public String name() {
        return "seed_img";
    }

    @Override
    public List<BenchItem> items(Map<String, Object> row, long position) {
        String dataType = RowValues.optionalText(row, "data_type");
        if (dataType != null && !dataType.equals("image")) {
            return List.of();
        }
        Object id = RowValues.idValue(RowValues.required(row, "question_id"));
        StringBuilder prompt = new StringBuilder(RowValues.requiredText(row, "question"));
        List<String> choices = new java.util.ArrayList<>();
        for (String letter : LETTERS) {
            String choice = RowValues.requiredText(row, "choice_" + letter.toLowerCase(java.util.Locale.ROOT));
            choices.add(choice);
            prompt.append('\n').append(letter).append(". ").append(choice);
        }
        prompt.append('\n').append(OPTION_LETTER);
        String answer = RowValues.requiredText(row, "answer").strip();
        if (!LETTERS.contains(answer)) {
            throw new IllegalArgumentException("SEED question " + id + " has answer '" + answer + "'; a letter A-D expected");
        }
        return List.of(new BenchItem(BenchItem.key(List.of(id)), RowValues.ids("question_id", id), prompt.toString(),
                category(RowValues.optionalText(row, "question_type_id")), answer, List.of(), choices, null,
                Map.of(IMAGES, IMAGE_COLUMN)));
    }

    /** The question type's name for its id ({@code 1} is Scene Understanding), the id itself if unknown. */
    static String category(String typeId) {
        if (typeId == null) {
            return "all";
        }
        try {
            int id = Integer.parseInt(typeId.strip());
            return id >= 1 && id <= TYPES.size() ? TYPES.get(id - 1) : typeId;
        } catch (NumberFormatException e) {
            return typeId;
        }
    }

    @Override
    public boolean multiImage() {
        return true;
    }

    @Override
    public TaskScore score(List<BenchItem> items, Map<String, String> predictions) {
        Map<String, Double> perItem = new HashMap<>();
        for (BenchItem item : items) {
            String p = predictions.get(item.key());
            perItem.put(item.key(), p != null && p.equals(item.answer()) ? 1.0 : 0.0);
        }
        return new TaskScore(ShortAnswers.meanMetrics(name(), items, predictions, perItem), perItem);
    }

    @Override
    public String headline() {
        return "accuracy";
    }

    @Override
    public double[] paper() {
        return new double[] {72.1, 73.2};
    }
}
