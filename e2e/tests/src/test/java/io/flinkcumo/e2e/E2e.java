package io.flinkcumo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Paths of the deployed artifacts, free ports, waiting. */
final class E2e {

    private E2e() {}

    static Path path(String property) {
        String value = System.getProperty(property);
        assertThat(value).as("system property %s (run with mvn -Pe2e)", property).isNotNull();
        return Path.of(value).toAbsolutePath().normalize();
    }

    static Path home() {
        return path("cumo.home");
    }

    /** A test class's working directory, emptied first (a previous run's output would count twice). */
    static Path work(String name) throws IOException {
        Path dir = home().resolve("e2e/tests/target/e2e").resolve(name);
        FlinkCluster.deleteRecursively(dir);
        return Files.createDirectories(dir);
    }

    /** CuMo's parent-classpath jar: DJL, its PyTorch engine, libtorch and the tokenizers. */
    static Path djlJar() {
        return path("e2e.djlJar");
    }

    /** CuMo for SQL (engine, runtime, functions) without DJL: lib/ or ADD JAR. */
    static Path pluginJar() {
        return path("e2e.pluginJar");
    }

    /** Parquet, Hadoop client and Kafka connector, for lib/. */
    static Path connectorsJar() {
        return path("e2e.connectorsJar");
    }

    /** The jobs, for flink run. */
    static Path jobJar() {
        return path("e2e.jobJar");
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> diagnostics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + "\n" + diagnostics.get());
    }
}
