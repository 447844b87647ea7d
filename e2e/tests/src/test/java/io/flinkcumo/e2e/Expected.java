package io.flinkcumo.e2e;

import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.LabelScores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** What the bundled model (models/cumo-shapes) answers for the sample images, from direct engine calls in this JVM. */
final class Expected {

    static final String CAPTION = "Describe the image in one sentence.";
    static final String ASK = "What is in the picture?";
    static final List<String> IMAGES = List.of("astronaut_portrait", "camera_gray", "chelsea", "tiny_97x31");
    static final List<String> CATEGORIES = List.of("safe", "violence", "nudity", "weapons", "drugs", "hate");
    static final String MODERATION_QUESTION = "Which one of these categories describes this image best: "
            + String.join(", ", CATEGORIES) + "? Answer with the category only.";

    /** Captions (16 new tokens) by image id. */
    final Map<String, String> captions = new HashMap<>();
    /** Answers to {@link #ASK} (6 new tokens) by image id. */
    final Map<String, String> answers = new HashMap<>();
    /** Moderation scores by image id. */
    final Map<String, LabelScores> scores = new HashMap<>();

    static Path model() {
        return E2e.home().resolve("models/cumo-shapes");
    }

    static Path image(String id) throws Exception {
        try (Stream<Path> files = Files.list(E2e.home().resolve("samples/images"))) {
            return files.filter(f -> f.getFileName().toString().startsWith(id + ".")).findFirst().orElseThrow();
        }
    }

    static Expected compute() throws Exception {
        Expected expected = new Expected();
        try (CumoEngine engine = CumoEngine.load(model())) {
            for (String id : IMAGES) {
                byte[] bytes = Files.readAllBytes(image(id));
                expected.captions.put(id, engine.answer(List.of(CumoRequest.of(id, bytes, CAPTION, GenerationConfig.greedy(16)))).get(0).answer());
                expected.answers.put(id, engine.answer(List.of(CumoRequest.of(id, bytes, ASK, GenerationConfig.greedy(6)))).get(0).answer());
                expected.scores.put(id, engine.scoreLabels(
                        List.of(CumoRequest.of(id, bytes, MODERATION_QUESTION, GenerationConfig.greedy(1))), CATEGORIES).get(0));
            }
        }
        return expected;
    }
}
