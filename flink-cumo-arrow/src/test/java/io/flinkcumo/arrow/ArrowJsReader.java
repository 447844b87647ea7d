package io.flinkcumo.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkcumo.engine.Conformance;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs the independent Arrow JavaScript reader (tools/arrow-reader/summarize.mjs) on written
 * files. Without {@code node} on the PATH the calling test is skipped with a loud message; when
 * the reader's dependencies are missing they are installed with {@code npm ci} (the module's build
 * does that before the tests, profile {@code arrow-js-reader}).
 */
final class ArrowJsReader {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ArrowJsReader() {}

    static Path toolDir() {
        return Conformance.testdata().getParent().resolve("tools/arrow-reader");
    }

    /** The reader's JSON summary of {@code files}. */
    static JsonNode summarize(List<Path> files) throws IOException, InterruptedException {
        if (!commandWorks(List.of("node", "--version"))) {
            String message = "NODE IS NOT INSTALLED: skipping the Arrow JS cross-check of the written Arrow files"
                    + " (install Node.js >= 18 and run npm ci --prefix tools/arrow-reader)";
            System.err.println("\n!!!!!!!! " + message + " !!!!!!!!\n");
            Assumptions.abort(message);
        }
        installDependencies();
        List<String> command = new ArrayList<>(List.of("node", toolDir().resolve("summarize.mjs").toString()));
        files.forEach(f -> command.add(f.toString()));
        Result r = run(command, toolDir());
        assertThat(r.exitCode).as("node summarize.mjs failed:\n%s", r.stderr).isZero();
        return JSON.readTree(r.stdout);
    }

    private static synchronized void installDependencies() throws IOException, InterruptedException {
        if (Files.isDirectory(toolDir().resolve("node_modules/apache-arrow"))) {
            return;
        }
        System.err.println("tools/arrow-reader: running npm ci (the dependencies are not installed)");
        Result r = run(List.of("npm", "ci", "--no-audit", "--no-fund"), toolDir());
        assertThat(r.exitCode).as("npm ci --prefix tools/arrow-reader failed:\n%s", r.stderr).isZero();
    }

    /**
     * Asserts that the Java summary ({@link ArrowSummary}) and the JS summary agree on the row
     * count and, for every column, on nulls, value counts, sums (relative 1e-9) and string counts.
     */
    static void assertSameSummary(JsonNode java, JsonNode js) {
        assertThat(js.get("rows").asLong()).as("rows").isEqualTo(java.get("rows").asLong());
        Iterator<Map.Entry<String, JsonNode>> columns = java.get("columns").fields();
        while (columns.hasNext()) {
            Map.Entry<String, JsonNode> c = columns.next();
            JsonNode j = c.getValue();
            JsonNode s = js.get("columns").get(c.getKey());
            assertThat(s).as("column %s in the JS summary", c.getKey()).isNotNull();
            assertThat(s.get("nulls").asLong()).as("%s nulls", c.getKey()).isEqualTo(j.get("nulls").asLong());
            assertThat(s.get("values").asLong()).as("%s values", c.getKey()).isEqualTo(j.get("values").asLong());
            double sum = j.get("sum").asDouble();
            assertThat(s.get("sum").asDouble()).as("%s sum", c.getKey()).isCloseTo(sum, within(1e-9 * Math.max(1, Math.abs(sum))));
            if (j.has("counts") && s.has("counts")) {
                assertThat(counts(s.get("counts"))).as("%s counts", c.getKey()).isEqualTo(counts(j.get("counts")));
            }
        }
    }

    private static Map<String, Long> counts(JsonNode counts) {
        Map<String, Long> out = new TreeMap<>();
        counts.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asLong()));
        return out;
    }

    /** The JS reader's schema entry of {@code column}. */
    static JsonNode field(JsonNode summary, String column) {
        for (JsonNode f : summary.get("schema")) {
            if (f.get("name").asText().equals(column)) {
                return f;
            }
        }
        throw new AssertionError("no column " + column + " in " + summary.get("schema"));
    }

    private record Result(int exitCode, String stdout, String stderr) {}

    private static boolean commandWorks(List<String> command) {
        try {
            return run(command, toolDir()).exitCode == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static Result run(List<String> command, Path dir) throws IOException, InterruptedException {
        Path out = Files.createTempFile("arrow-js", ".out");
        Path err = Files.createTempFile("arrow-js", ".err");
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException(command + " timed out");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
