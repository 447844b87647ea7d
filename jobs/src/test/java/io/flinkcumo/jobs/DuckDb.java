package io.flinkcumo.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * DuckDB (its JDBC driver {@code org.duckdb:duckdb_jdbc}, a C++ engine with the native library
 * inside the jar) as a Parquet writer and reader that shares no code with Flink: tests write their
 * input and read the jobs' output with it; and Arrow JS ({@code tools/arrow-reader}, installed by
 * the connector module's build) for Arrow output.
 */
public final class DuckDb {

    private DuckDb() {}

    /**
     * Runs the statements (separated by {@code ;}) in a fresh in-memory database; the rows of the
     * last one. Values as DuckDB's JSON gives them: BIGINT, HUGEINT and DECIMAL as strings, other
     * numbers, strings and booleans as themselves.
     */
    public static List<Map<String, Object>> query(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:duckdb:");
                Statement statement = connection.createStatement()) {
            List<Map<String, Object>> rows = new ArrayList<>();
            if (!statement.execute(sql)) {
                return rows;
            }
            try (ResultSet result = statement.getResultSet()) {
                ResultSetMetaData meta = result.getMetaData();
                while (result.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int c = 1; c <= meta.getColumnCount(); c++) {
                        row.put(meta.getColumnLabel(c), json(result.getObject(c)));
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new SQLException("DuckDB failed (" + e.getMessage() + ") on: " + sql, e);
        }
    }

    private static Object json(Object value) {
        if (value instanceof Long || value instanceof BigInteger || value instanceof BigDecimal) {
            return value.toString();
        }
        return value;
    }

    /**
     * Arrow JS's summary of Arrow IPC files ({@code tools/arrow-reader/summarize.mjs}; the
     * connector module's build runs {@code npm ci} there): rows, schema, and per column null
     * counts, sums and string value counts. Another independent reader, for the Arrow outputs.
     */
    public static JsonNode arrowSummary(Path... files) throws IOException, InterruptedException {
        Path tool = Path.of(System.getProperty("cumo.home", ".")).toAbsolutePath().resolve("tools/arrow-reader");
        if (!Files.isDirectory(tool.resolve("node_modules/apache-arrow"))) {
            throw new IllegalStateException("Arrow JS is not installed in " + tool
                    + ": build the connector module (mvn -B verify runs npm ci there)");
        }
        List<String> command = new ArrayList<>(List.of("node", "summarize.mjs"));
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
