package io.flinkcumo.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run.sh} with a stand-in {@code $FLINK_HOME/bin/sql-client.sh} that keeps the script it is
 * given and answers as the real SQL client does: the filled-in script selects the tableau result
 * mode (without it the SQL client refuses a SELECT in a file), and a statement the SQL client
 * reports as {@code [ERROR]} makes run.sh exit non-zero although the SQL client exits 0.
 */
class RunShTest {

    @TempDir
    Path tmp;

    private record Run(int code, String out) {}

    /** run.sh on {@code script} with a SQL client that prints {@code clientOutput} and exits with {@code clientExit}. */
    private Run runSh(String script, String clientOutput, int clientExit) throws IOException, InterruptedException {
        Path bin = Files.createDirectories(tmp.resolve("flink/bin"));
        Path client = bin.resolve("sql-client.sh");
        Files.writeString(client, "#!/usr/bin/env bash\n"
                + "[ \"$1\" = -f ] || exit 9\n"
                + "cp \"$2\" '" + tmp.resolve("given.sql") + "'\n"
                + "printf '%s\\n' '" + clientOutput + "'\n"
                + "exit " + clientExit + "\n");
        Files.setPosixFilePermissions(client, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder builder = new ProcessBuilder("bash", Path.of("run.sh").toAbsolutePath().toString(), script)
                .redirectErrorStream(true);
        builder.environment().put("FLINK_HOME", tmp.resolve("flink").toString());
        builder.environment().put("MODEL_PATH", "/m/cumo");
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(1, TimeUnit.MINUTES)).isTrue();
        return new Run(process.exitValue(), out);
    }

    @Test
    void theFilledScriptSelectsTheTableauResultModeFirstAndFillsThePlaceholders() throws Exception {
        Run run = runSh("ask_and_caption.sql", "[INFO] Execute statement succeeded.", 0);
        assertThat(run.code()).as(run.out()).isZero();
        List<String> given = Files.readAllLines(tmp.resolve("given.sql"));
        assertThat(given.get(0)).isEqualTo("SET 'sql-client.execution.result-mode' = 'tableau';");
        String script = String.join("\n", given);
        assertThat(script).contains("/m/cumo").doesNotContain("${model-path}");
        assertThat(script).containsIgnoringCase("SELECT");
    }

    @Test
    void aStatementTheSqlClientReportsAsAnErrorMakesRunShFail() throws Exception {
        Run run = runSh("ask_and_caption.sql",
                "[ERROR] Could not execute SQL statement. Reason: org.apache.flink.table.api.ValidationException", 0);
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.out()).contains("[ERROR] Could not execute SQL statement")
                .contains("run.sh: ask_and_caption.sql failed");
    }

    @Test
    void aSqlClientThatExitsNonZeroMakesRunShFail() throws Exception {
        Run run = runSh("caption_parquet.sql", "Exception in thread main", 2);
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.out()).contains("run.sh: caption_parquet.sql failed (exit code 2");
    }

    @Test
    void anUnknownScriptIsRefused() throws Exception {
        Run run = runSh("nope.sql", "", 0);
        assertThat(run.code()).isNotZero();
        assertThat(tmp.resolve("given.sql")).doesNotExist();
    }
}
