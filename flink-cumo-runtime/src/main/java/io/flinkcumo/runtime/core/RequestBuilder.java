package io.flinkcumo.runtime.core;

import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.image.InvalidImageException;
import io.flinkcumo.engine.text.Blank;
import io.flinkcumo.engine.text.Conversation;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns one row's images and question into a prepared engine request, on the caller's thread: reads
 * the images ({@link ImageFiles}), wraps the question in the prompt template (one {@code <image>}
 * line per image, then the question: LLaVA's multi-image prompt), gives it an id and the generation
 * settings, and lets the engine decode, preprocess and tokenise it ({@link CumoEngine#prepare}), so
 * that a bad row fails here, without entering a batch.
 *
 * <p>Flink-free; one per {@link io.flinkcumo.runtime.CumoClient}.
 */
public final class RequestBuilder {

    private final CumoEngine engine;
    private final ImageFiles imageFiles;
    private final Conversation.Template template;
    private final GenerationConfig generation;
    private final String idPrefix;
    private final AtomicLong requestCount = new AtomicLong();

    /**
     * @param engine prepares the request
     * @param imageFiles reads path-only images
     * @param template the conversation template around the question
     * @param generation decoding settings of every request
     * @param name prefixes request ids, e.g. {@code subtask3}
     */
    public RequestBuilder(
            CumoEngine engine, ImageFiles imageFiles, Conversation.Template template, GenerationConfig generation, String name) {
        this.engine = engine;
        this.imageFiles = imageFiles;
        this.template = template;
        this.generation = generation;
        this.idPrefix = name + "-";
    }

    /**
     * The prepared request for {@code question} about {@code images}.
     *
     * @throws CumoInputException naming what is wrong with the row: an empty question, a missing,
     *     refused or undecodable image, a prompt the tokenizer refuses
     */
    public CumoEngine.Prepared prepare(List<ImageRef> images, String question) {
        if (Blank.isBlank(question)) {
            throw new CumoInputException("the question is empty (only whitespace or invisible characters)");
        }
        return prepare(engine, new CumoRequest(
                idPrefix + requestCount.incrementAndGet(),
                imageFiles.read(images),
                Conversation.singleTurn(template, question, images.size()),
                generation));
    }

    /**
     * {@link CumoEngine#prepare}, with what is wrong with the request as a {@link CumoInputException}.
     *
     * @throws CumoInputException naming what is wrong with the request
     */
    public static CumoEngine.Prepared prepare(CumoEngine engine, CumoRequest request) {
        try {
            return engine.prepare(request);
        } catch (InvalidImageException e) {
            throw new CumoInputException("invalid image: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CumoInputException(e.getMessage(), e);
        }
    }

    /** How the row is named in error messages: its image, or its images in order. */
    public static String describe(List<ImageRef> images) {
        if (images.size() == 1) {
            return images.get(0).describe();
        }
        StringBuilder sb = new StringBuilder(images.size() + " images: ");
        for (int i = 0; i < images.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(images.get(i) == null ? "no image" : images.get(i).describe());
        }
        return sb.toString();
    }
}
