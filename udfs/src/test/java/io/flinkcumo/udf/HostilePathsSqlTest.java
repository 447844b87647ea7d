package io.flinkcumo.udf;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkcumo.runtime.CumoTestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, classes 1 and 2, in the SQL functions on a MiniCluster: image paths in rows are read
 * only as regular files under the {@code image-base} option, so a hostile path fails only its row
 * (error column) and never hangs the job or leaks a file's bytes.
 */
@Timeout(300)
class HostilePathsSqlTest {

    @TempDir
    Path tmp;

    @Test
    void pathsOutsideTheBaseAndNonRegularFilesFailOnlyTheirRow() throws Exception {
        Path base = Files.createDirectories(tmp.resolve("images"));
        String name = CumoTestData.images().keySet().iterator().next();
        Files.copy(CumoTestData.imagePath(name), base.resolve("ok.png"));
        Files.writeString(tmp.resolve("secret.txt"), "root:x:0:0:secret");
        Files.createSymbolicLink(base.resolve("out.png"), tmp.resolve("secret.txt"));
        Files.createSymbolicLink(base.resolve("zero.png"), Path.of("/dev/zero"));
        assertThat(new ProcessBuilder("mkfifo", base.resolve("fifo.png").toString()).start().waitFor()).isZero();
        Map<String, String> paths = new LinkedHashMap<>();
        paths.put("ok", "ok.png");
        paths.put("passwd", "/etc/passwd");
        paths.put("dotdot", "../secret.txt");
        paths.put("uri", "file:///etc/passwd");
        paths.put("symlink", "out.png");
        paths.put("zero", "zero.png");
        paths.put("devzero", "/dev/zero");
        paths.put("fifo", "fifo.png");
        paths.put("missing", "missing.png");

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        env.setParallelism(2);
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env, EnvironmentSettings.inBatchMode());
        tEnv.executeSql("LOAD MODULE cumo WITH ('model-path' = '" + CumoTestData.modelDir() + "', 'device' = 'cpu',"
                + " 'max-new-tokens' = '3', 'error-handling' = 'error-column', 'image-base' = '" + base + "')");
        String values = paths.entrySet().stream()
                .map(e -> "('" + e.getKey() + "', '" + e.getValue() + "')").collect(Collectors.joining(", "));
        Map<String, Row> out = SqlTestSupport.collectById(tEnv.executeSql(
                "SELECT id, d.answer, d.error FROM (SELECT id, cumo_answer_details("
                        + "CAST(ROW(CAST(NULL AS BYTES), p) AS ROW<`bytes` BYTES, `path` STRING>), 'What is it?') AS d"
                        + " FROM (VALUES " + values + ") AS t(id, p))"));

        assertThat(out).hasSize(paths.size());
        assertThat(out.get("ok").getField(1)).isNotNull();
        for (String id : new String[] {"passwd", "dotdot", "uri", "symlink", "zero", "devzero"}) {
            assertThat((String) out.get(id).getField(2)).as(id).contains("is outside image-base");
        }
        assertThat((String) out.get("fifo").getField(2)).contains("not a regular file");
        assertThat((String) out.get("missing").getField(2)).contains("does not exist");
        assertThat(out.values()).allSatisfy(r -> assertThat(String.valueOf(r.getField(2))).doesNotContain("root:x"));
    }
}
