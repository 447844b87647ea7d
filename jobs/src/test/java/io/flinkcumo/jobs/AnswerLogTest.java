package io.flinkcumo.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The answer log after failures: a restarted attempt's part file repeats questions, a killed
 * process leaves a cut line; each question is kept once, an answer over an error.
 */
class AnswerLogTest {

    @TempDir
    Path dir;

    @Test
    void oneLinePerKeyAnAnswerWinsOverAnErrorAndACutLineIsAskedAgain() throws Exception {
        Path log = Files.createDirectories(dir.resolve(AnswerLog.DIRECTORY));
        Files.write(log.resolve("part-0-0-a.jsonl"), List.of(
                AnswerLog.line("1", "f#0", null, "timed out", 5, null, null),
                AnswerLog.line("2", "f#1", "yes", null, 7, 1, null),
                "{\"key\": \"3\", \"predic"));
        Files.write(log.resolve("part-0-1-b.jsonl"), List.of(
                AnswerLog.line("1", "f#0", "no", null, 9, 1, null),
                AnswerLog.line("2", "f#1", "yes", null, 8, 1, null)));
        Files.writeString(log.resolve(".part-0-2-c.jsonl.crc"), "not a log");
        Map<String, JsonNode> read = AnswerLog.read(new org.apache.flink.core.fs.Path(dir.toUri()));
        assertThat(read).containsOnlyKeys("1", "2");
        assertThat(read.get("1").get("prediction").asText()).isEqualTo("no");
        assertThat(read.get("2").get("latency_ms").asLong()).isEqualTo(7);
    }

    @Test
    void noLogIsNoAnswers() throws Exception {
        assertThat(AnswerLog.read(new org.apache.flink.core.fs.Path(dir.toUri()))).isEmpty();
    }
}
