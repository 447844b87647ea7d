package io.flinkcumo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * CuMo per job, DJL once per TaskManager: only the -djl.jar and the connectors jar in {@code lib/},
 * the same SQL job with {@code ADD JAR} of the plugin jar three times on the same TaskManager (bug:
 * the second job failed with {@code UnsatisfiedLinkError ... libc10.so already loaded in another
 * classloader}): every run answers as the engine does, nothing fails to link.
 *
 * <p>Memory: Flink 2.2 does not unload the class loader of a SQL job that came with {@code ADD JAR},
 * whatever the jar (the control below: a SQL job that adds the plugin jar and never calls CuMo is not
 * unloaded either, while {@code flink run} jobs are: {@link LibLayoutTest}). Each ADD JAR job thus
 * keeps CuMo's classes until the TaskManager restarts: bounded here at {@link #METASPACE_PER_JOB_MB}
 * of metaspace and {@link #RSS_PER_JOB_MB} of RSS per job (measured about 4.9 MB and 15-25 MB), which
 * is why docs/flink.md recommends {@code lib/} for session clusters that run many jobs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AddJarTest {

    /** Metaspace an ADD JAR job may keep: CuMo's classes in its class loader (measured about 4.9 MB). */
    static final double METASPACE_PER_JOB_MB = 6;
    /** RSS an ADD JAR job may keep (measured 15-25 MB). */
    static final long RSS_PER_JOB_MB = 48;

    static FlinkCluster cluster;
    static Expected expected;
    static Path output;

    @BeforeAll
    static void startCluster() throws Exception {
        Path work = E2e.work("add-jar");
        expected = Expected.compute();
        cluster = FlinkCluster.create(work.resolve("flink"), List.of(E2e.djlJar(), E2e.connectorsJar()), Map.of()).start();
        output = Files.createDirectories(work.resolve("output"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void sameSqlJobThreeTimesWithAddJar() throws Exception {
        List<Memory> memory = new ArrayList<>();
        for (int run = 1; run <= 3; run++) {
            FlinkCluster.Result result = LibLayoutTest.runScript(cluster, "ask_and_caption.sql", "add-jar-" + run, Map.of(
                    "OUTPUT", output.toString()));
            for (String id : List.of("chelsea", "camera_gray")) {
                assertThat(result.output().lines().filter(l -> l.contains(id + ".png")))
                        .as("run %d, %s in%n%s", run, id, result.output())
                        .anyMatch(l -> l.contains(expected.answers.get(id)));
            }
            memory.add(Memory.of(cluster.taskManager().pid()));
        }
        assertThat(cluster.taskManager().isAlive()).isTrue();
        for (int run = 1; run < memory.size(); run++) {
            Memory before = memory.get(run - 1);
            Memory after = memory.get(run);
            assertThat(after.metaspaceMb() - before.metaspaceMb()).as("metaspace per ADD JAR job, runs %s", memory)
                    .isLessThanOrEqualTo(METASPACE_PER_JOB_MB);
            assertThat(after.rssMb() - before.rssMb()).as("RSS per ADD JAR job, runs %s", memory)
                    .isLessThanOrEqualTo(RSS_PER_JOB_MB);
        }
        assertThat(cluster.logLines("already loaded in another classloader")).isEmpty();
        assertThat(cluster.logLines("java.lang.UnsatisfiedLinkError")).isEmpty();
    }

    /** The control: Flink keeps an ADD JAR SQL job's class loader even when the job never touches CuMo. */
    @Test
    @Order(2)
    void flinkKeepsAddJarClassLoadersWithoutCumoToo() throws Exception {
        Path script = cluster.home.resolve("add-jar-without-cumo.sql");
        Files.writeString(script, "SET 'sql-client.execution.result-mode' = 'tableau';\nADD JAR '" + E2e.pluginJar()
                + "';\nSELECT UPPER(s) FROM (VALUES ('a'), ('b')) AS t(s);\n");
        List<Memory> memory = new ArrayList<>();
        for (int run = 1; run <= 2; run++) {
            FlinkCluster.Result result = cluster.runProcess("add-jar-without-cumo-" + run,
                    List.of("bash", cluster.home.resolve("bin/sql-client.sh").toString(), "-f", script.toString()),
                    Map.of(), Duration.ofMinutes(3));
            assertThat(result.output()).as("%s", result).contains("| +I |").doesNotContain("[ERROR]");
            memory.add(Memory.of(cluster.taskManager().pid()));
        }
        assertThat(memory).as("no class of any finished ADD JAR job unloaded (Flink 2.2); if this fails, Flink"
                + " now unloads them: tighten the memory bounds above and docs/flink.md").allMatch(m -> m.unloadedClasses() == 0);
    }
}
