package io.flinkcumo.engine;

import java.util.Arrays;
import java.util.List;

/**
 * One request at the model level: prompt token ids with {@link #IMAGE_TOKEN_INDEX} (−200) where
 * each image's rows go, the number of those images, and how to generate. The pixels ([3, S, S]
 * float32, channels first, in placeholder order) either travel inline in {@link #pixelValues} or,
 * for {@link #withImageCount} inputs, separately in an {@link ImageBatch} shared by the batch.
 *
 * @param imageCount image placeholders in the prompt
 * @param pixelValues the images' pixels, or empty when they come in an {@link ImageBatch}
 */
public record ModelInput(int[] inputIds, int imageCount, List<float[]> pixelValues, GenerationConfig config) {

    public static final int IMAGE_TOKEN_INDEX = -200;

    public ModelInput {
        if (inputIds == null || inputIds.length == 0) {
            throw new IllegalArgumentException("a request needs at least one prompt token");
        }
        pixelValues = List.copyOf(pixelValues);
        long placeholders = Arrays.stream(inputIds).filter(i -> i == IMAGE_TOKEN_INDEX).count();
        if (placeholders != imageCount) {
            throw new IllegalArgumentException(
                    "the prompt has " + placeholders + " image placeholder(s) but " + imageCount + " image(s) were given");
        }
        if (!pixelValues.isEmpty() && pixelValues.size() != imageCount) {
            throw new IllegalArgumentException(
                    "the request has " + imageCount + " image(s) but pixels for " + pixelValues.size());
        }
    }

    /** A request carrying its own pixels, one [3, S, S] array per placeholder. */
    public ModelInput(int[] inputIds, List<float[]> pixelValues, GenerationConfig config) {
        this(inputIds, pixelValues.size(), pixelValues, config);
    }

    /**
     * A request whose {@code imageCount} images are in the {@link ImageBatch} passed to
     * {@link LlavaModel#generate(List, ImageBatch, io.flinkcumo.engine.model.ForwardTrace)} (at this request's place in placeholder order).
     */
    public static ModelInput withImageCount(int[] inputIds, int imageCount, GenerationConfig config) {
        return new ModelInput(inputIds, imageCount, List.of(), config);
    }

    /** True when the pixels of every image are in {@link #pixelValues} (always true without images). */
    public boolean hasInlinePixels() {
        return pixelValues.size() == imageCount;
    }
}
