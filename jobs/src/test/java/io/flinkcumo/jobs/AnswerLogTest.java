package io.flinkcumo.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkcumo.engine.routing.Component;
import io.flinkcumo.engine.routing.LayerRouting;
import io.flinkcumo.engine.routing.RoutingStats;
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

    @Test
    void theRoutingALineRecordsReadsBackLayerByLayer() throws Exception {
        RoutingStats routing = new RoutingStats(List.of(
                new LayerRouting(Component.VISION, 0, 10, new long[] {6, 4}, new long[] {10, 10}, new double[] {0.625, 0.375},
                        new double[] {0.6, 0.4}, 0.5),
                new LayerRouting(Component.LLM, 3, 7, new long[] {1, 2, 4}, new long[] {5, 4, 5}, new double[] {0.2, 0.3, 0.5},
                        new double[] {0.5, 0.5, 0.5}, 0.9)));
        JsonNode line = new ObjectMapper().readTree(AnswerLog.line("1", "f#0", "yes", null, 5, 1, routing));
        List<AnswerLog.LayerLoad> read = AnswerLog.routing(line);
        assertThat(read).hasSize(2);
        for (int i = 0; i < 2; i++) {
            LayerRouting l = routing.layers().get(i);
            AnswerLog.LayerLoad r = read.get(i);
            assertThat(r.component()).isEqualTo(l.component().label());
            assertThat(r.layer()).isEqualTo(l.layer());
            assertThat(r.tokens()).isEqualTo(l.tokens());
            assertThat(r.top1()).containsExactly(l.top1Counts());
            assertThat(r.topk()).containsExactly(l.topkCounts());
            assertThat(r.meanRouterProb()).containsExactly(l.meanRouterProb());
        }
        assertThat(AnswerLog.routing(new ObjectMapper().readTree(AnswerLog.line("2", "f#1", null, "failed", 5, null, null)))).isEmpty();
    }
}
