package io.flinkcumo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
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
 * the same SQL job with {@code ADD JAR} of the plugin jar three times on the same TaskManager (bug: the second job failed with {@code UnsatisfiedLinkError
 * ... libc10.so already loaded in another classloader}, and RSS and metaspace grew with every job):
 * every run answers as the engine does, and the TaskManager's metaspace and RSS stay flat after the
 * second run while the previous jobs' classes are unloaded.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AddJarTest {

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
        Memory.assertFlat(memory);
        Memory.assertUnloaded(memory);
        assertThat(cluster.logLines("already loaded in another classloader")).isEmpty();
        assertThat(cluster.logLines("java.lang.UnsatisfiedLinkError")).isEmpty();
    }
}
