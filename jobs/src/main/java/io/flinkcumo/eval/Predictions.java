package io.flinkcumo.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prediction files: JSON Lines, one {@code {"question_id": ..., "prediction": "..."}} per question
 * (MME lines also carry {@code "question"}; MMBench lines {@code "index"} and {@code "rotation"}
 * instead of {@code question_id}). When a question appears twice the later line wins, as a
 * Python dict built from the file would have it.
 */
public final class Predictions {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Predictions() {}

    /** One prediction line's JSON for {@code item}. */
    public static String line(BenchItem item, String prediction) {
        ObjectNode node = JSON.createObjectNode();
        item.ids().forEach((k, v) -> node.set(k, JSON.valueToTree(v)));
        node.put("prediction", prediction);
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code predictions} (by key) of {@code items}, in item order, skipping items without one. */
    public static void write(Writer out, List<BenchItem> items, Map<String, String> predictions) throws IOException {
        for (BenchItem item : items) {
            String p = predictions.get(item.key());
            if (p != null) {
                out.write(line(item, p));
                out.write('\n');
            }
        }
    }

    /**
     * The predictions of {@code file} by key.
     *
     * @throws IllegalArgumentException naming the line that is not JSON or lacks a field
     */
    public static Map<String, String> read(Path file, BenchTask task) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int number = 0;
            for (String line; (line = in.readLine()) != null; ) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(file + " line " + number + " is not JSON: " + e.getOriginalMessage());
                }
                out.put(key(node, task, file + " line " + number), text(node.get("prediction"), "prediction", file + " line " + number));
            }
        }
        return out;
    }

    /** The key of a prediction line. */
    static String key(JsonNode node, BenchTask task, String where) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(where + " is not a JSON object");
        }
        List<String> values = new ArrayList<>();
        for (String field : task.idFields()) {
            values.add(text(node.get(field), field, where));
        }
        return BenchItem.key(values);
    }

    private static String text(JsonNode v, String field, String where) {
        if (v == null || v.isNull() || v.isContainerNode()) {
            throw new IllegalArgumentException(where + " has no \"" + field + "\" (a string or number)");
        }
        if (v.isFloatingPointNumber() && v.asDouble() == Math.rint(v.asDouble())) {
            return Long.toString(v.asLong());
        }
        return v.asText();
    }
}
