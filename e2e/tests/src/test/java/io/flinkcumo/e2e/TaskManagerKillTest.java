package io.flinkcumo.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkcumo.engine.LabelScores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * README's Kafka moderation job ({@code flink run -c io.flinkcumo.jobs.ModerationJob}, exactly-once)
 * against a KRaft broker process, while messages keep arriving: after a completed checkpoint the
 * TaskManager process is killed with {@code kill -9}, a new one is started, and a {@code
 * read_committed} consumer sees exactly one decision for every input message (images, corrupt images,
 * JSON without an image, not JSON), none lost and none doubled. While the job runs, the CuMo metrics
 * (requests, batch sizes, latency, per-expert load) are on the REST API.
 */
class TaskManagerKillTest {

    static final int MESSAGES = 360;
    static final int PER_SECOND = 12;

    static FlinkCluster cluster;
    static KafkaBroker kafka;
    static Expected expected;

    @BeforeAll
    static void startCluster() throws Exception {
        Path work = E2e.work("taskmanager-kill");
        expected = Expected.compute();
        kafka = KafkaBroker.start(work.resolve("kafka"));
        cluster = FlinkCluster.create(work.resolve("flink"), List.of(E2e.djlJar(), E2e.pluginJar(), E2e.connectorsJar()), Map.of()).start();
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

    /** Message {@code i}: mostly images, and every kind of bad message the job must still decide on. */
    static Map.Entry<String, byte[]> message(int i) throws Exception {
        String id = String.format("m%04d", i);
        if (i % 29 == 7) {
            return Map.entry(id, "<html>not json</html>".getBytes(StandardCharsets.UTF_8));
        }
        if (i % 23 == 5) {
            return Map.entry(id, ("{\"id\": \"" + id + "\", \"metadata\": {}}").getBytes(StandardCharsets.UTF_8));
        }
        if (i % 17 == 3) {
            return Map.entry(id, LibLayoutTest.message(id, "not an image".getBytes(StandardCharsets.US_ASCII)));
        }
        String image = Expected.IMAGES.get(i % Expected.IMAGES.size());
        return Map.entry(id, LibLayoutTest.message(id, Files.readAllBytes(Expected.image(image))));
    }

    @Test
    void exactlyOneDecisionPerMessageAcrossATaskManagerKill() throws Exception {
        kafka.createTopic("images", 2);
        kafka.createTopic("moderation-audit", 1);
        kafka.createTopic("moderation-flagged", 1);
        // messages keep arriving before, during and after the kill
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < MESSAGES; i++) {
                    kafka.produce("images", List.of(message(i)));
                    Thread.sleep(1000 / PER_SECOND);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        FlinkCluster.Result submitted = cluster.flink("flink-run-moderation", List.of(
                "run", "-d", "-c", "io.flinkcumo.jobs.ModerationJob", E2e.jobJar().toString(),
                "--bootstrap-servers", kafka.bootstrapServers(),
                "--model", Expected.model().toString(),
                "--device", "cpu",
                "--starting-offsets", "earliest",
                "--checkpoint-interval", "2s"));
        assertThat(submitted.exitCode()).as("%s", submitted).isZero();
        String job = FlinkCluster.submittedJobId(submitted);

        E2e.await("a completed checkpoint with decisions committed", Duration.ofMinutes(3),
                () -> completedCheckpoints(job) >= 1 && !committed().isEmpty(),
                () -> String.valueOf(cluster.get("/jobs/" + job + "/exceptions")));

        int committedBeforeKill = committed().size();
        long checkpointsBeforeKill = completedCheckpoints(job);
        assertThat(committedBeforeKill).as("killed mid-stream").isLessThan(MESSAGES);
        cluster.killTaskManager();
        System.out.printf("killed the TaskManager after %d completed checkpoints, %d of %d decisions committed%n",
                checkpointsBeforeKill, committedBeforeKill, MESSAGES);
        cluster.startTaskManager();

        producer.get(2, TimeUnit.MINUTES);
        E2e.await("a decision for every message", Duration.ofMinutes(5), () -> committed().size() >= MESSAGES,
                () -> committed().size() + " decisions; " + cluster.get("/jobs/" + job + "/exceptions"));
        // read while the job idles: an expert_load gauge shows the latest pass's share, and the REST fetch reads
        // a layer's gauges one by one, so a pass finishing in between would mix two passes' shares
        assertCumoMetrics(job);
        JsonNode restarts = cluster.get("/jobs/" + job);
        cluster.cancel(job);

        List<JsonNode> decisions = committed();
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        for (JsonNode d : decisions) {
            assertThat(byId.put(d.get("id").asText(), d)).as("a second decision for %s", d.get("id")).isNull();
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            ids.add(String.format("m%04d", i));
        }
        assertThat(byId.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(decisions.stream().map(d -> d.get("source").asText()).distinct()).hasSize(MESSAGES);
        for (int i = 0; i < MESSAGES; i++) {
            JsonNode d = byId.get(ids.get(i));
            String kind = new String(message(i).getValue(), StandardCharsets.UTF_8);
            if (i % 29 == 7 || i % 23 == 5 || i % 17 == 3) {
                assertThat(d.get("error").isNull()).as("%s (%s) has an error", ids.get(i), kind.length() > 60 ? kind.substring(0, 60) : kind).isFalse();
                assertThat(d.get("flagged").asBoolean()).as("a message without a decidable image is flagged: %s", d).isTrue();
            } else {
                LabelScores scores = expected.scores.get(Expected.IMAGES.get(i % Expected.IMAGES.size()));
                assertThat(d.get("category").asText()).as("%s", d).isEqualTo(scores.best());
                assertThat(d.get("safe_probability").asDouble()).isCloseTo(scores.probability("safe"), offset(1e-3));
            }
        }
        // the flagged topic: only flagged decisions, each once
        List<String> flagged = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.readAll("moderation-flagged", "read_committed")) {
            flagged.add(new ObjectMapper().readTree(r.value()).get("id").asText());
        }
        assertThat(flagged).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(byId.values().stream().filter(d -> d.get("flagged").asBoolean())
                        .map(d -> d.get("id").asText()).toList());
        System.out.println("moderation job after the kill: " + restarts);
    }

    static List<JsonNode> committed() {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> decisions = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.readAll("moderation-audit", "read_committed")) {
            try {
                decisions.add(json.readTree(r.value()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return decisions;
    }

    static long completedCheckpoints(String job) {
        JsonNode checkpoints = cluster.get("/jobs/" + job + "/checkpoints");
        return checkpoints == null ? 0 : checkpoints.get("counts").get("completed").asLong();
    }

    /** Every vertex's metric names, and the values of the CuMo ones, over the REST API. */
    static void assertCumoMetrics(String job) {
        Map<String, Double> cumo = new HashMap<>();
        E2e.await("CuMo metrics on the REST API", Duration.ofMinutes(1), () -> {
            cumo.clear();
            for (JsonNode vertex : cluster.get("/jobs/" + job).get("vertices")) {
                String path = "/jobs/" + job + "/vertices/" + vertex.get("id").asText() + "/metrics";
                List<String> names = StreamSupport.stream(cluster.get(path).spliterator(), false)
                        .map(m -> m.get("id").asText()).filter(n -> n.contains(".cumo.")).toList();
                if (!names.isEmpty()) {
                    for (JsonNode value : cluster.get(path + "?get=" + String.join(",", names))) {
                        cumo.put(value.get("id").asText(), value.get("value").asDouble());
                    }
                }
            }
            return cumo.keySet().stream().anyMatch(n -> n.contains(".expert_load."))
                    && cumo.entrySet().stream().anyMatch(e -> e.getKey().endsWith(".cumo.requests") && e.getValue() > 0);
        }, () -> "CuMo metrics: " + cumo);
        System.out.println("CuMo metrics of the running moderation job: " + cumo.size() + " " + cumo);
        assertThat(cumo.keySet()).anyMatch(n -> n.endsWith(".cumo.requests"))
                .anyMatch(n -> n.endsWith(".cumo.batchSize_mean"))
                .anyMatch(n -> n.endsWith(".cumo.batchLatencyMs_p99"))
                .anyMatch(n -> n.endsWith(".cumo.requestLatencyMs_median"))
                .anyMatch(n -> n.contains(".cumo.expert_load.vision."))
                .anyMatch(n -> n.contains(".cumo.expert_load.projector."));
        assertThat(cumo.entrySet()).filteredOn(e -> e.getKey().endsWith(".cumo.batchSize_max"))
                .allMatch(e -> e.getValue() >= 1);
        // each MoE layer's gauges are the experts' shares of its routed tokens
        Map<String, Double> sums = new HashMap<>();
        cumo.forEach((name, value) -> {
            if (name.contains(".cumo.expert_load.")) {
                sums.merge(name.substring(0, name.lastIndexOf('.')), value, Double::sum);
            }
        });
        assertThat(sums).as("expert shares per layer").isNotEmpty()
                .allSatisfy((layer, sum) -> assertThat(sum).as(layer).isCloseTo(1.0, offset(1e-6)));
    }
}
