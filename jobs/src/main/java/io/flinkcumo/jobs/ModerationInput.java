package io.flinkcumo.jobs;

import io.flinkcumo.runtime.core.ImageRef;

/**
 * One image to moderate, as read from Kafka or a file. A Flink POJO.
 */
public class ModerationInput {

    /** The image's id (the JSON {@code id}, else the Kafka key, else its topic, partition and offset; a file's name). */
    public String id;

    /** Encoded image bytes, or null. */
    public byte[] image;

    /** A path or URI to read the image from when there are no bytes, or null. */
    public String imagePath;

    /** The message's {@code metadata}, as JSON text, passed through to the decision; or null. */
    public String metadata;

    /** Where it came from: {@code topic/partition/offset}, or the file's path. */
    public String source;

    /** Why the message could not be read (e.g. invalid JSON); then there is no image. */
    public String error;

    public ModerationInput() {}

    public ImageRef imageRef() {
        return new ImageRef(image, imagePath);
    }

    @Override
    public String toString() {
        return "ModerationInput{id=" + id + ", " + imageRef() + ", source=" + source + (error == null ? "" : ", error=" + error) + "}";
    }
}
