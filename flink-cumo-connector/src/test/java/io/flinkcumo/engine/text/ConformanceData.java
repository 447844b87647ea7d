package io.flinkcumo.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Locates the conformance data: system property {@code cumo.testdata} (set by surefire), else the
 * first {@code testdata/} directory found walking up from the working directory.
 */
final class ConformanceData {

  private static JsonNode cases;

  private ConformanceData() {}

  static Path testdataDir() {
    String property = System.getProperty("cumo.testdata");
    if (property != null && Files.isDirectory(Path.of(property))) {
      return Path.of(property);
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("testdata");
      if (Files.isDirectory(candidate.resolve("conformance"))) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "conformance test data not found: set -Dcumo.testdata or run inside the repository");
  }

  static Path conformanceDir() {
    return testdataDir().resolve("conformance");
  }

  /** A model directory such as {@code tiny-mistral}. */
  static Path modelDir(String name) {
    return conformanceDir().resolve(name);
  }

  static synchronized JsonNode cases() {
    if (cases == null) {
      try {
        cases =
            new ObjectMapper().readTree(conformanceDir().resolve("expected/cases.json").toFile());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return cases;
  }

  static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).intValue();
    }
    return out;
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : array) {
      out.add(n.isNull() ? null : n.textValue());
    }
    return out;
  }
}
