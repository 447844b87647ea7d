package io.flinkcumo.eval;

import java.util.List;
import java.util.Map;

/**
 * One benchmark of CuMo's Table 1: how a dataset row (the lmms-lab Hugging Face layout, read
 * without its image) becomes the questions asked, and how the answers are scored, exactly as the
 * benchmark's official script does.
 */
public interface BenchTask {

    /** LLaVA's suffix for short-answer questions. */
    String SHORT_ANSWER = "Answer the question using a single word or phrase.";
    /** LLaVA's suffix for multiple choice (MMBench-EN, ScienceQA). */
    String OPTION_LETTER = "Answer with the option's letter from the given choices directly.";

    /**
     * The {@link BenchItem#detail} key of a multi-image task's item: the image columns it shows, in
     * order, comma-separated; a column holding a list of images gives all of them.
     */
    String IMAGES = "images";

    /** The name on the command line ({@code --task}). */
    String name();

    /** The JSONL fields that identify a prediction, in order ({@code question_id} unless the layout has another). */
    default List<String> idFields() {
        return List.of("question_id");
    }

    /** The questions of one row: usually one; MMBench one per rotation. */
    List<BenchItem> items(Map<String, Object> row, long position);

    /** Scores the items against the predictions (by key); an item without a prediction is wrong. */
    TaskScore score(List<BenchItem> items, Map<String, String> predictions);

    /** Most tokens generated per answer. */
    default int maxNewTokens() {
        return 128;
    }

    /**
     * Whether the task's questions show the images their items name ({@link #IMAGES}: a list column,
     * several columns) rather than the one {@code --image-column}.
     */
    default boolean multiImage() {
        return false;
    }

    /** The headline metric's key in {@link TaskScore#metrics()}, compared with the paper's number. */
    String headline();

    /** Table 1 of the paper, CuMo-Mistral-7B and CuMo-Mixtral-8x7B; NaN when not reported. */
    double[] paper();
}
