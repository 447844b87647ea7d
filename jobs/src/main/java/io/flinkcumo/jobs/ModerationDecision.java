package io.flinkcumo.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The moderation decision for one image, as written to the audit sink (every decision) and the
 * flagged sink (flagged ones). A Flink POJO; {@link #toJson()} is the wire format:
 *
 * <pre>{@code
 * {"id": "img-42", "flagged": true, "category": "weapons", "safe_probability": 0.08, "threshold": 0.5,
 *  "scores": {"safe": 0.08, "violence": 0.11, "nudity": 0.02, "weapons": 0.71, "drugs": 0.05, "hate": 0.03},
 *  "reason": "most likely category is weapons", "error": null, "latency_ms": 812,
 *  "metadata": {...as given...}, "source": "images/0/17"}
 * }</pre>
 *
 * <p>An image that cannot be moderated (undecodable, unreadable, invalid message, model failure) is
 * flagged with {@code category} null and the {@code error}: moderation fails closed.
 */
public class ModerationDecision {

    private static final ObjectMapper JSON = new ObjectMapper();

    public String id;
    public boolean flagged;
    /** The most likely category; null on error. */
    public String category;
    /** P(safe label) among the categories; null on error. */
    public Double safeProbability;
    public double threshold;
    /** The categories, in configured order. */
    public String[] labels;
    /** Softmax over the categories of their likelihood as the model's answer; null on error. */
    public double[] probabilities;
    public String reason;
    public String error;
    public long latencyMs;
    public String metadata;
    public String source;

    public ModerationDecision() {}

    /** The decision as one line of JSON. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("flagged", flagged);
        o.put("category", category);
        if (safeProbability == null) {
            o.putNull("safe_probability");
        } else {
            o.put("safe_probability", safeProbability);
        }
        o.put("threshold", threshold);
        if (probabilities == null) {
            o.putNull("scores");
        } else {
            ObjectNode scores = o.putObject("scores");
            for (int i = 0; i < labels.length; i++) {
                scores.put(labels[i], probabilities[i]);
            }
        }
        o.put("reason", reason);
        o.put("error", error);
        o.put("latency_ms", latencyMs);
        if (metadata == null) {
            o.putNull("metadata");
        } else {
            try {
                o.set("metadata", JSON.readTree(metadata));
            } catch (IOException e) {
                o.put("metadata", metadata);
            }
        }
        o.put("source", source);
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses {@link #toJson()} output (for tests and consumers in Java). */
    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return toJson();
    }
}
