package io.flinkcumo.runtime;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.flinkcumo.engine.Conformance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Inputs shared by the tests that run CuMo through Flink (also used by the udfs module through the
 * test-jar): the small conformance checkpoint, its images, a corrupt image, and a count of live
 * native arrays for leak checks.
 */
public final class CumoTestData {

    /** A short question, answered with few tokens so that tests stay fast. */
    public static final String QUESTION = "What is in the picture?";

    /** Bytes that are no image at all. */
    public static final byte[] CORRUPT = "definitely not a PNG".getBytes(StandardCharsets.US_ASCII);

    private CumoTestData() {}

    /** The small random-weight checkpoint {@code testdata/conformance/tiny-mistral}. */
    public static Path modelDir() {
        return Conformance.modelDir("tiny-mistral");
    }

    /** The conformance images by file name, in name order. */
    public static Map<String, byte[]> images() {
        Path dir = Conformance.dir().resolve("images");
        Map<String, byte[]> images = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                images.put(file.getFileName().toString(), Files.readAllBytes(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return images;
    }

    /** The path of one conformance image. */
    public static Path imagePath(String name) {
        return Conformance.dir().resolve("images").resolve(name);
    }

    /**
     * CuMo options for tests: the small model on the CPU, short answers, and the given overrides.
     *
     * @param overrides option key, value, key, value, ...
     */
    public static Map<String, String> options(String... overrides) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("model-path", modelDir().toString());
        options.put("device", "cpu");
        options.put("max-new-tokens", "6");
        options.put("max-batch-wait", "50 ms");
        for (int i = 0; i + 1 < overrides.length; i += 2) {
            options.put(overrides[i], overrides[i + 1]);
        }
        return options;
    }

    /** Native (PyTorch) arrays alive in this JVM, counted over every DJL manager. */
    public static int liveNativeArrays() {
        try (NDManager probe = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            return probe.getParentManager().getManagedArrays().size();
        }
    }
}
