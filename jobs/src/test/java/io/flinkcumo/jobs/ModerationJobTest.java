package io.flinkcumo.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.LabelScores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streaming moderation through an in-process Kafka broker with a failure injected mid-stream:
 * after recovery from the last checkpoint a read_committed consumer sees exactly one decision per
 * image, decided as the engine decides when called directly.
 */
class ModerationJobTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .setConfiguration(restartQuickly())
                    .build());

    static final List<String> IMAGES = List.of("chelsea.png", "camera_gray.png", "tiny_97x31.jpg", "astronaut_portrait.png");
    static final int N = 16;
    static final Map<String, LabelScores> EXPECTED = new HashMap<>();
    static EmbeddedKafka kafka;

    @TempDir
    Path tmp;

    private static Configuration restartQuickly() {
        Configuration c = new Configuration();
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        return c;
    }

    @BeforeAll
    static void setUp() throws Exception {
        ModerationPolicy policy = ModerationPolicy.defaults();
        try (CumoEngine engine = CumoEngine.load(CaptionJobTest.model())) {
            for (String image : IMAGES) {
                byte[] bytes = Files.readAllBytes(CaptionJobTest.sample(image));
                CumoRequest request = CumoRequest.of(image, bytes, policy.question(), GenerationConfig.greedy(1));
                EXPECTED.put(image, engine.scoreLabels(List.of(request), policy.categories()).get(0));
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

    /** The image of record {@code i}; every 7th is corrupt. */
    static String imageOf(int i) {
        return i % 7 == 6 ? null : IMAGES.get(i % IMAGES.size());
    }

    static byte[] message(int i) throws Exception {
        String image = imageOf(i);
        byte[] bytes = image == null ? "not an image".getBytes(StandardCharsets.US_ASCII) : Files.readAllBytes(CaptionJobTest.sample(image));
        return ("{\"id\": \"img-" + i + "\", \"image\": \"" + Base64.getEncoder().encodeToString(bytes)
                + "\", \"metadata\": {\"user\": \"u" + (i % 3) + "\"}}").getBytes(StandardCharsets.UTF_8);
    }

    /** Throws once, on the first record it maps after a checkpoint completed and K records went by. */
    static final class FailOnceAfterCheckpoint implements MapFunction<ModerationInput, ModerationInput>, CheckpointListener {
        static final AtomicBoolean CHECKPOINTED = new AtomicBoolean();
        static final AtomicBoolean FAILED = new AtomicBoolean();
        static final AtomicInteger SEEN = new AtomicInteger();
        static final AtomicInteger FAILED_AT = new AtomicInteger();
        static final int K = 5;

        @Override
        public ModerationInput map(ModerationInput input) {
            int seen = SEEN.incrementAndGet();
            if (seen > K && CHECKPOINTED.get() && FAILED.compareAndSet(false, true)) {
                FAILED_AT.set(seen);
                throw new IllegalStateException("injected failure at record " + seen);
            }
            return input;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTED.set(true);
        }
    }

    @Test
    void exactlyOneDecisionPerImageAfterAFailureMidStream() throws Exception {
        kafka.createTopic("images", 2);
        kafka.createTopic("moderation-audit", 1);
        kafka.createTopic("moderation-flagged", 1);
        List<Map.Entry<String, byte[]>> records = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            records.add(Map.entry("img-" + i, message(i)));
        }
        records.add(Map.entry("broken", "{not json".getBytes(StandardCharsets.UTF_8)));
        kafka.produce("images", records);

        ModerationOptions options = new ModerationOptions();
        options.bootstrapServers = kafka.bootstrapServers();
        options.bounded = true;
        options.checkpointInterval = Duration.ofMillis(300);
        options.parallelism = 2;
        options.model.device = io.flinkcumo.runtime.core.DeviceSpec.CPU;
        options.maxBatchSize = 2;
        options.options.put("max-batch-wait", "100 ms");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        ModerationJob.build(env, options, CaptionJobTest.model().toString(), in -> in.map(new FailOnceAfterCheckpoint()).name("fail once"));
        JobClient job = env.executeAsync("moderation under test");
        job.getJobExecutionResult().get();

        assertThat(FailOnceAfterCheckpoint.FAILED).as("the failure was injected").isTrue();
        assertThat(FailOnceAfterCheckpoint.FAILED_AT.get()).as("mid-stream: records were still to come").isLessThanOrEqualTo(N);
        List<ConsumerRecord<byte[], byte[]>> audit = kafka.readAll("moderation-audit", "read_committed");
        Map<String, JsonNode> decisions = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : audit) {
            JsonNode d = ModerationDecision.parse(new String(record.value(), StandardCharsets.UTF_8));
            assertThat(decisions.put(d.get("id").asText(), d)).as("duplicate decision for %s", d.get("id")).isNull();
            assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(d.get("id").asText());
        }
        assertThat(audit).as("decisions").hasSize(N + 1);
        for (int i = 0; i < N; i++) {
            JsonNode d = decisions.get("img-" + i);
            assertThat(d).as("decision for img-%d", i).isNotNull();
            assertThat(d.get("metadata").get("user").asText()).isEqualTo("u" + (i % 3));
            String image = imageOf(i);
            if (image == null) {
                assertThat(d.get("flagged").asBoolean()).isTrue();
                assertThat(d.get("error").asText()).startsWith("invalid image");
                continue;
            }
            LabelScores expected = EXPECTED.get(image);
            assertThat(d.get("error").isNull()).isTrue();
            assertThat(d.get("category").asText()).isEqualTo(expected.best());
            for (String label : expected.labels()) {
                assertThat(d.get("scores").get(label).asDouble()).as("%s %s", image, label)
                        .isCloseTo(expected.probability(label), offset(1e-3));
            }
            boolean flagged = !expected.best().equals("safe") || expected.probability("safe") < 0.5;
            assertThat(d.get("flagged").asBoolean()).isEqualTo(flagged);
        }
        assertThat(decisions.get("broken").get("error").asText()).startsWith("invalid message");

        List<String> flagged = kafka.readAll("moderation-flagged", "read_committed").stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
        List<String> expectedFlagged = audit.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8))
                .filter(json -> ModerationDecision.parse(json).get("flagged").asBoolean()).toList();
        assertThat(flagged).containsExactlyInAnyOrderElementsOf(expectedFlagged);
    }

    /** Issue 12, class 1: {@code image_path} in Kafka messages is read only under --image-base. */
    @Test
    void imagePathsInMessagesAreReadOnlyUnderTheImageBase() throws Exception {
        Path base = Files.createDirectories(tmp.resolve("base"));
        Files.copy(CaptionJobTest.sample("chelsea.png"), base.resolve("chelsea.png"));
        Files.writeString(tmp.resolve("secret.txt"), "root:x:0:0:secret");
        Files.createSymbolicLink(base.resolve("out.png"), tmp.resolve("secret.txt"));
        assertThat(new ProcessBuilder("mkfifo", base.resolve("fifo.png").toString()).start().waitFor()).isZero();
        Map<String, String> paths = new LinkedHashMap<>();
        paths.put("ok", base.resolve("chelsea.png").toString());
        paths.put("relative", "chelsea.png");
        paths.put("passwd", "/etc/passwd");
        paths.put("dotdot", base + "/../secret.txt");
        paths.put("uri", "file:///etc/passwd");
        paths.put("symlink", "out.png");
        paths.put("fifo", "fifo.png");
        paths.put("zero", "/dev/zero");

        Map<String, JsonNode> withBase = moderatePaths("paths-a", paths, List.of(base.toString()));
        assertThat(withBase).hasSize(paths.size());
        for (String id : List.of("ok", "relative")) {
            assertThat(withBase.get(id).get("error").isNull()).as(id).isTrue();
            assertThat(withBase.get(id).get("category").asText()).isEqualTo(EXPECTED.get("chelsea.png").best());
        }
        for (String id : List.of("passwd", "dotdot", "uri", "symlink", "zero")) {
            assertThat(withBase.get(id).get("flagged").asBoolean()).as(id).isTrue();
            assertThat(withBase.get(id).get("error").asText()).as(id).contains("is outside image-base");
        }
        assertThat(withBase.get("fifo").get("error").asText()).contains("not a regular file");
        assertThat(withBase.values()).allSatisfy(d -> assertThat(d.toString()).doesNotContain("root:x"));

        Map<String, JsonNode> withoutBase = moderatePaths("paths-b", Map.of("ok", base.resolve("chelsea.png").toString()), List.of());
        assertThat(withoutBase.get("ok").get("flagged").asBoolean()).isTrue();
        assertThat(withoutBase.get("ok").get("error").asText()).contains("no image-base is set");
    }

    private Map<String, JsonNode> moderatePaths(String topic, Map<String, String> paths, List<String> bases) throws Exception {
        kafka.createTopic(topic, 1);
        kafka.createTopic(topic + "-audit", 1);
        kafka.createTopic(topic + "-flagged", 1);
        List<Map.Entry<String, byte[]>> records = new ArrayList<>();
        paths.forEach((id, path) -> records.add(Map.entry(id, ("{\"id\": \"" + id + "\", \"image_path\": \""
                + path.replace("\\", "\\\\") + "\"}").getBytes(StandardCharsets.UTF_8))));
        kafka.produce(topic, records);
        ModerationOptions options = new ModerationOptions();
        options.bootstrapServers = kafka.bootstrapServers();
        options.inputTopic = topic;
        options.auditTopic = topic + "-audit";
        options.flaggedTopic = topic + "-flagged";
        options.groupId = topic;
        options.transactionalIdPrefix = topic;
        options.bounded = true;
        options.checkpointInterval = Duration.ofMillis(300);
        options.parallelism = 1;
        options.model.device = io.flinkcumo.runtime.core.DeviceSpec.CPU;
        options.imageBases.addAll(bases);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        ModerationJob.build(env, options, CaptionJobTest.model().toString(), UnaryOperator.identity());
        env.executeAsync("moderation of paths").getJobExecutionResult().get();
        Map<String, JsonNode> decisions = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(topic + "-audit", "read_committed")) {
            JsonNode d = ModerationDecision.parse(new String(record.value(), StandardCharsets.UTF_8));
            decisions.put(d.get("id").asText(), d);
        }
        return decisions;
    }

    @Test
    void fileModeWritesOneJsonLinePerFile() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in/sub"));
        Files.copy(CaptionJobTest.sample("chelsea.png"), tmp.resolve("in/chelsea.png"));
        Files.copy(CaptionJobTest.sample("tiny_97x31.jpg"), in.resolve("tiny.jpg"));
        Files.writeString(tmp.resolve("in/readme.txt"), "not an image");
        ModerationOptions options = new ModerationOptions();
        options.inputDir = tmp.resolve("in").toString();
        options.output = tmp.resolve("out").toString();
        options.model.device = io.flinkcumo.runtime.core.DeviceSpec.CPU;
        options.parallelism = 2;
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        ModerationJob.build(env, options, CaptionJobTest.model().toString(), s -> s);
        env.execute("moderation of files");

        Map<String, JsonNode> audit = jsonLines(tmp.resolve("out/audit"));
        assertThat(audit.keySet()).containsExactlyInAnyOrder("chelsea.png", "sub/tiny.jpg", "readme.txt");
        assertThat(audit.get("chelsea.png").get("category").asText()).isEqualTo(EXPECTED.get("chelsea.png").best());
        assertThat(audit.get("sub/tiny.jpg").get("category").asText()).isEqualTo(EXPECTED.get("tiny_97x31.jpg").best());
        assertThat(audit.get("readme.txt").get("error").asText()).startsWith("invalid image");
        Map<String, JsonNode> flagged = jsonLines(tmp.resolve("out/flagged"));
        assertThat(flagged.keySet()).containsExactlyInAnyOrderElementsOf(
                audit.values().stream().filter(d -> d.get("flagged").asBoolean()).map(d -> d.get("id").asText()).toList());
    }

    private static Map<String, JsonNode> jsonLines(Path dir) throws Exception {
        Map<String, JsonNode> out = new HashMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".jsonl")).toList()) {
                for (String line : Files.readAllLines(file)) {
                    JsonNode d = ModerationDecision.parse(line);
                    assertThat(out.put(d.get("id").asText(), d)).as("duplicate %s", d.get("id")).isNull();
                }
            }
        }
        return out;
    }
}
