package io.flinkcumo.engine;

import java.util.List;

/**
 * One request at the model level: prompt token ids with {@link #IMAGE_TOKEN_INDEX} (−200) where
 * each image's rows go, the preprocessed pixels of those images ([3, S, S] float32, channels
 * first) in placeholder order, and how to generate.
 */
public record ModelInput(int[] inputIds, List<float[]> pixelValues, GenerationConfig config) {

    public static final int IMAGE_TOKEN_INDEX = -200;

    public ModelInput {
        if (inputIds == null || inputIds.length == 0) {
            throw new IllegalArgumentException("a request needs at least one prompt token");
        }
        pixelValues = List.copyOf(pixelValues);
        long placeholders = java.util.Arrays.stream(inputIds).filter(i -> i == IMAGE_TOKEN_INDEX).count();
        if (placeholders != pixelValues.size()) {
            throw new IllegalArgumentException(
                    "the prompt has " + placeholders + " image placeholder(s) but " + pixelValues.size() + " image(s) were given");
        }
    }
}
