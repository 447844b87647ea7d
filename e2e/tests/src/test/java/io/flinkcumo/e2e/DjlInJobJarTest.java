package io.flinkcumo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The deployment that cannot work: DJL only in a job's jars (here {@code ADD JAR} of the -djl.jar and
 * the plugin jar, nothing of CuMo in {@code lib/}). DJL would load libtorch into the job's child-first
 * class loader, and every later job on the TaskManager would fail with {@code UnsatisfiedLinkError}; so
 * the first job is refused, with one message that says to put the -djl.jar into {@code lib/}.
 */
class DjlInJobJarTest {

    static FlinkCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = FlinkCluster.create(E2e.work("djl-in-job-jar").resolve("flink"), List.of(), Map.of()).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void refusedWithWhatToDo() throws Exception {
        Path script = cluster.home.resolve("djl-in-job-jar.sql");
        Files.writeString(script, String.join("\n",
                "SET 'sql-client.execution.result-mode' = 'tableau';",
                "ADD JAR '" + E2e.djlJar() + "';",
                "ADD JAR '" + E2e.pluginJar() + "';",
                "LOAD MODULE cumo WITH ('model-path' = '" + Expected.model() + "', 'device' = 'cpu', 'max-new-tokens' = '4',"
                        + " 'image-base' = '" + E2e.home().resolve("samples/images") + "');",
                "SELECT cumo_answer(CAST(ROW(CAST(NULL AS BYTES), p) AS ROW<`bytes` BYTES, `path` STRING>), 'What is it?')"
                        + " FROM (VALUES ('" + E2e.home().resolve("samples/images/chelsea.png") + "')) AS t(p);",
                ""));
        FlinkCluster.Result result = cluster.runProcess("sql-djl-in-job-jar",
                List.of("bash", cluster.home.resolve("bin/sql-client.sh").toString(), "-f", script.toString()),
                Map.of(), Duration.ofMinutes(4));
        assertThat(result.output()).as("%s", result).contains("[ERROR]")
                .contains("CuMo refuses to load DJL from this job's jar")
                .contains("put flink-cumo-udfs-<version>-djl.jar into Flink's lib/");
        JsonNode jobs = cluster.get("/jobs/overview").get("jobs");
        assertThat(jobs).hasSize(1);
        assertThat(jobs.get(0).get("state").asText()).isEqualTo("FAILED");
        String exceptions = cluster.get("/jobs/" + jobs.get(0).get("jid").asText() + "/exceptions").toString();
        assertThat(exceptions).contains("CuMo refuses to load DJL from this job's jar");
        assertThat(cluster.logLines("java.lang.UnsatisfiedLinkError")).isEmpty();
        assertThat(cluster.taskManager().isAlive()).isTrue();
    }
}
