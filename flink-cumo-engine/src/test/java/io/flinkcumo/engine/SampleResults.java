package io.flinkcumo.engine;

import io.flinkcumo.engine.text.Conversation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * Real CuMo results for connector tests, computed once per test JVM with the tiny Mixtral
 * checkpoint (MoE in the vision tower, the projector and the LLM): one request per conformance
 * image, a text-only request and a two-image request, answered as one batch.
 */
public final class SampleResults {

    private static CumoEngine engine;
    private static List<CumoRequest> requests;
    private static List<CumoResult> results;

    private SampleResults() {}

    /** The shared engine (tiny-mixtral on the CPU), open for the rest of the JVM. */
    public static synchronized CumoEngine engine() {
        if (engine == null) {
            try {
                engine = CumoEngine.load(Conformance.modelDir("tiny-mixtral"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return engine;
    }

    /** A conformance image's encoded bytes. */
    public static byte[] image(String file) {
        try {
            return Files.readAllBytes(Conformance.dir().resolve("images").resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sample requests (greedy, at most 6 new tokens). */
    public static synchronized List<CumoRequest> requests() {
        if (requests == null) {
            List<CumoRequest> out = new ArrayList<>();
            String[] files = {"chelsea.png", "astronaut_portrait.png", "camera_gray.png", "nebula_alpha.png", "tiny_97x31.jpg"};
            for (String f : files) {
                out.add(CumoRequest.of("img-" + f.substring(0, f.indexOf('.')), image(f), "What is in the picture?",
                        GenerationConfig.greedy(6)));
            }
            out.add(new CumoRequest("text-only", List.of(), Conversation.singleTurn("Tell me a story.", 0), GenerationConfig.greedy(6)));
            out.add(new CumoRequest("two-images", List.of(image("chelsea.png"), image("camera_gray.png")),
                    Conversation.singleTurn("Which picture is brighter?", 2), GenerationConfig.greedy(6)));
            requests = List.copyOf(out);
        }
        return requests;
    }

    /** The answers to {@link #requests()}, computed once. */
    public static synchronized List<CumoResult> results() {
        if (results == null) {
            results = List.copyOf(engine().answer(requests()));
        }
        return results;
    }

    /** {@code copies} copies of {@link #results()} with ids suffixed {@code #0}, {@code #1}, …. */
    public static List<CumoResult> copies(int copies) {
        List<CumoResult> out = new ArrayList<>();
        for (int c = 0; c < copies; c++) {
            for (CumoResult r : results()) {
                out.add(new CumoResult(r.id() + "#" + c, r.answer(), r.tokenIds(), r.stoppedOnEos(), r.promptPositions(),
                        r.routing(), r.timings(), r.preprocessNanos()));
            }
        }
        return out;
    }
}
