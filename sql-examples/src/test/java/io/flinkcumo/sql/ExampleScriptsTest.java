package io.flinkcumo.sql;

import static io.flinkcumo.jobs.DuckDb.literal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.LabelScores;
import io.flinkcumo.jobs.DuckDb;
import io.flinkcumo.jobs.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the captioning, ML_PREDICT, routing-statistics and Kafka moderation scripts of {@code sql/}
 * against the bundled small model ({@code models/cumo-shapes}) and the bundled sample Parquet file, as
 * the SQL client would with the plugin jar (here added with {@code ADD JAR}, DJL parent-first, see
 * {@link SqlScriptsTest}), and checks their output with independent readers (DuckDB, Arrow JS, a
 * Kafka consumer) against direct engine calls. Kafka is an in-process KRaft broker.
 */
class ExampleScriptsTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .setConfiguration(config())
                    .build());

    /** The scripts and the test that runs each; a script without a test fails {@link #everyScriptIsRunByATest}. */
    static final Map<String, String> TESTED = Map.of(
            "ask_and_caption.sql", "SqlScriptsTest.askAndCaptionLoadsCuMoFromThePluginJar",
            "caption_parquet.sql", "ExampleScriptsTest.captionParquet",
            "caption_ml_predict.sql", "ExampleScriptsTest.captionWithMlPredict",
            "routing_stats.sql", "ExampleScriptsTest.routingStatisticsToArrowFiles",
            "moderation_kafka.sql", "ExampleScriptsTest.moderationFromKafka");

    static final String CAPTION = "Describe the image in one sentence.";
    static final List<String> IMAGES = List.of("astronaut_portrait", "camera_gray", "chelsea", "tiny_97x31");
    static final List<String> CATEGORIES = List.of("safe", "violence", "nudity", "weapons", "drugs", "hate");
    static final String MODERATION_QUESTION = "Which one of these categories describes this image best: "
            + String.join(", ", CATEGORIES) + "? Answer with the category only.";
    static final Map<String, String> CAPTIONS = new HashMap<>();
    static final Map<String, LabelScores> SCORES = new HashMap<>();
    static EmbeddedKafka kafka;

    @TempDir
    Path output;

    static Configuration config() {
        Configuration c = new Configuration();
        c.setString("classloader.parent-first-patterns.additional", "ai.djl.");
        return c;
    }

    static Path home() {
        return Path.of(System.getProperty("cumo.home")).toAbsolutePath();
    }

    static Path image(String id) throws Exception {
        try (Stream<Path> files = Files.list(home().resolve("samples/images"))) {
            return files.filter(f -> f.getFileName().toString().startsWith(id + ".")).findFirst().orElseThrow();
        }
    }

    @BeforeAll
    static void setUp() throws Exception {
        try (CumoEngine engine = CumoEngine.load(home().resolve("models/cumo-shapes"))) {
            for (String id : IMAGES) {
                byte[] bytes = Files.readAllBytes(image(id));
                CAPTIONS.put(id, engine.answer(List.of(CumoRequest.of(id, bytes, CAPTION, GenerationConfig.greedy(16)))).get(0).answer());
                SCORES.put(id, engine.scoreLabels(
                        List.of(CumoRequest.of(id, bytes, MODERATION_QUESTION, GenerationConfig.greedy(1))), CATEGORIES).get(0));
            }
        }
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    private Map<String, String> variables() {
        return Map.of(
                "model-path", home().resolve("models/cumo-shapes").toString(),
                "data", home().resolve("samples").toString(),
                "output", output.toString(),
                "kafka", kafka.bootstrapServers());
    }

    private void run(String script) throws Exception {
        SqlScript.load(script, variables()).run(config(), prelude());
    }

    private static List<String> prelude() {
        return List.of("ADD JAR '" + SqlScriptsTest.pluginJar() + "'");
    }

    private List<Map<String, Object>> parquet(String dir, String columns) throws Exception {
        return DuckDb.query("SELECT " + columns + " FROM read_parquet(" + literal(output.resolve(dir) + "/**") + ") ORDER BY id");
    }

    @Test
    void everyScriptIsRunByATest() throws Exception {
        try (Stream<Path> scripts = Files.list(SqlScript.dir())) {
            assertThat(scripts.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".sql")))
                    .as("scripts in sql/ (add a test and an entry in TESTED)")
                    .containsExactlyInAnyOrderElementsOf(TESTED.keySet());
        }
    }

    @Test
    void runShFillsInEveryPlaceholderForTheSqlClient() throws Exception {
        Path flinkHome = Files.createDirectories(output.resolve("flink/bin"));
        Path client = flinkHome.resolve("sql-client.sh");
        Files.writeString(client, "#!/usr/bin/env bash\n[ \"$1\" = -f ] && cat \"$2\"\n");
        client.toFile().setExecutable(true);
        for (String script : TESTED.keySet()) {
            ProcessBuilder run = new ProcessBuilder("bash", SqlScript.dir().resolveSibling("run.sh").toString(), script);
            run.environment().put("FLINK_HOME", output.resolve("flink").toString());
            Process process = run.start();
            String sql = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor()).as(script).isZero();
            assertThat(sql).as(script).contains("/models/cumo").doesNotContainPattern("\\$\\{[a-z-]+}");
        }
    }

    @Test
    void captionParquet() throws Exception {
        run("caption_parquet.sql");
        List<Map<String, Object>> rows = parquet("captions", "id, caption");
        assertThat(rows).extracting(r -> (String) r.get("id")).containsExactlyElementsOf(IMAGES);
        rows.forEach(r -> assertThat(r.get("caption")).as((String) r.get("id")).isEqualTo(CAPTIONS.get((String) r.get("id"))));
    }

    @Test
    void captionWithMlPredict() throws Exception {
        run("caption_ml_predict.sql");
        List<Map<String, Object>> rows = parquet("ml_predict", "id, caption, tokens, error");
        assertThat(rows).extracting(r -> (String) r.get("id")).containsExactlyElementsOf(IMAGES);
        for (Map<String, Object> r : rows) {
            assertThat(r.get("caption")).as((String) r.get("id")).isEqualTo(CAPTIONS.get((String) r.get("id")));
            assertThat(((Number) r.get("tokens")).intValue()).isBetween(1, 16);
            assertThat(r.get("error")).isNull();
        }
    }

    /** The plan calls {@code function} once per row, however many fields of its result the query reads. */
    private void assertCalledOncePerRow(String script, String function) throws Exception {
        String plan = SqlScript.load(script, variables()).explainLast(config(), prelude());
        String executionPlan = plan.substring(plan.indexOf("== Optimized Execution Plan =="));
        assertThat(executionPlan.split(function + "\\(", -1)).as("one call of %s per row:%n%s", function, executionPlan).hasSize(2);
    }

    @Test
    void routingStatisticsToArrowFiles() throws Exception {
        assertCalledOncePerRow("routing_stats.sql", "cumo_answer_details");
        run("routing_stats.sql");
        Path[] files;
        try (Stream<Path> list = Files.list(output.resolve("routing"))) {
            files = list.filter(f -> !f.getFileName().toString().startsWith(".")).toArray(Path[]::new);
        }
        JsonNode summary = DuckDb.arrowSummary(files);
        assertThat(summary.get("rows").asLong()).isEqualTo(IMAGES.size());
        JsonNode columns = summary.get("columns");
        assertThat(columns.get("id").get("counts").fieldNames()).toIterable().containsExactlyInAnyOrderElementsOf(IMAGES);
        assertThat(columns.get("error").get("nulls").asLong()).isEqualTo(IMAGES.size());
        assertThat(columns.get("vision_layers").get("sum").asLong()).isEqualTo(IMAGES.size() * 2L);
        assertThat(columns.get("vision_router_entropy").get("sum").asDouble()).isPositive();
        assertThat(columns.get("llm_router_entropy").get("nulls").asLong()).as("Mistral has no LLM experts").isEqualTo(IMAGES.size());
    }

    @Test
    void moderationFromKafka() throws Exception {
        kafka.createTopic("images", 2);
        kafka.createTopic("moderation-audit", 1);
        kafka.createTopic("moderation-flagged", 1);
        List<Map.Entry<String, byte[]>> messages = new ArrayList<>();
        for (String id : IMAGES) {
            messages.add(Map.entry(id, message(id, Files.readAllBytes(image(id)))));
        }
        messages.add(Map.entry("corrupt", message("corrupt", "not an image".getBytes(StandardCharsets.US_ASCII))));
        messages.add(Map.entry("garbled", "{\"id\": \"garbled\", \"image\": \"@@not base64@@\"}".getBytes(StandardCharsets.UTF_8)));
        messages.add(Map.entry("not-json", "<html>oops</html>".getBytes(StandardCharsets.UTF_8)));
        messages.add(Map.entry("no-image", "{\"id\": \"no-image\", \"metadata\": {\"source\": \"test\"}}".getBytes(StandardCharsets.UTF_8)));
        kafka.produce("images", messages);

        assertCalledOncePerRow("moderation_kafka.sql", "cumo_classify");
        assertCalledOncePerRow("moderation_kafka.sql", "cumo_image_message");

        run("moderation_kafka.sql");

        ObjectMapper json = new ObjectMapper();
        Map<String, JsonNode> audit = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : kafka.readAll("moderation-audit", "read_committed")) {
            JsonNode d = json.readTree(record.value());
            assertThat(audit.put(d.get("id").asText(), d)).as("duplicate %s", d.get("id")).isNull();
            assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(d.get("id").asText());
        }
        // nothing is dropped: the message that is not JSON gets its partition/offset as id
        String notJson = audit.keySet().stream().filter(k -> k.startsWith("images/")).findFirst().orElseThrow();
        assertThat(audit.keySet()).containsExactlyInAnyOrder(
                "astronaut_portrait", "camera_gray", "chelsea", "tiny_97x31", "corrupt", "garbled", "no-image", notJson);
        assertThat(notJson).matches("images/[01]/[0-9]+");
        for (String bad : List.of("garbled", notJson)) {
            assertThat(audit.get(bad).get("flagged").asBoolean()).as(bad).isTrue();
            assertThat(audit.get(bad).get("error").asText()).as(bad).startsWith("invalid message: ");
        }
        for (String id : IMAGES) {
            JsonNode d = audit.get(id);
            LabelScores expected = SCORES.get(id);
            assertThat(d.get("category").asText()).as(id).isEqualTo(expected.best());
            assertThat(d.get("safe_probability").asDouble()).isCloseTo(expected.probability("safe"), offset(1e-3));
            CATEGORIES.forEach(c -> assertThat(d.get("scores").get(c).asDouble()).isCloseTo(expected.probability(c), offset(1e-3)));
            assertThat(d.get("flagged").asBoolean()).isEqualTo(!expected.best().equals("safe") || expected.probability("safe") < 0.5);
            assertThat(d.get("metadata").get("source").asText()).isEqualTo("test");
        }
        assertThat(audit.get("corrupt").get("flagged").asBoolean()).isTrue();
        // the same reason as the Java job (ModerationFunction) gives
        assertThat(audit.get("no-image").get("flagged").asBoolean()).isTrue();
        assertThat(audit.get("no-image").get("error").asText()).isEqualTo("the message has no image");
        assertThat(audit.get("no-image").get("metadata").get("source").asText()).isEqualTo("test");
        assertThat(audit.get("corrupt").get("error").asText()).startsWith("invalid image");

        List<String> flagged = kafka.readAll("moderation-flagged", "read_committed").stream()
                .map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList();
        assertThat(flagged).containsExactlyInAnyOrderElementsOf(audit.values().stream()
                .filter(d -> d.get("flagged").asBoolean()).map(d -> d.get("id").asText()).collect(Collectors.toList()));
    }

    private static byte[] message(String id, byte[] image) {
        return ("{\"id\": \"" + id + "\", \"image\": \"" + Base64.getEncoder().encodeToString(image)
                + "\", \"metadata\": {\"source\": \"test\"}}").getBytes(StandardCharsets.UTF_8);
    }
}
