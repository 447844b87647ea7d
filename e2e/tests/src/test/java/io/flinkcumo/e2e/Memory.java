package io.flinkcumo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TaskManager's memory after a job, read from the process itself: a full GC first ({@code jcmd
 * GC.run}, so that what a finished job left reachable shows, not what the collector has not got to
 * yet), then metaspace in use ({@code jcmd GC.heap_info}), classes loaded and unloaded ({@code jcmd
 * PerfCounter.print}) and the resident set size ({@code /proc/PID/status}).
 */
record Memory(double metaspaceMb, long loadedClasses, long unloadedClasses, long rssMb) {

    /** Growth from the second to the last job that still counts as flat. */
    static final double METASPACE_SLACK_MB = 2;
    static final long RSS_SLACK_MB = 64;

    private static final Pattern METASPACE = Pattern.compile("Metaspace\\s+used (\\d+)K");

    static Memory of(long pid) throws Exception {
        // the TaskManager releases a finished job's class loader once its tasks are gone
        Thread.sleep(3_000);
        jcmd(pid, "GC.run");
        Matcher metaspace = METASPACE.matcher(jcmd(pid, "GC.heap_info"));
        assertThat(metaspace.find()).as("jcmd GC.heap_info shows Metaspace used").isTrue();
        String counters = jcmd(pid, "PerfCounter.print");
        long rss = Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status")).stream()
                .filter(l -> l.startsWith("VmRSS:"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024)
                .findFirst().orElseThrow();
        Memory memory = new Memory(Long.parseLong(metaspace.group(1)) / 1024.0,
                counter(counters, "java.cls.loadedClasses"), counter(counters, "java.cls.unloadedClasses"), rss);
        System.out.println("TaskManager memory after a job: " + memory);
        return memory;
    }

    /** The jobs' classes were unloaded: their class loaders did not leak (bug: no class unloaded over three jobs). */
    static void assertUnloaded(List<Memory> runs) {
        assertThat(runs.get(runs.size() - 1).unloadedClasses()).as("classes unloaded over the runs %s", runs)
                .isGreaterThan(runs.get(0).unloadedClasses());
    }

    private static long counter(String counters, String name) {
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "=(\\d+)$", Pattern.MULTILINE).matcher(counters);
        assertThat(m.find()).as("jcmd PerfCounter.print shows %s", name).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static String jcmd(long pid, String command) throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(pid), command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("jcmd %d %s: %s", pid, command, out).isZero();
        return out;
    }

    /**
     * Metaspace and RSS do not grow from the second to the last job (the first one loads what stays:
     * DJL, libtorch, the parent classpath's classes), and the jobs' classes were unloaded.
     */
    static void assertFlat(List<Memory> runs) {
        Memory second = runs.get(1);
        Memory last = runs.get(runs.size() - 1);
        assertThat(last.metaspaceMb()).as("metaspace (MB) over the runs %s", runs)
                .isLessThanOrEqualTo(second.metaspaceMb() + METASPACE_SLACK_MB);
        assertThat(last.rssMb()).as("TaskManager RSS (MB) over the runs %s", runs)
                .isLessThanOrEqualTo(second.rssMb() + RSS_SLACK_MB);
    }
}
