package io.flinkcumo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Flink standalone session cluster as {@code bin/start-cluster.sh} starts one, from a {@code lib/}
 * assembled from Maven Central (e2e/flink-dist): a written {@code conf/config.yaml}, a JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and TaskManagers ({@code TaskManagerRunner}) as JVM
 * processes with the memory flags {@code BashJavaUtils} computes, the SQL client and the CLI frontend
 * as further processes. Every port binds to 127.0.0.1; {@link #close} kills every process it started.
 */
final class FlinkCluster implements AutoCloseable {

    /** What the distribution's config.yaml passes to every Flink JVM on Java 17. */
    static final List<String> JAVA17_OPTS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final Path home;
    final Path conf;
    final Path log;
    final int restPort;
    private Process jobManager;
    private final List<Process> taskManagers = new ArrayList<>();
    private final List<Process> others = new ArrayList<>();
    private int taskManagerCount;

    private FlinkCluster(Path home, int restPort) {
        this.home = home;
        this.conf = home.resolve("conf");
        this.log = home.resolve("log");
        this.restPort = restPort;
        // no leftover processes even when the test JVM ends without close() (timeout, interrupt)
        Runtime.getRuntime().addShutdownHook(new Thread(this::killAll, "e2e-flink-cleanup"));
    }

    private synchronized void killAll() {
        List<Process> all = new ArrayList<>(others);
        all.addAll(taskManagers);
        if (jobManager != null) {
            all.add(jobManager);
        }
        for (Process process : all) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    /**
     * Lays out {@code home} like a Flink distribution: {@code lib/} (Flink's jars plus {@code extraLib}),
     * {@code conf/config.yaml} with {@code settings} on top of this cluster's defaults, {@code log/}.
     */
    static FlinkCluster create(Path home, List<Path> extraLib, Map<String, String> settings) throws IOException {
        deleteRecursively(home);
        Path lib = Files.createDirectories(home.resolve("lib"));
        Files.createDirectories(home.resolve("conf"));
        Files.createDirectories(home.resolve("log"));
        Path flinkLib = E2e.path("e2e.flinkLib");
        try (Stream<Path> jars = Files.list(flinkLib)) {
            for (Path jar : jars.toList()) {
                Files.createSymbolicLink(lib.resolve(jar.getFileName()), jar.toAbsolutePath());
            }
        }
        for (Path jar : extraLib) {
            assertThat(jar).as("build it first: mvn -B package -DskipTests").exists();
            Files.createSymbolicLink(lib.resolve(jar.getFileName()), jar.toAbsolutePath());
        }
        FlinkCluster cluster = new FlinkCluster(home, E2e.freePort());
        Map<String, String> config = new LinkedHashMap<>();
        config.put("jobmanager.rpc.address", "127.0.0.1");
        config.put("jobmanager.rpc.port", String.valueOf(E2e.freePort()));
        config.put("jobmanager.bind-host", "127.0.0.1");
        config.put("taskmanager.bind-host", "127.0.0.1");
        config.put("taskmanager.host", "127.0.0.1");
        config.put("rest.address", "127.0.0.1");
        config.put("rest.bind-address", "127.0.0.1");
        config.put("rest.port", String.valueOf(cluster.restPort));
        config.put("jobmanager.memory.process.size", "1024m");
        config.put("taskmanager.memory.process.size", "2560m");
        // libtorch allocates the weights and activations outside the JVM heap (docs/flink.md)
        config.put("taskmanager.memory.task.off-heap.size", "768m");
        config.put("taskmanager.memory.managed.fraction", "0.1");
        config.put("taskmanager.numberOfTaskSlots", "2");
        config.put("parallelism.default", "1");
        config.put("env.java.opts.all", String.join(" ", JAVA17_OPTS) + " -Dai.djl.offline=true");
        config.put("execution.checkpointing.dir", home.resolve("checkpoints").toUri().toString());
        config.put("metrics.fetcher.update-interval", "1000");
        config.put("heartbeat.timeout", "15000");
        config.put("heartbeat.interval", "2000");
        config.put("resourcemanager.taskmanager-timeout", "10000");
        config.putAll(settings);
        Files.writeString(cluster.conf.resolve("config.yaml"), config.entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue())
                .collect(Collectors.joining("\n", "", "\n")));
        String log4j = """
                rootLogger.level = INFO
                rootLogger.appenderRef.file.ref = MainAppender
                appender.main.name = MainAppender
                appender.main.type = File
                appender.main.fileName = ${sys:log.file}
                appender.main.layout.type = PatternLayout
                appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
                """;
        Files.writeString(cluster.conf.resolve("log4j.properties"), log4j);
        Files.writeString(cluster.conf.resolve("log4j-cli.properties"), log4j);
        Files.writeString(cluster.conf.resolve("log4j-console.properties"), log4j);
        // what bin/sql-client.sh runs, for sql-examples/run.sh (FLINK_HOME=home)
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path sqlClient = bin.resolve("sql-client.sh");
        List<String> sqlClientCommand = cluster.javaCommand("sql-client", "org.apache.flink.table.client.SqlClient", List.of("-Xmx512m"));
        int cp = sqlClientCommand.indexOf("-classpath") + 1;
        try (Stream<Path> opt = Files.list(E2e.path("e2e.flinkOpt"))) {
            sqlClientCommand.set(cp, sqlClientCommand.get(cp) + ":" + opt.map(Path::toString).collect(Collectors.joining(":")));
        }
        Files.writeString(sqlClient, "#!/usr/bin/env bash\nexec " + sqlClientCommand.stream()
                .map(arg -> "'" + arg + "'").collect(Collectors.joining(" ")) + " \"$@\"\n");
        sqlClient.toFile().setExecutable(true);
        return cluster;
    }

    private List<String> javaCommand(String logName, String mainClass, List<String> jvmArgs) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.addAll(JAVA17_OPTS);
        command.add("-Dai.djl.offline=true");
        command.add("-Dlog.file=" + log.resolve(logName + ".log"));
        command.add("-Dlog4j.configurationFile=file:" + conf.resolve("log4j.properties"));
        command.add("-classpath");
        command.add(home.resolve("lib") + "/*");
        command.add(mainClass);
        return command;
    }

    /** JVM flags and dynamic properties as {@code bin/taskmanager.sh} gets them from BashJavaUtils. */
    private List<List<String>> resourceParams(String command) throws Exception {
        Process process = start("bash-java-utils", javaCommand("bash-java-utils",
                "org.apache.flink.runtime.util.bash.BashJavaUtils", List.of("-Xmx128m")), List.of(command, "--configDir", conf.toString()));
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("BashJavaUtils %s: %s", command, out).isZero();
        List<List<String>> results = out.lines()
                .filter(l -> l.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:"))
                .map(l -> Arrays.stream(l.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length()).trim().split("\\s+"))
                        .filter(s -> !s.isEmpty()).toList())
                .toList();
        assertThat(results).as(out).hasSizeGreaterThanOrEqualTo(2);
        return results;
    }

    private Process start(String logName, List<String> command, List<String> args) throws IOException {
        List<String> all = new ArrayList<>(command);
        all.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(all)
                .directory(home.toFile())
                .redirectErrorStream(true);
        builder.environment().put("FLINK_CONF_DIR", conf.toString());
        builder.environment().put("FLINK_HOME", home.toString());
        Process process = builder.start();
        others.add(process);
        return process;
    }

    private Process startDaemon(String logName, String mainClass, List<String> jvmArgs, List<String> args) throws IOException {
        List<String> all = new ArrayList<>(javaCommand(logName, mainClass, jvmArgs));
        all.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(all)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.resolve(logName + ".out").toFile());
        builder.environment().put("FLINK_CONF_DIR", conf.toString());
        return builder.start();
    }

    /** Starts the JobManager and one TaskManager and waits until the REST API shows the TaskManager. */
    FlinkCluster start() throws Exception {
        List<List<String>> jm = resourceParams("GET_JM_RESOURCE_PARAMS");
        List<String> jmArgs = new ArrayList<>(List.of("--configDir", conf.toString(), "--executionMode", "cluster"));
        jmArgs.addAll(jm.get(1));
        jobManager = startDaemon("jobmanager", "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                jm.get(0), jmArgs);
        E2e.await("JobManager REST API on port " + restPort, Duration.ofSeconds(90), () -> get("/overview") != null,
                () -> tail(log.resolve("jobmanager.log")));
        startTaskManager();
        return this;
    }

    /** Starts one more TaskManager process and waits until the JobManager has registered it. */
    Process startTaskManager() throws Exception {
        List<List<String>> tm = resourceParams("GET_TM_RESOURCE_PARAMS");
        List<String> args = new ArrayList<>(List.of("--configDir", conf.toString()));
        args.addAll(tm.get(1));
        String name = "taskmanager-" + taskManagerCount++;
        Process process = startDaemon(name, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", tm.get(0), args);
        taskManagers.add(process);
        // a killed TaskManager stays registered until its heartbeat times out: wait for this one's registration
        Path tmLog = log.resolve(name + ".log");
        E2e.await(name + " registered", Duration.ofSeconds(90),
                () -> process.isAlive() && logContains(tmLog, "Successful registration at resource manager")
                        && registeredTaskManagers() >= 1,
                () -> tail(tmLog));
        return process;
    }

    Process taskManager() {
        return taskManagers.get(taskManagers.size() - 1);
    }

    int registeredTaskManagers() {
        JsonNode overview = get("/overview");
        return overview == null ? 0 : overview.get("taskmanagers").asInt();
    }

    /** {@code kill -9} of the newest TaskManager process. */
    void killTaskManager() throws Exception {
        Process process = taskManager();
        new ProcessBuilder("kill", "-9", String.valueOf(process.pid())).inheritIO().start().waitFor();
        process.waitFor();
    }

    private static boolean logContains(Path file, String text) {
        try {
            return Files.exists(file) && Files.readString(file).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    /** The REST API's JSON for {@code path}, or null when it does not answer (yet). */
    JsonNode get(String path) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + restPort + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command line tool of the distribution to its end: its exit code and output. */
    Result run(String logName, String mainClass, List<String> args, Map<String, String> env, Duration timeout) throws Exception {
        List<String> command = new ArrayList<>(javaCommand(logName, mainClass, List.of("-Xmx512m")));
        command.addAll(args);
        return runProcess(logName, command, env, timeout);
    }

    Result runProcess(String logName, List<String> command, Map<String, String> env, Duration timeout) throws Exception {
        Path out = log.resolve(logName + ".out");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile());
        builder.environment().put("FLINK_CONF_DIR", conf.toString());
        builder.environment().put("FLINK_HOME", home.toString());
        builder.environment().putAll(env);
        Process process = builder.start();
        others.add(process);
        boolean done = process.waitFor(timeout.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        if (!done) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
        }
        String output = Files.readString(out);
        return new Result(done ? process.exitValue() : -1, output, !done);
    }

    /** {@code flink run ARGS} (the CLI frontend, as bin/flink runs it). */
    Result flink(String logName, List<String> args) throws Exception {
        return run(logName, "org.apache.flink.client.cli.CliFrontend", args, Map.of(), Duration.ofMinutes(5));
    }

    /** The job id {@code flink run} printed ("Job has been submitted with JobID ..."). */
    static String submittedJobId(Result result) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("submitted with JobID ([0-9a-f]{32})").matcher(result.output());
        assertThat(m.find()).as("flink run printed a job id: %s", result).isTrue();
        return m.group(1);
    }

    /** Cancels a job over the REST API and waits until it is CANCELED. */
    void cancel(String jobId) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + restPort + "/jobs/" + jobId + "?mode=cancel"))
                .timeout(Duration.ofSeconds(10)).method("PATCH", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("cancel %s: %s", jobId, response.body()).isEqualTo(202);
        awaitJob(this, jobId, "CANCELED", Duration.ofMinutes(1));
    }

    record Result(int exitCode, String output, boolean timedOut) {
        @Override
        public String toString() {
            return "exit " + exitCode + (timedOut ? " (timed out)" : "") + ":\n" + output;
        }
    }

    /** The last lines of a log file, for failure messages. */
    static String tail(Path file) {
        try {
            List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every log line of the cluster's daemons containing {@code text}. */
    List<String> logLines(String text) throws IOException {
        try (Stream<Path> files = Files.list(log)) {
            List<String> hits = new ArrayList<>();
            for (Path file : files.filter(f -> f.getFileName().toString().matches("(jobmanager|taskmanager).*\\.(log|out)")).toList()) {
                Files.readAllLines(file).stream().filter(l -> l.contains(text)).forEach(hits::add);
            }
            return hits;
        }
    }

    @Override
    public void close() throws Exception {
        List<Process> all = new ArrayList<>(others);
        all.addAll(taskManagers);
        if (jobManager != null) {
            all.add(jobManager);
        }
        for (Process process : all) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroy();
        }
        for (Process process : all) {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static void awaitJob(FlinkCluster cluster, String jobId, String state, Duration timeout) throws Exception {
        E2e.await("job " + jobId + " " + state, timeout, () -> {
            JsonNode job = cluster.get("/jobs/" + jobId);
            return job != null && state.equals(job.get("state").asText());
        }, () -> String.valueOf(cluster.get("/jobs/" + jobId + "/exceptions")));
    }

    static BooleanSupplier not(BooleanSupplier s) {
        return () -> !s.getAsBoolean();
    }
}
