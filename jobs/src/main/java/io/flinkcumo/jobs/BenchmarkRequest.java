package io.flinkcumo.jobs;

import io.flinkcumo.runtime.core.ImageRef;

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

    /**
     * A multi-image question's images in order (each bytes, or null with its {@link #imagePaths}
     * entry), or null for a one-image question ({@link #image}).
     */
    public byte[][] images;
    public String[] imagePaths;

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

    /** The images of a multi-image question, or null. */
    java.util.List<ImageRef> imageRefs() {
        if (images == null) {
            return null;
        }
        java.util.List<ImageRef> refs = new java.util.ArrayList<>(images.length);
        for (int i = 0; i < images.length; i++) {
            refs.add(new ImageRef(images[i], imagePaths == null ? null : imagePaths[i]));
        }
        return refs;
    }
}
