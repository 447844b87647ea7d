package io.flinkcumo.cli;

import static io.flinkcumo.jobs.DuckDb.literal;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkcumo.jobs.DuckDb;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cumo benchmark} then {@code cumo score} on its predictions, through the command line: the same metrics. */
class BenchmarkCommandTest {

    @TempDir
    Path dir;

    private static JsonNode lastLine(CliRun run) throws Exception {
        String[] lines = run.out().strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    @Test
    void benchmarkThenScoreAgree() throws Exception {
        Path shapes = Path.of(System.getProperty("cumo.home")).toAbsolutePath().resolve("samples/shapes");
        Path data = dir.resolve("gqa.parquet");
        DuckDb.query("COPY (SELECT s.image AS id, q.question, q.answer, {'bytes': b.content, 'path': s.image} AS image"
                + " FROM (SELECT image, unnest(qa) AS q FROM read_json(" + literal(shapes.resolve("test.jsonl")) + ")) s"
                + " JOIN read_blob(" + literal(shapes.resolve("images/*.png")) + ") b ON b.filename LIKE '%/' || s.image"
                + " WHERE q.type = 'shape') TO " + literal(data) + " (FORMAT parquet)");
        Path out = dir.resolve("out");
        CliRun bench = CliRun.of("benchmark", "--task", "gqa", "--input", data.toString(), "--output", out.toString(),
                "--device", "cpu", "--template", "mistral_instruct_system", "--suffix=", "--max-new-tokens", "6");
        assertThat(bench.code()).as(bench.err()).isZero();
        assertThat(bench.out()).contains("| gqa | accuracy | 64.9 | 63.8 |").contains("not the official prompt");
        JsonNode summary = lastLine(bench);
        assertThat(summary.get("questions").asInt()).isEqualTo(6);

        CliRun score = CliRun.of("score", "--task", "gqa", "--data", data.toString(), "--predictions",
                out.resolve("predictions.jsonl").toString());
        assertThat(score.code()).as(score.err()).isZero();
        JsonNode metrics = lastLine(score);
        assertThat(metrics.get("accuracy")).isEqualTo(summary.get("metrics").get("accuracy"));
        assertThat(metrics.get("unmatched_predictions").asInt()).isZero();
        // the shapes model names the shape of the object in its training format
        assertThat(metrics.get("accuracy").asDouble()).isGreaterThan(50.0);
    }

    @Test
    void badOptionsAreOneLine() {
        CliRun run = CliRun.of("benchmark", "--task", "nope", "--input", dir.toString(), "--output", dir.resolve("o").toString());
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err().strip()).startsWith("cumo benchmark: unknown task 'nope'").doesNotContain("\n");
    }
}
