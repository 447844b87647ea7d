package io.flinkcumo.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.flinkcumo.arrow.ArrowBulkWriters;
import io.flinkcumo.engine.text.Conversation;
import io.flinkcumo.eval.BenchItem;
import io.flinkcumo.eval.BenchTask;
import io.flinkcumo.eval.Predictions;
import io.flinkcumo.eval.TaskScore;
import io.flinkcumo.stats.RowSchema;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;

/**
 * The benchmark job's outputs, written by the client from the answer log:
 *
 * <pre>
 * OUT/results.parquet     one row per question ({@link #RESULTS_TYPE}), and one per bad data row
 * OUT/predictions.jsonl   the answers in the format {@code cumo score} and the official converters read
 * OUT/summary.json        the metrics (0-100), counts, the paper's numbers, the run's settings
 * OUT/table.md            the paper's Table 1 numbers beside this run's
 * OUT/routing.arrow       expert load per benchmark category ({@link #ROUTING_TYPE}), Arrow IPC
 * </pre>
 */
public final class BenchmarkReport {

    public static final String RESULTS = "results.parquet";
    public static final String PREDICTIONS = "predictions.jsonl";
    public static final String SUMMARY = "summary.json";
    public static final String TABLE = "table.md";
    public static final String ROUTING = "routing.arrow";

    /**
     * One row of {@code results.parquet}: a question, or a bad data row (only {@code id}, {@code row},
     * {@code category} 'all' and {@code error}). The owner of {@link #RESULTS_TYPE}.
     */
    record ResultRow(String id, String row, String category, String prompt, String prediction, String answer, Double score,
            Boolean correct, Long latencyMs, Integer generatedTokens, String error) {

        static final RowSchema<ResultRow> SCHEMA = RowSchema.<ResultRow>builder()
                .string("id", false, "the prediction's identity as JSON: {\"question_id\": ...} (MME with the question, MMBench index and rotation)", ResultRow::id)
                .string("row", false, "<file>#<row>: where the question is in the input", ResultRow::row)
                .string("category", false, "the category statistics are grouped by", ResultRow::category)
                .string("prompt", true, "the whole prompt, template included (<image> stands for the image)", ResultRow::prompt)
                .string("prediction", true, "CuMo's answer, stripped; null when the question failed", ResultRow::prediction)
                .string("answer", true, "the ground truth (VQA: the annotators' answers joined by '|')", ResultRow::answer)
                .float64("score", true, "the official per-question score: 1/0, VQA soft accuracy in [0, 1]; null if not scored", ResultRow::score)
                .bool("correct", true, "score == 1", ResultRow::correct)
                .bigint("latency_ms", true, "from the call to the answer: reading, preprocessing, queueing, inference", ResultRow::latencyMs)
                .integer("generated_tokens", true, "tokens generated, not counting a final EOS", ResultRow::generatedTokens)
                .string("error", true, "why there is no prediction (it counts as wrong), or null", ResultRow::error)
                .build();

        /** A data row that could not be read: it has only its place and its error. */
        static ResultRow badRow(String where, String error) {
            return new ResultRow("{\"row\":\"" + where.replace("\"", "\\\"") + "\"}", where, "all", null, null, null, null, null,
                    null, null, error);
        }

        RowData toRowData() {
            return SCHEMA.toRowData(this);
        }
    }

    /**
     * One row of {@code routing.arrow}: the expert load of a benchmark category, per (MoE layer,
     * expert). The owner of {@link #ROUTING_TYPE}.
     */
    record ExpertLoadRow(String task, String category, String component, int layer, int expert, long questions, long layerTokens,
            long tokensTop1, long tokensTopK, double top1Share, double meanRouterProb) {

        static final RowSchema<ExpertLoadRow> SCHEMA = RowSchema.<ExpertLoadRow>builder()
                .string("task", false, "the benchmark", ExpertLoadRow::task)
                .string("category", false, "the benchmark category ('all' for every question)", ExpertLoadRow::category)
                .string("component", false, "vision (CLIP-MoE), projector (MLP-MoE) or llm (Mixtral blocks)", ExpertLoadRow::component)
                .integer("layer", false, "layer index within the component", ExpertLoadRow::layer)
                .integer("expert", false, "expert index within the layer", ExpertLoadRow::expert)
                .bigint("questions", false, "answered questions of the category", ExpertLoadRow::questions)
                .bigint("layer_tokens", false, "tokens routed through the layer, summed over the questions", ExpertLoadRow::layerTokens)
                .bigint("tokens_top1", false, "tokens whose highest-probability expert is this one", ExpertLoadRow::tokensTop1)
                .bigint("tokens_topk", false, "(token, slot) selections of this expert", ExpertLoadRow::tokensTopK)
                .float64("top1_share", false, "tokens_top1 / layer_tokens", ExpertLoadRow::top1Share)
                .float64("mean_router_prob", false, "the expert's router probability, mean over the category's tokens", ExpertLoadRow::meanRouterProb)
                .build();

        RowData toRowData() {
            return SCHEMA.toRowData(this);
        }
    }

    /** One row per question ({@link ResultRow}). */
    public static final RowType RESULTS_TYPE = ResultRow.SCHEMA.rowType();

    /** One row per (category, MoE layer, expert): the expert load of a benchmark category ({@link ExpertLoadRow}). */
    public static final RowType ROUTING_TYPE = ExpertLoadRow.SCHEMA.rowType();

    private static final ObjectMapper JSON = new ObjectMapper();

    private BenchmarkReport() {}

    /** Scores the answers and writes every output but {@code summary.json}'s wall time; returns the summary. */
    public static Map<String, Object> write(Path out, BenchTask task, List<BenchData.Row> rows, Map<String, JsonNode> answers,
            String template, boolean routing, Map<String, Object> run) throws IOException {
        List<BenchItem> items = BenchData.items(rows);
        Map<String, String> predictions = new HashMap<>();
        long errored = 0;
        for (BenchItem item : items) {
            JsonNode a = answers.get(item.key());
            if (a != null && a.hasNonNull("prediction")) {
                predictions.put(item.key(), a.get("prediction").asText());
            } else {
                errored++;
            }
        }
        TaskScore score = task.score(items, predictions);
        Conversation.Template t = Conversation.Template.byName(template);
        writeResults(new Path(out, RESULTS), task, rows, answers, score, t);
        FileSystem fs = out.getFileSystem();
        try (java.io.Writer w = new java.io.OutputStreamWriter(
                fs.create(new Path(out, PREDICTIONS), FileSystem.WriteMode.OVERWRITE), StandardCharsets.UTF_8)) {
            Predictions.write(w, items, predictions);
        }
        long badRows = rows.stream().filter(r -> r.error() != null).count();

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("task", task.name());
        summary.put("rows", rows.size());
        summary.put("questions", items.size());
        summary.put("answered", predictions.size());
        summary.put("errored", errored + badRows);
        summary.put("bad_rows", badRows);
        summary.put("headline", task.headline());
        summary.put("score", score.metrics().get(task.headline()));
        summary.put("metrics", score.metrics());
        Map<String, Object> paper = new LinkedHashMap<>();
        paper.put("cumo_mistral_7b", task.paper()[0]);
        paper.put("cumo_mixtral_8x7b", task.paper()[1]);
        summary.put("paper", paper);
        summary.put("run", run);
        writeText(fs, new Path(out, TABLE), table(task, score, run));
        if (routing) {
            writeRouting(new Path(out, ROUTING), task, items, answers);
        }
        writeJson(new Path(out, SUMMARY), summary);
        return summary;
    }

    static String table(BenchTask task, TaskScore score, Map<String, Object> run) {
        Object value = score.metrics().get(task.headline());
        String ours = value instanceof Number n ? String.format(Locale.ROOT, "%.1f", n.doubleValue()) : "-";
        return "| Benchmark | Metric | CuMo-Mistral-7B (paper) | CuMo-Mixtral-8x7B (paper) | This run |\n"
                + "|---|---|---:|---:|---:|\n"
                + String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f | %s |%n", task.name(), task.headline(), task.paper()[0],
                        task.paper()[1], ours)
                + "\nThis run: model `" + run.get("model") + "`, data `" + run.get("input") + "`"
                + (((Number) run.get("limit")).longValue() > 0 ? ", first " + run.get("limit") + " rows" : "")
                + ", " + score.metrics().get("questions") + " questions, template " + run.get("template")
                + ("official".equals(run.get("suffix")) ? ", the task's prompt"
                        : ", answer-format suffix replaced by \"" + run.get("suffix") + "\" (not the official prompt)")
                + ", greedy, max " + run.get("max_new_tokens") + " new tokens.\n";
    }

    private static void writeResults(Path file, BenchTask task, List<BenchData.Row> rows, Map<String, JsonNode> answers,
            TaskScore score, Conversation.Template template) throws IOException {
        FileSystem fs = file.getFileSystem();
        try (FSDataOutputStream stream = fs.create(file, FileSystem.WriteMode.OVERWRITE)) {
            BulkWriter<RowData> writer = CaptionFilesSink.parquet(RESULTS_TYPE).create(stream);
            for (BenchData.Row row : rows) {
                String where = row.file() + "#" + row.row();
                if (row.error() != null) {
                    writer.addElement(ResultRow.badRow(where, row.error()).toRowData());
                    continue;
                }
                for (BenchItem item : row.items()) {
                    JsonNode a = answers.get(item.key());
                    String prediction = a != null && a.hasNonNull("prediction") ? a.get("prediction").asText() : null;
                    String error = prediction != null ? null
                            : a != null && a.hasNonNull("error") ? a.get("error").asText() : "not answered";
                    Double itemScore = score.perItem().get(item.key());
                    String truth = item.answer() != null ? item.answer() : item.answers().isEmpty() ? null : String.join("|", item.answers());
                    if (truth != null && !item.options().isEmpty() && task.name().equals("sqa_img")) {
                        truth = String.valueOf((char) ('A' + Integer.parseInt(truth)));
                    }
                    writer.addElement(new ResultRow(
                            JSON.writeValueAsString(item.ids()), where, item.category(),
                            Conversation.singleTurn(template, item.prompt(), imageCount(item)).prompt(),
                            prediction, truth, itemScore, itemScore == null ? null : itemScore == 1.0,
                            a != null && a.has("latency_ms") ? a.get("latency_ms").asLong() : null,
                            a != null && a.has("generated_tokens") ? a.get("generated_tokens").asInt() : null,
                            error).toRowData());
                }
            }
            writer.finish();
        }
    }

    /** Sums each (category, component, layer)'s expert counts over the answered questions, plus category 'all'. */
    private static void writeRouting(Path file, BenchTask task, List<BenchItem> items, Map<String, JsonNode> answers) throws IOException {
        // category -> "component/layer" -> accumulator
        Map<String, Map<String, Load>> loads = new TreeMap<>();
        for (BenchItem item : items) {
            JsonNode a = answers.get(item.key());
            if (a == null || !a.hasNonNull("prediction") || !a.has("routing")) {
                continue;
            }
            List<AnswerLog.LayerLoad> routing = AnswerLog.routing(a);
            for (String category : item.category().equals("all") ? List.of("all") : List.of(item.category(), "all")) {
                Map<String, Load> layers = loads.computeIfAbsent(category, k -> new TreeMap<>());
                for (AnswerLog.LayerLoad l : routing) {
                    Load load = layers.computeIfAbsent(String.format(Locale.ROOT, "%s/%04d", l.component(), l.layer()),
                            k -> new Load(l.component(), l.layer(), l.top1().length));
                    load.add(l);
                }
            }
        }
        FileSystem fs = file.getFileSystem();
        try (FSDataOutputStream stream = fs.create(file, FileSystem.WriteMode.OVERWRITE)) {
            BulkWriter<RowData> writer = ArrowBulkWriters.forRowType(ROUTING_TYPE).create(stream);
            for (Map.Entry<String, Map<String, Load>> c : loads.entrySet()) {
                for (Load load : c.getValue().values()) {
                    for (int e = 0; e < load.top1.length; e++) {
                        writer.addElement(new ExpertLoadRow(task.name(), c.getKey(), load.component, load.layer, e,
                                load.questions, load.tokens, load.top1[e], load.topk[e],
                                load.tokens == 0 ? 0.0 : (double) load.top1[e] / load.tokens,
                                load.tokens == 0 ? 0.0 : load.probTokens[e] / load.tokens).toRowData());
                    }
                }
            }
            writer.finish();
        }
    }

    /** One layer's summed counts over a category's questions. */
    private static final class Load {
        final String component;
        final int layer;
        long questions;
        long tokens;
        final long[] top1;
        final long[] topk;
        final double[] probTokens;

        Load(String component, int layer, int experts) {
            this.component = component;
            this.layer = layer;
            this.top1 = new long[experts];
            this.topk = new long[experts];
            this.probTokens = new double[experts];
        }

        void add(AnswerLog.LayerLoad l) {
            long t = l.tokens();
            questions++;
            tokens += t;
            for (int e = 0; e < top1.length; e++) {
                top1[e] += l.top1()[e];
                topk[e] += l.topk()[e];
                probTokens[e] += l.meanRouterProb()[e] * t;
            }
        }
    }

    static void writeJson(Path file, Object value) throws IOException {
        writeText(file.getFileSystem(), file, JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value) + "\n");
    }

    private static void writeText(FileSystem fs, Path file, String text) throws IOException {
        try (OutputStream out = fs.create(file, FileSystem.WriteMode.OVERWRITE)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * How many images the item's prompt shows: one per image column it names (a list column counted
     * as one: its length is only known when the images are read).
     */
    private static int imageCount(io.flinkcumo.eval.BenchItem item) {
        String images = item.detail().get(io.flinkcumo.eval.BenchTask.IMAGES);
        return images == null ? 1 : images.split(",").length;
    }
}
