package io.flinkcumo.jobs;

import io.flinkcumo.runtime.ImageRef;

/** One question of the benchmark job with its row's image. A Flink POJO. */
public class BenchmarkRequest {

    /** The item's key ({@link io.flinkcumo.eval.BenchItem#key}). */
    public String key;

    /** {@code <file>#<row>}. */
    public String row;

    /** The user message (the task's prompt, without template). */
    public String prompt;

    public byte[] image;
    public String imagePath;

    /** Why the row's image cannot be read, or null. */
    public String error;

    public BenchmarkRequest() {}

    static BenchmarkRequest of(ImageRow row, String key, String prompt) {
        BenchmarkRequest r = new BenchmarkRequest();
        r.key = key;
        r.row = row.file + "#" + row.row;
        r.prompt = prompt;
        r.image = row.image;
        r.imagePath = row.imagePath;
        r.error = row.error;
        return r;
    }

    ImageRef imageRef() {
        return new ImageRef(image, imagePath);
    }
}
