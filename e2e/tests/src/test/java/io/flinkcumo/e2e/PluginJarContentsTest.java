package io.flinkcumo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * What the deployed jars hold (docs/architecture.md, "Modules"): the plugin jar only what a
 * TaskManager runs — no training, no command line, no picocli — and no third-party package that
 * Flink's {@code lib/} (here: the one the e2e suite assembles from Maven Central) or the djl jar next
 * to it already has; the job jar no training or command-line code either.
 */
class PluginJarContentsTest {

    /** Classes of flink-cumo-train and flink-cumo-cli, and the CLI's parser. */
    static boolean trainingOrCommandLine(String entry) {
        return entry.startsWith("io/flinkcumo/engine/train/")
                || entry.startsWith("io/flinkcumo/engine/CheckpointGenerator")
                || entry.startsWith("io/flinkcumo/cli/")
                || entry.startsWith("picocli/");
    }

    @Test
    void pluginJarHoldsWhatATaskManagerRunsAndNoTrainingOrCommandLineCode() throws IOException {
        List<String> entries = entries(E2e.pluginJar());
        assertThat(entries).as("the engine, the runtime, the Arrow format and the SQL layer")
                .contains("io/flinkcumo/engine/CumoEngine.class", "io/flinkcumo/runtime/CumoClient.class",
                        "io/flinkcumo/arrow/ArrowFormatFactory.class", "io/flinkcumo/udf/CumoModule.class");
        assertThat(entries).as("training or command-line classes in %s", E2e.pluginJar().getFileName())
                .filteredOn(PluginJarContentsTest::trainingOrCommandLine).isEmpty();
    }

    @Test
    void jobJarHoldsTheJobsAndNoTrainingOrCommandLineCode() throws IOException {
        List<String> entries = entries(E2e.jobJar());
        assertThat(entries).contains("io/flinkcumo/jobs/CaptionJob.class", "io/flinkcumo/jobs/ModerationJob.class");
        assertThat(entries).as("training or command-line classes in %s", E2e.jobJar().getFileName())
                .filteredOn(e -> trainingOrCommandLine(e) && !e.startsWith("picocli/")).isEmpty();
    }

    @Test
    void pluginJarDuplicatesNoPackageOfFlinksLibOrOfTheDjlJar() throws IOException {
        Map<String, Set<String>> shipped = new TreeMap<>();
        List<Path> lib;
        try (Stream<Path> files = Files.list(E2e.path("e2e.flinkLib"))) {
            lib = new ArrayList<>(files.filter(f -> f.toString().endsWith(".jar")).sorted().toList());
        }
        assertThat(lib).as("Flink's lib/").anyMatch(f -> f.getFileName().toString().startsWith("flink-runtime"));
        lib.add(E2e.djlJar());
        for (Path jar : lib) {
            for (String pkg : classPackages(jar)) {
                shipped.computeIfAbsent(pkg, p -> new TreeSet<>()).add(jar.getFileName().toString());
            }
        }
        Set<String> plugin = classPackages(E2e.pluginJar());
        assertThat(plugin).as("third-party classes of the plugin jar").anyMatch(p -> p.startsWith("org/apache/arrow/"));
        List<String> duplicated = plugin.stream()
                .filter(shipped::containsKey)
                .map(p -> p + " (also in " + String.join(", ", shipped.get(p)) + ")")
                .toList();
        assertThat(duplicated).as("packages of %s that lib/ already ships", E2e.pluginJar().getFileName()).isEmpty();
    }

    static List<String> entries(Path jar) throws IOException {
        assertThat(jar).as("build it first: mvn -B verify -Pe2e").exists();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.stream().map(ZipEntry::getName).toList();
        }
    }

    /** Packages (a/b/c) of the jar's classes; multi-release copies count as their package, module-info not at all. */
    static Set<String> classPackages(Path jar) throws IOException {
        Set<String> packages = new TreeSet<>();
        for (String entry : entries(jar)) {
            String name = entry.replaceFirst("^META-INF/versions/\\d+/", "");
            int slash = name.lastIndexOf('/');
            if (name.endsWith(".class") && slash > 0 && !name.endsWith("module-info.class")) {
                packages.add(name.substring(0, slash));
            }
        }
        return packages;
    }
}
