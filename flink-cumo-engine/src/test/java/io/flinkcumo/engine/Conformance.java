package io.flinkcumo.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkcumo.engine.safetensors.SafetensorsFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;

/** Access to the shared conformance data (testdata/conformance): cases.json and expected tensors. */
public final class Conformance {

    private static JsonNode cases;
    private static final Map<String, SafetensorsFile> FILES = new HashMap<>();

    private Conformance() {}

    /** testdata/ (system property {@code cumo.testdata}, else found by walking up from the working directory). */
    public static Path testdata() {
        String prop = System.getProperty("cumo.testdata");
        if (prop != null && Files.isDirectory(Paths.get(prop))) {
            return Paths.get(prop);
        }
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("testdata/conformance"))) {
                return p.resolve("testdata");
            }
        }
        throw new IllegalStateException("testdata/conformance not found; set -Dcumo.testdata");
    }

    public static Path dir() {
        return testdata().resolve("conformance");
    }

    /** A model directory such as {@code tiny-mistral}. */
    public static Path modelDir(String name) {
        return dir().resolve(name);
    }

    public static synchronized JsonNode cases() {
        if (cases == null) {
            try {
                cases = new ObjectMapper().readTree(dir().resolve("expected/cases.json").toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return cases;
    }

    /** An expected-values file relative to conformance/, opened once. */
    public static synchronized SafetensorsFile expected(String relative) {
        return FILES.computeIfAbsent(relative, r -> {
            try {
                return SafetensorsFile.open(dir().resolve(r));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    public static float[] floats(String file, String key) {
        try {
            return expected(file).readFloats(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(String file, String key) {
        try {
            return expected(file).readInts(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stored preprocessed pixels of a conformance image id. */
    /** A single-turn request {@code id} about the conformance images {@code images} (file names), in order. */
    public static CumoRequest request(String id, java.util.List<String> images, String question, GenerationConfig config)
            throws java.io.IOException {
        java.util.List<byte[]> bytes = new java.util.ArrayList<>();
        for (String name : images) {
            bytes.add(java.nio.file.Files.readAllBytes(dir().resolve("images").resolve(name)));
        }
        return new CumoRequest(id, bytes, io.flinkcumo.engine.text.Conversation.singleTurn(question, images.size()), config);
    }

    public static float[] pixels(String imageId) {
        return floats("expected/preprocess.safetensors", "pixel_values." + imageId);
    }

    /** Largest absolute elementwise difference. */
    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    public static java.util.List<String> strings(JsonNode array) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonNode n : array) {
            out.add(n.isNull() ? null : n.textValue());
        }
        return out;
    }

    public static int[] intArray(JsonNode node) {
        int[] out = new int[node.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = node.get(i).asInt();
        }
        return out;
    }
}
