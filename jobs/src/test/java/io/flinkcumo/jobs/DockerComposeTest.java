package io.flinkcumo.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml, checked without Docker (none runs here): its services, images pinned to the
 * build's versions, the TaskManager's GPU reservation and Flink GPU external resource, DJL offline
 * settings, and that every mounted file exists in the repository or is a jar this build produces.
 */
class DockerComposeTest {

    private static final Path HOME = Path.of(System.getProperty("cumo.home")).toAbsolutePath();
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::-([^}]*))?}");
    private static JsonNode compose;

    @BeforeAll
    static void parse() throws Exception {
        try (Reader reader = Files.newBufferedReader(HOME.resolve("docker-compose.yml"))) {
            Object yaml = new Yaml().load(reader); // resolves anchors and merge keys (<<: *flink)
            compose = new ObjectMapper().valueToTree(yaml);
        }
    }

    private static JsonNode service(String name) {
        JsonNode service = compose.get("services").get(name);
        assertThat(service).as("service %s", name).isNotNull();
        return service;
    }

    /** Compose's ${VAR:-default} interpolation, with every variable unset. */
    private static String interpolate(String value) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(2) == null ? "" : m.group(2)));
        }
        return m.appendTail(out).toString();
    }

    /** The FLINK_PROPERTIES of a service as key -> value. */
    private static Map<String, String> flinkProperties(String name) {
        Map<String, String> properties = new HashMap<>();
        for (String line : interpolate(service(name).get("environment").get("FLINK_PROPERTIES").asText()).split("\n")) {
            int colon = line.indexOf(':');
            if (!line.strip().startsWith("#") && colon > 0) {
                properties.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return properties;
    }

    @Test
    void taskManagerKeepsFreedPagesInTheImagesJemalloc() {
        // the flink image's entrypoint preloads jemalloc unless DISABLE_JEMALLOC=true; decay off keeps freed pages
        JsonNode env = service("taskmanager").get("environment");
        assertThat(env.get("MALLOC_CONF").asText()).isEqualTo("dirty_decay_ms:-1,muzzy_decay_ms:-1");
        assertThat(env.has("DISABLE_JEMALLOC")).isFalse();
    }

    @Test
    void servicesAndPinnedImages() {
        assertThat(compose.get("services").fieldNames()).toIterable()
                .contains("jobmanager", "taskmanager", "kafka", "sql-client");
        String flinkImage = "flink:" + System.getProperty("flink.version") + "-java17";
        for (String flink : List.of("jobmanager", "taskmanager", "sql-client")) {
            assertThat(service(flink).get("image").asText()).as(flink).isEqualTo(flinkImage);
        }
        assertThat(service("kafka").get("image").asText()).isEqualTo("apache/kafka:" + System.getProperty("kafka.version"));
        assertThat(service("jobmanager").get("command").asText()).isEqualTo("jobmanager");
        assertThat(service("taskmanager").get("command").asText()).isEqualTo("taskmanager");
        assertThat(service("sql-client").get("command").asText()).contains("sql-client.sh");
    }

    @Test
    void kafkaRunsInKraftModeWithTransactionsOnOneNode() {
        JsonNode env = service("kafka").get("environment");
        assertThat(env.get("KAFKA_PROCESS_ROLES").asText()).isEqualTo("broker,controller");
        assertThat(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS").asText()).isEqualTo("1@kafka:9093");
        assertThat(env.get("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR").asInt()).isEqualTo(1);
        assertThat(env.get("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR").asInt()).isEqualTo(1);
        assertThat(env.get("KAFKA_ADVERTISED_LISTENERS").asText()).contains("PLAINTEXT://kafka:9092");
    }

    @Test
    void theTaskManagerReservesAnNvidiaGpuAndFlinkKnowsIt() {
        JsonNode devices = service("taskmanager").at("/deploy/resources/reservations/devices");
        assertThat(devices).hasSize(1);
        assertThat(devices.get(0).get("driver").asText()).isEqualTo("nvidia");
        assertThat(devices.get(0).get("count").asInt()).isEqualTo(1);
        assertThat(devices.get(0).get("capabilities")).extracting(JsonNode::asText).contains("gpu");

        Map<String, String> tm = flinkProperties("taskmanager");
        assertThat(tm).containsEntry("external-resources", "gpu")
                .containsEntry("external-resource.gpu.driver-factory.class", "org.apache.flink.externalresource.gpu.GPUDriverFactory")
                .containsEntry("external-resource.gpu.amount", "1");
        assertThat(service("taskmanager").get("environment").get("ENABLE_BUILT_IN_PLUGINS").asText())
                .isEqualTo("flink-external-resource-gpu-" + System.getProperty("flink.version") + ".jar");
    }

    @Test
    void everyFlinkJvmRunsDjlOfflineWithFlinksJava17Flags() {
        for (String flink : List.of("jobmanager", "taskmanager", "sql-client")) {
            Map<String, String> properties = flinkProperties(flink);
            assertThat(properties.get("env.java.opts.all")).as(flink)
                    .contains("-Dai.djl.offline=true").contains("--add-opens=java.base/java.nio=ALL-UNNAMED")
                    // replacing Flink's default env.java.opts.all must keep its Java 17 flags
                    .contains("--add-opens=java.base/java.util=ALL-UNNAMED").contains("--add-exports=java.base/sun.net.util=ALL-UNNAMED");
            assertThat(properties).as(flink).containsEntry("jobmanager.rpc.address", "jobmanager");
            JsonNode env = service(flink).get("environment");
            assertThat(env.get("DJL_CACHE_DIR").asText()).as(flink).isNotBlank();
            assertThat(env.get("DJL_OFFLINE").asText()).isEqualTo("true");
        }
    }

    @Test
    void mountedFilesExistOrAreBuiltAndThePluginJarIsInLib() {
        String version = System.getProperty("project.version");
        List<String> builtJars = List.of(
                "./udfs/target/flink-cumo-udfs-" + version + "-djl.jar",
                "./udfs/target/flink-cumo-udfs-" + version + "-plugin.jar",
                "./jobs/target/flink-cumo-jobs-" + version + "-connectors.jar",
                "./jobs/target/flink-cumo-jobs-" + version + "-job.jar");
        for (String flink : List.of("jobmanager", "taskmanager", "sql-client")) {
            List<String> targets = new ArrayList<>();
            for (JsonNode volume : service(flink).get("volumes")) {
                String[] parts = interpolate(volume.asText()).split(":");
                String source = parts[0];
                targets.add(parts[1]);
                if (source.startsWith("./") && source.contains("/target/")) {
                    assertThat(builtJars).as("%s mounts %s, which the build must produce", flink, source).contains(source);
                } else if (source.startsWith("./")) {
                    assertThat(HOME.resolve(source)).as("%s mounts %s", flink, source).exists();
                } else {
                    assertThat(compose.get("volumes").has(source)).as("%s: named volume %s is declared", flink, source).isTrue();
                }
            }
            // every jar LibLayoutTest (e2e) puts into lib/
            assertThat(targets).as(flink).contains("/opt/flink/lib/cumo/flink-cumo-udfs-djl.jar",
                    "/opt/flink/lib/cumo/flink-cumo-udfs-plugin.jar", "/opt/flink/lib/cumo/flink-cumo-connectors.jar",
                    "/opt/flink/lib/cumo/flink-cumo-jobs.jar", "/models/cumo");
        }
        assertThat(Files.isExecutable(HOME.resolve("sql-examples/run.sh"))).isTrue();
    }
}
