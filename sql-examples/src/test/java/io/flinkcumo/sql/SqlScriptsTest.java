package io.flinkcumo.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.Conformance;
import io.flinkcumo.runtime.CumoTestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs the scripts in {@code sql/} on a MiniCluster. CuMo's SQL classes are not on this module's
 * classpath: they come only from the plugin jar the scripts add with {@code ADD JAR}, the way a
 * single job would ship it; DJL stays parent-first, as docs/flink.md tells.
 */
class SqlScriptsTest {

    private static final String PARENT_FIRST = "classloader.parent-first-patterns.additional";

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(1)
                    .setConfiguration(parentFirstDjl())
                    .build());

    private static Configuration parentFirstDjl() {
        Configuration config = new Configuration();
        config.setString(PARENT_FIRST, "ai.djl.");
        return config;
    }

    @Test
    void askAndCaptionLoadsCuMoFromThePluginJar() throws Exception {
        assertThatThrownBy(() -> Class.forName("io.flinkcumo.udf.CumoModule"))
                .as("the SQL classes must come from the plugin jar only")
                .isInstanceOf(ClassNotFoundException.class);
        Path images = Conformance.dir().resolve("images");
        Map<String, String> expected = new HashMap<>();
        try (CumoEngine engine = CumoEngine.load(CumoTestData.modelDir())) {
            for (String name : List.of("chelsea.png", "camera_gray.png")) {
                CumoRequest request = CumoRequest.of(
                        name, Files.readAllBytes(images.resolve(name)), "What is in the picture?", GenerationConfig.greedy(6));
                expected.put(name, engine.answer(List.of(request)).get(0).answer());
            }
        }

        List<Row> rows = run("ask_and_caption.sql", Map.of(
                "plugin-jar", pluginJar().toString(),
                "model-path", CumoTestData.modelDir().toString(),
                "images", images.toString()));

        Map<String, Row> byName = rows.stream().collect(Collectors.toMap(row -> (String) row.getField(0), row -> row));
        assertThat(byName).containsOnlyKeys("chelsea.png", "camera_gray.png", "missing.png", "passwd");
        expected.forEach((name, answer) -> {
            assertThat(byName.get(name).getField(1)).as(name).isEqualTo(answer);
            assertThat(byName.get(name).getField(2)).isNull();
        });
        assertThat(byName.get("missing.png").getField(1)).isNull();
        assertThat((String) byName.get("missing.png").getField(2)).contains("missing.png' does not exist");
        assertThat(byName.get("passwd").getField(1)).isNull();
        assertThat((String) byName.get("passwd").getField(2)).contains("'/etc/passwd' is outside image-base")
                .doesNotContain("root:");
    }

    /** Runs a script's statements in order and returns the rows of the last one. */
    private static List<Row> run(String script, Map<String, String> variables) throws Exception {
        String text = Files.readString(Path.of("sql", script));
        for (Map.Entry<String, String> variable : variables.entrySet()) {
            text = text.replace("${" + variable.getKey() + "}", variable.getValue());
        }
        String withoutComments = Arrays.stream(text.split("\n"))
                .filter(line -> !line.strip().startsWith("--"))
                .collect(Collectors.joining("\n"));
        List<String> statements = Arrays.stream(withoutComments.split(";\\s*(\n|$)"))
                .map(String::strip)
                .filter(statement -> !statement.isEmpty())
                .toList();
        TableEnvironment tEnv = TableEnvironment.create(EnvironmentSettings.newInstance()
                .inStreamingMode()
                .withConfiguration(parentFirstDjl())
                .build());
        TableResult last = null;
        for (String statement : statements) {
            last = tEnv.executeSql(statement);
        }
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = last.collect()) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }

    static Path pluginJar() {
        Path jar = Path.of(System.getProperty("cumo.pluginJar", "../udfs/target/missing-plugin.jar"));
        assertThat(jar).as("the plugin jar; build it first: mvn -pl sql-examples -am verify").exists();
        return jar;
    }
}
