package io.flinkcumo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The TaskManager's memory after a job: metaspace and loaded classes from the REST API (the metrics a
 * user watches), resident set size from /proc. A full GC first ({@code jcmd GC.run}), so that what a
 * finished job left reachable shows, not what the collector has not got to yet.
 */
record Memory(double metaspaceMb, long loadedClasses, long unloadedClasses, long rssMb) {

    /** Growth from the second to the third job that still counts as flat. */
    static final double METASPACE_SLACK_MB = 2;
    static final long RSS_SLACK_MB = 64;

    static Memory of(FlinkCluster cluster) throws Exception {
        long pid = cluster.taskManager().pid();
        Process gc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(pid), "GC.run").redirectErrorStream(true).start();
        gc.getInputStream().readAllBytes();
        assertThat(gc.waitFor()).isZero();
        // the JobManager fetches TaskManager metrics every metrics.fetcher.update-interval
        Thread.sleep(3_000);
        double metaspace = cluster.taskManagerMetric("Status.JVM.Memory.Metaspace.Used") / (1 << 20);
        long loaded = (long) cluster.taskManagerMetric("Status.JVM.ClassLoader.ClassesLoaded");
        long unloaded = (long) cluster.taskManagerMetric("Status.JVM.ClassLoader.ClassesUnloaded");
        long rss = Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status")).stream()
                .filter(l -> l.startsWith("VmRSS:"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024)
                .findFirst().orElseThrow();
        Memory memory = new Memory(metaspace, loaded, unloaded, rss);
        System.out.println("TaskManager memory after a job: " + memory);
        return memory;
    }

    /** Metaspace and RSS do not grow from the second to the last job (the first one loads what stays). */
    static void assertFlat(List<Memory> runs) {
        Memory second = runs.get(1);
        Memory last = runs.get(runs.size() - 1);
        assertThat(last.metaspaceMb()).as("metaspace (MB) over the runs %s", runs)
                .isLessThanOrEqualTo(second.metaspaceMb() + METASPACE_SLACK_MB);
        assertThat(last.rssMb()).as("TaskManager RSS (MB) over the runs %s", runs)
                .isLessThanOrEqualTo(second.rssMb() + RSS_SLACK_MB);
    }
}
