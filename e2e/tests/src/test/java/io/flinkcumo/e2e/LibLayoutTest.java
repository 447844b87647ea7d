package io.flinkcumo.e2e;

import static io.flinkcumo.jobs.DuckDb.literal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkcumo.engine.LabelScores;
import io.flinkcumo.jobs.DuckDb;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The docker-compose layout on a real cluster: CuMo's djl and plugin jars, the connectors jar and the
 * jobs jar all in {@code lib/}. Every script of sql-examples/sql runs through the SQL client process
 * ({@code sql-examples/run.sh}, filled in from the environment); the Parquet captioning job is
 * submitted three times with {@code flink run} of the jobs jar that is also in {@code lib/} (bug: two
 * copies of Parquet/Kafka classes failed with IncompatibleClassChangeError / LinkageError).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LibLayoutTest {

    static FlinkCluster cluster;
    static KafkaBroker kafka;
    static Expected expected;
    static Path output;

    @BeforeAll
    static void startCluster() throws Exception {
        Path work = E2e.work("lib-layout");
        expected = Expected.compute();
        kafka = KafkaBroker.start(work.resolve("kafka"));
        cluster = FlinkCluster.create(work.resolve("flink"),
                List.of(E2e.djlJar(), E2e.pluginJar(), E2e.connectorsJar(), E2e.jobJar()),
                Map.of("sql-client.execution.result-mode", "tableau")).start();
        output = Files.createDirectories(work.resolve("output"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** sql-examples/run.sh SCRIPT against this cluster, as a user runs it. */
    static FlinkCluster.Result runScript(String script) throws Exception {
        return runScript(cluster, script, "sql-" + script, Map.of("OUTPUT", output.toString(), "KAFKA", kafka.bootstrapServers()));
    }

    /** sql-examples/run.sh SCRIPT against {@code cluster}, its placeholders filled in from {@code env} and the repository. */
    static FlinkCluster.Result runScript(FlinkCluster cluster, String script, String logName, Map<String, String> env) throws Exception {
        Path runSh = E2e.home().resolve("sql-examples/run.sh");
        Map<String, String> all = new HashMap<>(Map.of(
                "MODEL_PATH", Expected.model().toString(),
                "DATA", E2e.home().resolve("samples").toString(),
                "IMAGES", E2e.home().resolve("samples/images").toString(),
                "PLUGIN_JAR", E2e.pluginJar().toString()));
        all.putAll(env);
        FlinkCluster.Result result = cluster.runProcess(logName, List.of("bash", runSh.toString(), script), all, Duration.ofMinutes(6));
        assertThat(result.exitCode()).as("%s: %s", script, result).isZero();
        assertThat(result.output()).as(script).doesNotContain("[ERROR]").doesNotContain("Exception");
        return result;
    }

    static List<Map<String, Object>> parquet(String dir, String columns) throws Exception {
        return DuckDb.query("SELECT " + columns + " FROM read_parquet(" + literal(output.resolve(dir) + "/**")
                + ") ORDER BY id");
    }

    /** Waits for every job the SQL client submitted to finish (INSERTs return once submitted). */
    static void awaitAllJobsFinished() {
        E2e.await("all jobs finished", Duration.ofMinutes(5), () -> {
            JsonNode jobs = cluster.get("/jobs/overview");
            if (jobs == null) {
                return false;
            }
            for (JsonNode job : jobs.get("jobs")) {
                String state = job.get("state").asText();
                if (state.equals("FAILED") || state.equals("CANCELED")) {
                    throw new AssertionError("job " + job.get("name") + " " + state + ": "
                            + cluster.get("/jobs/" + job.get("jid").asText() + "/exceptions"));
                }
                if (!state.equals("FINISHED")) {
                    return false;
                }
            }
            return true;
        }, () -> String.valueOf(cluster.get("/jobs/overview")));
    }

    @Test
    @Order(1)
    void captionParquet() throws Exception {
        runScript("caption_parquet.sql");
        awaitAllJobsFinished();
        List<Map<String, Object>> rows = parquet("captions", "id, caption");
        assertThat(rows).extracting(r -> (String) r.get("id")).containsExactlyElementsOf(Expected.IMAGES);
        rows.forEach(r -> assertThat(r.get("caption")).as((String) r.get("id")).isEqualTo(expected.captions.get((String) r.get("id"))));
    }

    @Test
    @Order(2)
    void captionWithMlPredict() throws Exception {
        runScript("caption_ml_predict.sql");
        awaitAllJobsFinished();
        List<Map<String, Object>> rows = parquet("ml_predict", "id, caption, tokens, error");
        assertThat(rows).extracting(r -> (String) r.get("id")).containsExactlyElementsOf(Expected.IMAGES);
        for (Map<String, Object> r : rows) {
            assertThat(r.get("caption")).as((String) r.get("id")).isEqualTo(expected.captions.get((String) r.get("id")));
            assertThat(r.get("error")).isNull();
        }
    }

    @Test
    @Order(3)
    void routingStatistics() throws Exception {
        runScript("routing_stats.sql");
        awaitAllJobsFinished();
        Path[] files;
        try (Stream<Path> list = Files.list(output.resolve("routing"))) {
            files = list.filter(f -> !f.getFileName().toString().startsWith(".")).toArray(Path[]::new);
        }
        JsonNode summary = DuckDb.arrowSummary(files);
        assertThat(summary.get("rows").asLong()).isEqualTo(Expected.IMAGES.size());
        assertThat(summary.get("columns").get("id").get("counts").fieldNames()).toIterable()
                .containsExactlyInAnyOrderElementsOf(Expected.IMAGES);
        assertThat(summary.get("columns").get("error").get("nulls").asLong()).isEqualTo(Expected.IMAGES.size());
    }

    @Test
    @Order(4)
    void askAndCaptionWithAddJar() throws Exception {
        FlinkCluster.Result result = runScript("ask_and_caption.sql");
        for (String id : List.of("chelsea", "camera_gray")) {
            assertThat(result.output().lines().filter(l -> l.contains(id + ".png")))
                    .as("%s in%n%s", id, result.output())
                    .anyMatch(l -> l.contains(expected.answers.get(id)));
        }
        // the error column (truncated by the table) names the image file; the answer is NULL
        assertThat(result.output().lines().filter(l -> l.startsWith("| +I |") && l.contains("missing.png")))
                .singleElement().asString().contains("<NULL>").contains("image file '");
        assertThat(result.output().lines().filter(l -> l.startsWith("| +I |") && l.contains("passwd")))
                .singleElement().asString().contains("<NULL>");
    }

    @Test
    @Order(5)
    void moderationFromKafka() throws Exception {
        kafka.createTopic("images", 2);
        kafka.createTopic("moderation-audit", 1);
        kafka.createTopic("moderation-flagged", 1);
        List<Map.Entry<String, byte[]>> messages = new ArrayList<>();
        for (String id : Expected.IMAGES) {
            messages.add(Map.entry(id, message(id, Files.readAllBytes(Expected.image(id)))));
        }
        messages.add(Map.entry("corrupt", message("corrupt", "not an image".getBytes(StandardCharsets.US_ASCII))));
        messages.add(Map.entry("not-json", "<html>oops</html>".getBytes(StandardCharsets.UTF_8)));
        kafka.produce("images", messages);

        runScript("moderation_kafka.sql");
        awaitAllJobsFinished();

        ObjectMapper json = new ObjectMapper();
        Map<String, JsonNode> audit = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : kafka.readAll("moderation-audit", "read_committed")) {
            JsonNode d = json.readTree(record.value());
            assertThat(audit.put(d.get("id").asText(), d)).as("duplicate %s", d.get("id")).isNull();
        }
        assertThat(audit).hasSize(messages.size());
        for (String id : Expected.IMAGES) {
            LabelScores scores = expected.scores.get(id);
            assertThat(audit.get(id).get("category").asText()).as(id).isEqualTo(scores.best());
            assertThat(audit.get(id).get("safe_probability").asDouble()).isCloseTo(scores.probability("safe"), offset(1e-3));
        }
        assertThat(audit.get("corrupt").get("error").asText()).startsWith("invalid image");
    }

    static byte[] message(String id, byte[] image) {
        return ("{\"id\": \"" + id + "\", \"image\": \"" + Base64.getEncoder().encodeToString(image)
                + "\", \"metadata\": {\"source\": \"e2e\"}}").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * README's {@code flink run} of the captioning job, three times on the same TaskManager, with the jobs
     * jar also in {@code lib/}: every run captions every row, and the TaskManager's metaspace and RSS stay
     * flat after the second run.
     */
    @Test
    @Order(6)
    void captionJobWithFlinkRunThreeTimes() throws Exception {
        List<Memory> memory = new ArrayList<>();
        for (int run = 1; run <= 3; run++) {
            Path out = output.resolve("caption-job-" + run);
            FlinkCluster.Result result = cluster.flink("flink-run-caption-" + run, List.of(
                    "run", "-c", "io.flinkcumo.jobs.CaptionJob", E2e.jobJar().toString(),
                    "--input", E2e.home().resolve("samples/images.parquet").toString(),
                    "--output", out.toString(),
                    "--model", Expected.model().toString(),
                    "--device", "cpu",
                    "--max-new-tokens", "16"));
            assertThat(result.exitCode()).as("run %d: %s", run, result).isZero();
            List<Map<String, Object>> rows = DuckDb.query("SELECT id, caption, error FROM read_parquet("
                    + literal(out.resolve("captions") + "/**/*.parquet") + ") ORDER BY id");
            assertThat(rows).extracting(r -> (String) r.get("id")).as("run %d", run).containsExactlyElementsOf(Expected.IMAGES);
            rows.forEach(r -> assertThat(r.get("caption")).as((String) r.get("id")).isEqualTo(expected.captions.get((String) r.get("id"))));
            memory.add(Memory.of(cluster.taskManager().pid()));
        }
        Memory.assertFlat(memory);
        Memory.assertUnloaded(memory);
        assertThat(cluster.logLines("already loaded in another classloader")).isEmpty();
        assertThat(cluster.logLines("java.lang.UnsatisfiedLinkError")).isEmpty();
    }
}
