package io.flinkcumo.jobs;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * DuckDB (through {@code tools/duckdb/query.mjs} on Node.js) as a Parquet writer and reader that
 * shares no code with Flink: tests write their input and read the jobs' output with it; and Arrow JS
 * ({@code tools/arrow-reader}) for Arrow output. Needs {@code npm ci --prefix tools/duckdb} and
 * {@code npm ci --prefix tools/arrow-reader}, which {@code .ci/run} does.
 */
public final class DuckDb {

    private DuckDb() {}

    /** {@code tools/duckdb} of the repository. */
    public static Path home() {
        return Path.of(System.getProperty("cumo.home", ".")).toAbsolutePath().resolve("tools/duckdb");
    }

    /** Runs the statements; the rows of the last one, values as DuckDB's JSON gives them (BIGINT as strings). */
    public static List<Map<String, Object>> query(String sql) throws IOException, InterruptedException {
        Path tool = home();
        if (!Files.isDirectory(tool.resolve("node_modules/@duckdb/node-api"))) {
            throw new IllegalStateException("DuckDB for Node.js is not installed: run npm ci --prefix tools/duckdb");
        }
        Process process = new ProcessBuilder("node", "query.mjs").directory(tool.toFile()).start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(sql.getBytes(StandardCharsets.UTF_8));
        }
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("DuckDB did not finish: " + sql);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("DuckDB failed (" + new String(err, StandardCharsets.UTF_8).strip() + ") on: " + sql);
        }
        return new ObjectMapper().readValue(out, new TypeReference<>() {});
    }

    /**
     * Arrow JS's summary of Arrow IPC files ({@code tools/arrow-reader/summarize.mjs}, installed by
     * {@code npm ci --prefix tools/arrow-reader}): rows, schema, and per column null counts, sums
     * and string value counts. Another independent reader, for the Arrow outputs.
     */
    public static JsonNode arrowSummary(Path... files) throws IOException, InterruptedException {
        Path tool = home().resolveSibling("arrow-reader");
        if (!Files.isDirectory(tool.resolve("node_modules/apache-arrow"))) {
            throw new IllegalStateException("Arrow JS is not installed: run npm ci --prefix tools/arrow-reader");
        }
        List<String> command = new java.util.ArrayList<>(List.of("node", "summarize.mjs"));
        for (Path file : files) {
            command.add(file.toAbsolutePath().toString());
        }
        Process process = new ProcessBuilder(command).directory(tool.toFile()).redirectErrorStream(false).start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("Arrow JS failed: " + new String(err, StandardCharsets.UTF_8).strip());
        }
        return new ObjectMapper().readTree(out);
    }

    /** A SQL string literal. */
    public static String literal(Object value) {
        return "'" + String.valueOf(value).replace("'", "''") + "'";
    }
}
