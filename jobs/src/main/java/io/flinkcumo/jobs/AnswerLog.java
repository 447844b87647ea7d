package io.flinkcumo.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkcumo.engine.routing.LayerRouting;
import io.flinkcumo.engine.routing.RoutingStats;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The benchmark job's answer log: {@code OUT/_answers/part-<subtask>-<attempt>-<uuid>.jsonl}, one
 * JSON line per answered or failed question, written and flushed as each answer arrives, so that a
 * failed TaskManager or a killed job loses no answer given before it. A line:
 *
 * <pre>
 * {"key": ..., "row": "file#row", "prediction": "..." | null, "error": null | "...", "latency_ms": n,
 *  "generated_tokens": n, "routing": [[component, layer, tokens, [top1 per expert], [topk per expert],
 *  [mean router prob per expert]], ...]}
 * </pre>
 *
 * <p>A restarted attempt answers its file's questions again into a new part file; {@link #read}
 * keeps one line per key (an answer over an error), so nothing is scored twice.
 */
public final class AnswerLog {

    public static final String DIRECTORY = "_answers";
    private static final ObjectMapper JSON = new ObjectMapper();

    private AnswerLog() {}

    /** The line of one outcome. */
    static String line(String key, String row, String prediction, String error, long latencyMs, Integer generatedTokens,
            RoutingStats routing) {
        ObjectNode node = JSON.createObjectNode();
        node.put("key", key);
        node.put("row", row);
        node.put("prediction", prediction);
        node.put("error", error);
        node.put("latency_ms", latencyMs);
        if (generatedTokens != null) {
            node.put("generated_tokens", generatedTokens);
        }
        if (routing != null) {
            ArrayNode layers = node.putArray("routing");
            for (LayerRouting l : routing.layers()) {
                ArrayNode a = layers.addArray();
                a.add(l.component().label()).add(l.layer()).add(l.tokens());
                ArrayNode top1 = a.addArray();
                for (long v : l.top1Counts()) {
                    top1.add(v);
                }
                ArrayNode topk = a.addArray();
                for (long v : l.topkCounts()) {
                    topk.add(v);
                }
                ArrayNode prob = a.addArray();
                for (double v : l.meanRouterProb()) {
                    prob.add(v);
                }
            }
        }
        return node.toString();
    }

    /** One MoE layer's routing as an answer line records it: the arrays hold one value per expert. */
    record LayerLoad(String component, int layer, long tokens, long[] top1, long[] topk, double[] meanRouterProb) {}

    /** The routing a {@link #line} records, layer by layer in the order written; empty without routing. */
    static List<LayerLoad> routing(JsonNode line) {
        List<LayerLoad> out = new ArrayList<>();
        if (line == null || !line.has("routing")) {
            return out;
        }
        for (JsonNode l : line.get("routing")) {
            int experts = l.get(3).size();
            long[] top1 = new long[experts];
            long[] topk = new long[experts];
            double[] prob = new double[experts];
            for (int e = 0; e < experts; e++) {
                top1[e] = l.get(3).get(e).asLong();
                topk[e] = l.get(4).get(e).asLong();
                prob[e] = l.get(5).get(e).asDouble();
            }
            out.add(new LayerLoad(l.get(0).asText(), l.get(1).asInt(), l.get(2).asLong(), top1, topk, prob));
        }
        return out;
    }

    /** Every key's line in {@code OUT/_answers}: an answer wins over an error, else the first line read. */
    public static Map<String, JsonNode> read(Path outputDir) throws IOException {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        Path dir = new Path(outputDir, DIRECTORY);
        FileSystem fs = dir.getFileSystem();
        if (!fs.exists(dir)) {
            return out;
        }
        FileStatus[] files = fs.listStatus(dir);
        java.util.Arrays.sort(files, java.util.Comparator.comparing(f -> f.getPath().getName()));
        for (FileStatus file : files) {
            if (!file.getPath().getName().endsWith(".jsonl")) {
                continue;
            }
            try (FSDataInputStream in = fs.open(file.getPath());
                    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    JsonNode node;
                    try {
                        node = JSON.readTree(line);
                    } catch (IOException e) {
                        continue; // a line cut short by a killed process: that question is asked again
                    }
                    if (node == null || !node.hasNonNull("key")) {
                        continue;
                    }
                    String key = node.get("key").asText();
                    JsonNode old = out.get(key);
                    if (old == null || (!old.hasNonNull("prediction") && node.hasNonNull("prediction"))) {
                        out.put(key, node);
                    }
                }
            }
        }
        return out;
    }

    /** Writes each {@link BenchmarkAnswer}'s line to this subtask attempt's part file, flushed per line. */
    public static final class LogSink implements Sink<BenchmarkAnswer> {
        private static final long serialVersionUID = 1L;
        private final String outputDir;

        public LogSink(String outputDir) {
            this.outputDir = outputDir;
        }

        @Override
        public SinkWriter<BenchmarkAnswer> createWriter(WriterInitContext context) throws IOException {
            String name = "part-" + context.getTaskInfo().getIndexOfThisSubtask() + "-" + context.getTaskInfo().getAttemptNumber()
                    + "-" + UUID.randomUUID() + ".jsonl";
            Path file = new Path(new Path(outputDir, DIRECTORY), name);
            FileSystem fs = file.getFileSystem();
            fs.mkdirs(file.getParent());
            FSDataOutputStream stream = fs.create(file, FileSystem.WriteMode.NO_OVERWRITE);
            return new SinkWriter<>() {
                @Override
                public void write(BenchmarkAnswer answer, Context c) throws IOException {
                    stream.write((answer.line + "\n").getBytes(StandardCharsets.UTF_8));
                    stream.flush();
                }

                @Override
                public void flush(boolean endOfInput) throws IOException {
                    stream.flush();
                }

                @Override
                public void close() throws IOException {
                    stream.close();
                }
            };
        }
    }
}
