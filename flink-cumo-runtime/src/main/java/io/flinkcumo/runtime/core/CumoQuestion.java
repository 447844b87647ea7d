package io.flinkcumo.runtime.core;

import java.util.Objects;

/**
 * Input of {@link io.flinkcumo.runtime.CumoAsyncFunction}: a question about one image, given as encoded bytes or as a
 * path to read (bytes win when both are set). A Flink POJO.
 */
public class CumoQuestion {

    /** Caller's id, echoed in the {@link CumoAnswer}. */
    public String id;

    /** Encoded image (PNG, JPEG, GIF, BMP, WebP), or null to read {@link #imagePath}. */
    public byte[] image;

    /** Path or URI of the image for Flink's file systems, used when {@link #image} is null. */
    public String imagePath;

    /** The question; null gives a null answer. */
    public String question;

    public CumoQuestion() {}

    public CumoQuestion(String id, byte[] image, String question) {
        this.id = id;
        this.image = image;
        this.question = question;
    }

    /** A question about the image at {@code imagePath}. */
    public static CumoQuestion ofPath(String id, String imagePath, String question) {
        CumoQuestion q = new CumoQuestion(id, null, question);
        q.imagePath = imagePath;
        return q;
    }

    /** The image as the client takes it. */
    public ImageRef imageRef() {
        return new ImageRef(image, imagePath);
    }

    @Override
    public String toString() {
        return "CumoQuestion{id=" + id + ", " + imageRef() + ", question=" + question + "}";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CumoQuestion q && Objects.equals(id, q.id) && java.util.Arrays.equals(image, q.image)
                && Objects.equals(imagePath, q.imagePath) && Objects.equals(question, q.question);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, imagePath, question);
    }
}
