package io.flinkcumo.engine.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkcumo.engine.safetensors.SafetensorsFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The conformance data in {@code testdata/conformance}: cases.json, images and preprocess tensors. */
final class ConformanceData {

    /** One entry of {@code images[]} in cases.json. */
    record ImageCase(String id, Path file, String format, String mode, int width, int height, int paddedSize,
                     String pixelKey, String s2SampleKey, String decodedKey, String resizedSha256, double pixelSum) {
        @Override
        public String toString() {
            return id;
        }
    }

    private static final Path ROOT = locate();

    private ConformanceData() {}

    static Path root() {
        return ROOT;
    }

    static JsonNode cases() {
        try {
            return new ObjectMapper().readTree(ROOT.resolve("expected/cases.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<ImageCase> images() {
        List<ImageCase> out = new ArrayList<>();
        for (JsonNode n : cases().get("images")) {
            out.add(new ImageCase(
                    n.get("id").asText(), ROOT.resolve(n.get("file").asText()), n.get("format").asText(),
                    n.get("mode").asText(), n.get("width").asInt(), n.get("height").asInt(),
                    n.get("padded_size").asInt(), n.get("pixel_key").asText(), n.get("s2_sample_key").asText(),
                    n.hasNonNull("decoded_key") ? n.get("decoded_key").asText() : null,
                    n.get("resized_uint8_sha256").asText(), n.get("pixel_sum").asDouble()));
        }
        return out;
    }

    static SafetensorsFile preprocessTensors() throws IOException {
        return SafetensorsFile.open(ROOT.resolve("expected/preprocess.safetensors"));
    }

    static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code -Dcumo.testdata=.../testdata} (set by surefire), else a {@code testdata/} above the working dir. */
    private static Path locate() {
        String prop = System.getProperty("cumo.testdata");
        if (prop != null && Files.isDirectory(Path.of(prop, "conformance"))) {
            return Path.of(prop, "conformance");
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("testdata/conformance"))) {
                return dir.resolve("testdata/conformance");
            }
        }
        throw new IllegalStateException("testdata/conformance not found (set -Dcumo.testdata)");
    }
}
