package io.flinkcumo.engine;

import io.flinkcumo.engine.text.Blank;
import io.flinkcumo.engine.text.Conversation;

import java.util.List;

/**
 * One question to CuMo: encoded images (PNG, JPEG, GIF, BMP, WebP bytes) and a conversation whose
 * first user turn carries one {@code <image>} placeholder per image.
 *
 * @param id caller's id, echoed in the result
 */
public record CumoRequest(String id, List<byte[]> images, Conversation conversation, GenerationConfig config) {

    public CumoRequest {
        if (images == null || images.stream().anyMatch(i -> i == null)) {
            throw new IllegalArgumentException("images must not be null");
        }
        images = List.copyOf(images);
        if (conversation == null) {
            throw new IllegalArgumentException("a request needs a conversation");
        }
        if (config == null) {
            throw new IllegalArgumentException("a request needs a generation config");
        }
        if (conversation.imageCount() != images.size()) {
            throw new IllegalArgumentException(
                    "the conversation has " + conversation.imageCount() + " <image> placeholder(s) but " + images.size()
                            + " image(s) were given");
        }
    }

    /** A single-turn question about one image (the common case), with the default template. */
    public static CumoRequest of(String id, byte[] image, String question, GenerationConfig config) {
        if (image == null) {
            throw new IllegalArgumentException("the image is null");
        }
        return new CumoRequest(id, List.of(image), Conversation.singleTurn(requireQuestion(question), 1), config);
    }

    /** Returns the question, refusing one that is null or only whitespace or invisible characters (any Unicode). */
    public static String requireQuestion(String question) {
        if (Blank.isBlank(question)) {
            throw new IllegalArgumentException("the question is null or empty (only whitespace or invisible characters)");
        }
        return question;
    }
}
