package io.flinkcumo.engine.image;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkcumo.engine.safetensors.SafetensorsFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The image side of the conformance data (located by {@link io.flinkcumo.engine.Conformance}). */
final class ConformanceData {

    /** One entry of {@code images[]} in cases.json. */
    record ImageCase(String id, Path file, String format, String mode, int width, int height, int paddedSize,
                     String pixelKey, String s2SampleKey, String decodedKey, String resizedSha256, double pixelSum) {
        @Override
        public String toString() {
            return id;
        }
    }

    private static final Path ROOT = io.flinkcumo.engine.Conformance.dir();

    private ConformanceData() {}

    static Path root() {
        return ROOT;
    }

    static JsonNode cases() {
        return io.flinkcumo.engine.Conformance.cases();
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
}
