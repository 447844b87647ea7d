package io.flinkcumo.jobs;

import static io.flinkcumo.jobs.DuckDb.literal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkcumo.eval.BenchTask;
import io.flinkcumo.eval.BenchTasks;
import io.flinkcumo.eval.Predictions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark job end to end with the bundled model ({@code models/cumo-shapes}) on benchmark
 * sets built from {@code samples/shapes} by DuckDB: its yes/no questions in the POPE layout and
 * its short-answer questions in the VQAv2 layout, each with one undecodable image. The outputs are
 * read back with DuckDB and Arrow JS and checked against each other and against {@code cumo score}'s
 * scoring of the written predictions.
 */
class BenchmarkJobTest {

    @TempDir
    Path tmp;

    static Path home() {
        return Path.of(System.getProperty("cumo.home")).toAbsolutePath();
    }

    /** The questions of samples/shapes with their image bytes, one row per question, plus one row with junk bytes. */
    private static String shapesQuestions(String where) {
        Path shapes = home().resolve("samples/shapes");
        return "SELECT row_number() OVER (ORDER BY s.image, q.question)::BIGINT AS question_id, q.question AS question,"
                + " q.answer AS answer, q.type AS type, {'bytes': b.content, 'path': s.image} AS image"
                + " FROM (SELECT image, unnest(qa) AS q FROM read_json(" + literal(shapes.resolve("test.jsonl")) + ")) s"
                + " JOIN read_blob(" + literal(shapes.resolve("images/*.png")) + ") b ON b.filename LIKE '%/' || s.image"
                + " WHERE " + where;
    }

    private Path popeSet() throws Exception {
        Path file = tmp.resolve("pope/test.parquet");
        Files.createDirectories(file.getParent());
        DuckDb.query("COPY (SELECT question_id, question, answer,"
                + " CASE WHEN question_id % 2 = 0 THEN 'popular' ELSE 'random' END AS category, image FROM ("
                + shapesQuestions("q.type = 'yesno'") + ") UNION ALL SELECT 99, 'Is there a red circle?', 'yes', 'random',"
                + " {'bytes': 'not an image'::BLOB, 'path': 'junk.png'}"
                + " ORDER BY question_id) TO " + literal(file) + " (FORMAT parquet, ROW_GROUP_SIZE 4)");
        return file;
    }

    private Path vqaSet() throws Exception {
        Path file = tmp.resolve("vqav2/val.parquet");
        Files.createDirectories(file.getParent());
        DuckDb.query("COPY (SELECT question_id, question, list_transform(range(10), i -> {'answer': answer,"
                + " 'answer_confidence': 'yes', 'answer_id': i + 1}) AS answers, type AS answer_type, image FROM ("
                + shapesQuestions("q.type IN ('color', 'shape', 'count')") + ") UNION ALL SELECT 99, 'What color is it?',"
                + " [{'answer': 'red', 'answer_confidence': 'yes', 'answer_id': 1}], 'color', {'bytes': 'junk'::BLOB, 'path': NULL}"
                + " ORDER BY question_id) TO " + literal(file) + " (FORMAT parquet)");
        return file;
    }

    private static BenchmarkOptions options(String task, Path input, Path output) {
        BenchmarkOptions o = new BenchmarkOptions();
        o.task = task;
        o.input = input.toString();
        o.output = output.toString();
        o.model.device = io.flinkcumo.runtime.core.DeviceSpec.CPU;
        o.maxNewTokens = 8;
        o.maxBatchSize = 4;
        o.batchRows = 4;
        o.parallelism = 1;
        o.options.put("max-batch-wait", "100 ms");
        return o;
    }

    private static Map<String, Object> run(BenchmarkOptions options, StringBuilder progress) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Map<String, Object> summary = BenchmarkJob.run(StreamExecutionEnvironment.getExecutionEnvironment(), options,
                home().resolve("models/cumo-shapes").toString(), new PrintStream(out, true, StandardCharsets.UTF_8));
        progress.append(out.toString(StandardCharsets.UTF_8));
        return summary;
    }

    private static JsonNode json(Path file) throws Exception {
        return new ObjectMapper().readTree(file.toFile());
    }

    /** The score {@code cumo score}'s code gives the written predictions.jsonl. */
    private static Map<String, Object> rescore(String task, Path data, Path out) throws Exception {
        BenchTask t = BenchTasks.byName(task);
        return t.score(BenchData.items(BenchData.read(data.toString(), t, "image", 0)),
                Predictions.read(out.resolve("predictions.jsonl"), t)).metrics();
    }

    @Test
    void popeYesNoSetEndToEndThenResume() throws Exception {
        Path data = popeSet();
        Path out = tmp.resolve("out-pope");
        StringBuilder progress = new StringBuilder();
        Map<String, Object> summary = run(trainedFormat(options("pope", data, out)), progress);
        long questions = ((Number) DuckDb.query("SELECT count(*)::INT AS n FROM read_parquet(" + literal(data) + ")").get(0).get("n"))
                .longValue();
        assertThat(progress.toString()).contains("cumo benchmark pope: " + questions + " rows");

        // one result row per question; the junk image is an error row that counts as wrong
        List<Map<String, Object>> results = DuckDb.query("SELECT id, category, prompt, prediction, score, correct, error"
                + " FROM read_parquet(" + literal(out.resolve("results.parquet")) + ") ORDER BY id");
        assertThat(results).hasSize((int) questions);
        Map<String, Object> junk = results.stream().filter(r -> r.get("id").equals("{\"question_id\":99}")).findFirst().orElseThrow();
        assertThat(junk.get("prediction")).isNull();
        assertThat(junk.get("correct")).isEqualTo(false);
        assertThat((String) junk.get("error")).isNotBlank();
        assertThat(summary).containsEntry("errored", 1L).containsEntry("answered", (int) questions - 1);
        // the prompt: the template with its system prompt, the image placeholder, the bare question
        assertThat(results.get(0).get("prompt")).asString().startsWith("<s>[INST] <<SYS>>\n").contains("<</SYS>>\n\n<image>\nIs there")
                .endsWith("? [/INST]");
        assertThat(results.stream().filter(r -> r.get("prediction") != null)).allSatisfy(r ->
                assertThat((String) r.get("prediction")).isNotBlank().isEqualTo(((String) r.get("prediction")).strip()));

        // summary, predictions.jsonl rescored, and the Parquet rows agree
        @SuppressWarnings("unchecked")
        Map<String, Object> metrics = (Map<String, Object>) summary.get("metrics");
        assertThat(rescore("pope", data, out)).isEqualTo(metrics);
        assertThat(json(out.resolve("summary.json")).get("metrics").get("f1").asDouble())
                .isCloseTo((Double) metrics.get("f1"), within(1e-9));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> categories = (Map<String, Map<String, Object>>) metrics.get("categories");
        for (String category : List.of("random", "popular")) {
            Map<String, Object> counted = DuckDb.query("SELECT avg(score::DOUBLE) * 100 AS accuracy FROM read_parquet("
                    + literal(out.resolve("results.parquet")) + ") WHERE category = " + literal(category)).get(0);
            assertThat((Double) categories.get(category).get("accuracy"))
                    .isCloseTo(((Number) counted.get("accuracy")).doubleValue(), within(1e-9));
        }
        // the bundled model is trained on these shapes: its yes/no answers beat chance on the images it can read
        assertThat((Double) metrics.get("accuracy")).isGreaterThan(50.0);
        assertThat(Files.readString(out.resolve("table.md"))).contains("| pope | f1 | 86.7 | 85.7 |");

        // expert load per category: Arrow JS reads routing.arrow; 'all' covers every answered question
        JsonNode routing = DuckDb.arrowSummary(out.resolve("routing.arrow"));
        assertThat(routing.get("schema")).extracting(f -> f.get("name").asText())
                .containsExactlyElementsOf(BenchmarkReport.ROUTING_TYPE.getFieldNames());
        assertThat(routing.get("columns").get("category").get("counts").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("all", "popular", "random");
        assertThat(routing.get("rows").asLong()).isPositive();

        // --resume: nothing answered is asked again; the junk row is retried and fails again
        Map<String, Object> again = run(resume(trainedFormat(options("pope", data, out))), progress.delete(0, progress.length()));
        assertThat(progress.toString()).contains((questions - 1) + " already answered, 1 to ask");
        assertThat(again.get("metrics")).isEqualTo(summary.get("metrics"));

        // a lost answer (as after a killed run) is asked again, and only it; nothing is counted twice
        // (any log file may be the resume run's, which holds only the junk row's error: look in all of them)
        String dropped;
        try (Stream<Path> files = Files.list(out.resolve(AnswerLog.DIRECTORY))) {
            dropped = files.filter(p -> p.toString().endsWith(".jsonl")).sorted()
                    .flatMap(p -> {
                        try {
                            return Files.readAllLines(p).stream();
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .filter(l -> l.contains("\"prediction\":\"")).findFirst().orElseThrow();
        }
        try (Stream<Path> files = Files.list(out.resolve(AnswerLog.DIRECTORY))) {
            for (Path f : files.toList()) {
                List<String> kept = Files.readAllLines(f).stream().filter(l -> !l.equals(dropped)).toList();
                Files.write(f, kept);
            }
        }
        Map<String, Object> third = run(resume(trainedFormat(options("pope", data, out))), progress.delete(0, progress.length()));
        assertThat(progress.toString()).contains((questions - 2) + " already answered, 2 to ask");
        assertThat(third.get("metrics")).isEqualTo(summary.get("metrics"));
        assertThat(Files.readAllLines(out.resolve("predictions.jsonl"))).hasSize((int) questions - 1);
    }

    /**
     * The bundled model was trained with CuMo's default template (with its system prompt) and bare
     * questions: asked in that format it answers the shapes questions it was trained on.
     */
    private static BenchmarkOptions trainedFormat(BenchmarkOptions o) {
        o.template = "mistral_instruct_system";
        o.suffix = "";
        return o;
    }

    @Test
    void theOfficialPromptIsMistralInstructWithLlavasSuffix() throws Exception {
        Path data = popeSet();
        Path out = tmp.resolve("out-official");
        Map<String, Object> summary = run(options("pope", data, out), new StringBuilder());
        List<Map<String, Object>> results = DuckDb.query("SELECT prompt, prediction FROM read_parquet("
                + literal(out.resolve("results.parquet")) + ") WHERE prediction IS NOT NULL");
        assertThat(results).isNotEmpty().allSatisfy(r -> assertThat((String) r.get("prompt"))
                .startsWith("<s>[INST] <image>\nIs there").endsWith("?\nAnswer the question using a single word or phrase. [/INST]"));
        @SuppressWarnings("unchecked")
        Map<String, Object> metrics = (Map<String, Object>) summary.get("metrics");
        assertThat(rescore("pope", data, out)).isEqualTo(metrics);
        assertThat(json(out.resolve("summary.json")).get("run").get("template").asText()).isEqualTo("mistral_instruct");
    }

    private static BenchmarkOptions resume(BenchmarkOptions o) {
        o.resume = true;
        return o;
    }

    @Test
    void vqav2ShortAnswerSetEndToEnd() throws Exception {
        Path data = vqaSet();
        Path out = tmp.resolve("out-vqa");
        Map<String, Object> summary = run(trainedFormat(options("vqav2", data, out)), new StringBuilder());
        @SuppressWarnings("unchecked")
        Map<String, Object> metrics = (Map<String, Object>) summary.get("metrics");
        assertThat(rescore("vqav2", data, out)).isEqualTo(metrics);
        List<Map<String, Object>> results = DuckDb.query("SELECT category, avg(score::DOUBLE) * 100 AS accuracy, count(*) AS n,"
                + " count(error) AS errors FROM read_parquet(" + literal(out.resolve("results.parquet")) + ") GROUP BY category ORDER BY category");
        assertThat(results).extracting(r -> r.get("category")).containsExactly("color", "count", "shape");
        @SuppressWarnings("unchecked")
        Map<String, Object> categories = (Map<String, Object>) metrics.get("categories");
        for (Map<String, Object> r : results) {
            assertThat((Double) categories.get(r.get("category"))).isCloseTo(((Number) r.get("accuracy")).doubleValue(), within(1e-9));
        }
        assertThat(summary).containsEntry("errored", 1L);
        // every answer is one of the shapes vocabulary's words, scored with VQA soft accuracy (unanimous answers: 0 or 1)
        assertThat(DuckDb.query("SELECT DISTINCT score FROM read_parquet(" + literal(out.resolve("results.parquet")) + ")"))
                .extracting(r -> ((Number) r.get("score")).doubleValue()).allMatch(s -> s == 0.0 || s == 1.0);
        assertThat((Double) metrics.get("accuracy")).isGreaterThan(50.0);
    }

    @Test
    void anotherDirectoryIsRefusedAndResumeNeedsTheSameTask() throws Exception {
        Path data = popeSet();
        Path busy = tmp.resolve("busy");
        Files.createDirectories(busy);
        Files.writeString(busy.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> run(options("pope", data, busy), new StringBuilder()))
                .hasMessageContaining("not empty and was not written by cumo benchmark");
        assertThat(busy.resolve("notes.txt")).exists();
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve(BenchmarkJob.MARKER), "{\"task\": \"mme\"}");
        assertThatThrownBy(() -> run(resume(options("pope", data, out)), new StringBuilder()))
                .hasMessageContaining("holds a mme run, not pope");
        assertThatThrownBy(() -> run(options("seed", data, out), new StringBuilder())).hasMessageContaining("unknown task 'seed'");
    }
}
