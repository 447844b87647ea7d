package io.flinkcumo.jobs;

import static io.flinkcumo.jobs.DuckDb.literal;
import static org.assertj.core.api.Assertions.assertThat;

import io.flinkcumo.eval.BenchTask;
import io.flinkcumo.eval.BenchTasks;
import io.flinkcumo.eval.Predictions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every task's layout through the benchmark job with the bundled model and the official prompts:
 * fixture Parquet files built by DuckDB from {@code samples/shapes} (images as the lmms-lab struct),
 * one per task. Checks that every question is asked once (MMBench: once per rotation), that the
 * prompt is the task's, and that the summary is what {@code cumo score}'s code makes of the
 * written predictions.
 */
class BenchmarkTasksEndToEndTest {

    @TempDir
    Path tmp;

    /** Each image's questions of one type: image struct, question, answer, row number. */
    static String qa(String type) {
        Path shapes = BenchmarkJobTest.home().resolve("samples/shapes");
        return "(SELECT row_number() OVER (ORDER BY s.image)::BIGINT AS n, s.image AS file, q.question AS question, q.answer AS answer,"
                + " {'bytes': b.content, 'path': s.image} AS image"
                + " FROM (SELECT image, unnest(qa) AS q FROM read_json(" + literal(shapes.resolve("test.jsonl")) + ")) s"
                + " JOIN read_blob(" + literal(shapes.resolve("images/*.png")) + ") b ON b.filename LIKE '%/' || s.image"
                + " WHERE q.type = '" + type + "')";
    }

    private static final Map<String, String> LAYOUTS = Map.of(
            "mme", "SELECT 'existence/' || file AS question_id, question || ' Please answer yes or no.' AS question,"
                    + " CASE answer WHEN 'yes' THEN 'Yes' ELSE 'No' END AS answer, 'existence' AS category, image FROM " + qa("yesno")
                    + " UNION ALL SELECT 'existence/' || file, 'Are there ' || answer || ' shapes? Please answer yes or no.', 'Yes',"
                    + " 'existence', image FROM " + qa("count"),
            "mmbench_en", "SELECT n AS \"index\", question, NULL::VARCHAR AS hint, 'circle' AS A, 'square' AS B, 'triangle' AS C,"
                    + " NULL::VARCHAR AS D, CASE answer WHEN 'circle' THEN 'A' WHEN 'square' THEN 'B' ELSE 'C' END AS answer,"
                    + " 'shape' AS category, 'perception' AS \"l2-category\", image FROM " + qa("shape"),
            "sqa_img", "SELECT question, ['red', 'green', 'blue', 'yellow'] AS choices,"
                    + " list_position(['red', 'green', 'blue', 'yellow'], answer) - 1 AS answer, 'Shapes of colours.' AS hint,"
                    + " 'colour' AS category, image FROM " + qa("color"),
            "gqa", "SELECT 'g' || n AS id, question, answer, image FROM " + qa("position"),
            "textvqa", "SELECT n AS question_id, question, list_transform(range(10), i -> answer) AS answers, image FROM " + qa("count"));

    @ParameterizedTest
    @CsvSource({
        "mme, 12, 12, existence/",
        "mmbench_en, 6, 18, 'A. circle\nB. square\nC. triangle\nAnswer with the option''s letter from the given choices directly. [/INST]'",
        "sqa_img, 6, 6, 'Context: Shapes of colours.\n'",
        "gqa, 6, 6, '?\nAnswer the question using a single word or phrase. [/INST]'",
        "textvqa, 6, 6, '?\nAnswer the question using a single word or phrase. [/INST]'",
    })
    void everyLayoutRunsEndToEnd(String task, int rows, int questions, String promptPart) throws Exception {
        Path data = tmp.resolve(task + "/data.parquet");
        Files.createDirectories(data.getParent());
        DuckDb.query("COPY (" + LAYOUTS.get(task) + ") TO " + literal(data) + " (FORMAT parquet)");
        Path out = tmp.resolve(task + "/out");
        BenchmarkOptions o = new BenchmarkOptions();
        o.task = task;
        o.input = data.toString();
        o.output = out.toString();
        o.model.device = io.flinkcumo.runtime.core.DeviceSpec.CPU;
        o.maxNewTokens = 6;
        o.parallelism = 1;
        o.options.put("max-batch-wait", "100 ms");
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        Map<String, Object> summary = BenchmarkJob.run(StreamExecutionEnvironment.getExecutionEnvironment(), o,
                BenchmarkJobTest.home().resolve("models/cumo-shapes").toString(), new PrintStream(progress, true, StandardCharsets.UTF_8));

        assertThat(summary).containsEntry("rows", rows).containsEntry("questions", questions).containsEntry("errored", 0L)
                .containsEntry("answered", questions);
        List<Map<String, Object>> results = DuckDb.query("SELECT prompt, prediction FROM read_parquet("
                + literal(out.resolve("results.parquet")) + ")");
        assertThat(results).hasSize(questions).allSatisfy(r -> assertThat(r.get("prediction")).isNotNull());
        if (task.equals("mme")) {
            assertThat(DuckDb.query("SELECT id FROM read_parquet(" + literal(out.resolve("results.parquet")) + ")"))
                    .allSatisfy(r -> assertThat((String) r.get("id")).startsWith("{\"question_id\":\"existence/").contains("\"question\":"));
        } else {
            assertThat(results).anySatisfy(r -> assertThat((String) r.get("prompt")).contains(promptPart));
        }
        BenchTask t = BenchTasks.byName(task);
        Map<String, Object> rescored = t.score(BenchData.items(BenchData.read(data.toString(), t, "image", 0)),
                Predictions.read(out.resolve("predictions.jsonl"), t)).metrics();
        assertThat(rescored).isEqualTo(summary.get("metrics"));
        assertThat(Files.readAllLines(out.resolve("predictions.jsonl"))).hasSize(questions);
        assertThat(Files.readString(out.resolve("table.md"))).contains("| " + task + " | " + t.headline() + " |");
    }
}
