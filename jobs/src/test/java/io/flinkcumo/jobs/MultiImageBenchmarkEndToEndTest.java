package io.flinkcumo.jobs;

import static io.flinkcumo.jobs.DuckDb.literal;
import static io.flinkcumo.jobs.BenchmarkTasksEndToEndTest.qa;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SEED-IMG (a list of images per row) and MMMU (several image columns) through the benchmark job
 * with the bundled model: fixture Parquet files built by DuckDB from {@code samples/shapes} in the
 * lmms-lab layouts, with video rows (not asked) and bad images (an error row each, counted as
 * wrong, never dropped). The summary must be what {@code cumo score}'s code makes of the written
 * predictions.
 */
class MultiImageBenchmarkEndToEndTest {

    @TempDir
    Path tmp;

    private static final String STRUCT = "STRUCT(bytes BLOB, path VARCHAR)";

    private Map<String, Object> run(String task, String select, Path out) throws Exception {
        Path data = tmp.resolve(task + "/data.parquet");
        Files.createDirectories(data.getParent());
        DuckDb.query("COPY (" + select + ") TO " + literal(data) + " (FORMAT parquet)");
        return run(task, data, out, false);
    }

    private Map<String, Object> run(String task, Path data, Path out, boolean resume) throws Exception {
        BenchmarkOptions o = new BenchmarkOptions();
        o.resume = resume;
        o.task = task;
        o.input = data.toString();
        o.output = out.toString();
        o.model.device = io.flinkcumo.runtime.core.DeviceSpec.CPU;
        o.maxNewTokens = 4;
        o.parallelism = 1;
        o.options.put("max-batch-wait", "100 ms");
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        Map<String, Object> summary = BenchmarkJob.run(StreamExecutionEnvironment.getExecutionEnvironment(), o,
                BenchmarkJobTest.home().resolve("models/cumo-shapes").toString(), new PrintStream(progress, true, StandardCharsets.UTF_8));
        BenchTask t = BenchTasks.byName(task);
        Map<String, Object> rescored = t.score(BenchData.items(BenchData.read(data.toString(), t, "image", 0)),
                Predictions.read(out.resolve("predictions.jsonl"), t)).metrics();
        assertThat(rescored).isEqualTo(summary.get("metrics"));
        assertThat(Files.readString(out.resolve("table.md"))).contains("| " + task + " | accuracy |");
        return summary;
    }

    private static List<Map<String, Object>> results(Path out) throws Exception {
        return DuckDb.query("SELECT id, prompt, prediction, error FROM read_parquet(" + literal(out.resolve("results.parquet"))
                + ") ORDER BY id");
    }

    @Test
    void seedImageListVideoRowsAndBadImages() throws Exception {
        String seed = "SELECT n::VARCHAR || '_0' AS question_id, question, 'circle' AS choice_a, 'square' AS choice_b,"
                + " 'triangle' AS choice_c, 'star' AS choice_d,"
                + " CASE answer WHEN 'circle' THEN 'A' WHEN 'square' THEN 'B' ELSE 'C' END AS answer, 'image' AS data_type,"
                + " 2::SMALLINT AS question_type_id, [image] AS image FROM " + qa("shape")
                + " UNION ALL (SELECT 'v1', 'What happens next?', 'a', 'b', 'c', 'd', 'A', 'video', 11::SMALLINT, [image, image]"
                + " FROM " + qa("shape") + " WHERE n = 1)"
                + " UNION ALL (SELECT 'empty', question, 'a', 'b', 'c', 'd', 'A', 'image', 1::SMALLINT, []::" + STRUCT + "[]"
                + " FROM " + qa("shape") + " WHERE n = 1)"
                + " UNION ALL (SELECT 'nothing', question, 'a', 'b', 'c', 'd', 'A', 'image', 1::SMALLINT,"
                + " [{'bytes': NULL::BLOB, 'path': NULL::VARCHAR}] FROM " + qa("shape") + " WHERE n = 1)";
        Path out = tmp.resolve("seed/out");
        Map<String, Object> summary = run("seed_img", seed, out);
        // 6 shape questions + 2 bad image ones; the video row gives none
        assertThat(summary).containsEntry("rows", 9).containsEntry("questions", 8).containsEntry("errored", 2L)
                .containsEntry("answered", 6);
        List<Map<String, Object>> results = results(out);
        assertThat(results).hasSize(8);
        assertThat(results).filteredOn(r -> ((String) r.get("id")).contains("empty")).singleElement()
                .satisfies(r -> assertThat((String) r.get("error")).contains("image column 'image' is an empty list"));
        assertThat(results).filteredOn(r -> ((String) r.get("id")).contains("nothing")).singleElement()
                .satisfies(r -> assertThat((String) r.get("error")).contains("image[0] has neither bytes nor a path"));
        assertThat(results).filteredOn(r -> r.get("error") == null).hasSize(6).allSatisfy(r -> {
            assertThat(r.get("prediction")).isNotNull();
            assertThat((String) r.get("prompt")).contains("<image>\n").contains("\nA. circle\nB. square\nC. triangle\nD. star\n"
                    + "Answer with the option's letter from the given choices directly. [/INST]");
        });
        @SuppressWarnings("unchecked")
        Map<String, Object> metrics = (Map<String, Object>) summary.get("metrics");
        assertThat(metrics).containsEntry("questions", 8).containsEntry("answered", 6L);
        // a resumed run asks only the two errored questions again (their images are still bad)
        Map<String, Object> resumed = run("seed_img", tmp.resolve("seed_img/data.parquet"), out, true);
        @SuppressWarnings("unchecked")
        Map<String, Object> runInfo = (Map<String, Object>) resumed.get("run");
        assertThat(runInfo).containsEntry("asked_this_run", 2L);
        assertThat(resumed.get("metrics")).isEqualTo(metrics);
        assertThat(results(out)).hasSize(8);
    }

    @Test
    void mmmuSeveralImageColumnsOpenQuestionsAndAMissingImage() throws Exception {
        String mmmu = "SELECT 'validation_Art_' || n AS id, question || CASE n WHEN 2 THEN ' <image 1> <image 2>'"
                + " WHEN 3 THEN ' <image 3>' ELSE ' <image 1>' END AS question,"
                + " '[''circle'', ''square'', ''triangle'']' AS options,"
                + " CASE answer WHEN 'circle' THEN 'A' WHEN 'square' THEN 'B' ELSE 'C' END AS answer,"
                + " 'multiple-choice' AS question_type, image AS image_1, CASE WHEN n = 2 THEN image END AS image_2,"
                + " NULL::" + STRUCT + " AS image_3, 'Painting' AS subfield FROM " + qa("shape")
                + " UNION ALL SELECT 'validation_Math_' || n, question || ' <image 1>', '[]', answer, 'open', image, NULL, NULL,"
                + " 'Counting' FROM " + qa("count");
        Path out = tmp.resolve("mmmu/out");
        Map<String, Object> summary = run("mmmu", mmmu, out);
        assertThat(summary).containsEntry("rows", 12).containsEntry("questions", 12).containsEntry("errored", 1L)
                .containsEntry("answered", 11);
        List<Map<String, Object>> results = results(out);
        assertThat(results).filteredOn(r -> ((String) r.get("id")).contains("validation_Art_3\"")).singleElement()
                .satisfies(r -> assertThat((String) r.get("error")).contains("image column 'image_3' is null"));
        assertThat(results).filteredOn(r -> ((String) r.get("id")).contains("validation_Art_2\"")).singleElement()
                .satisfies(r -> {
                    assertThat(r.get("prediction")).isNotNull();
                    assertThat((String) r.get("prompt")).contains("<image>\n<image>\n").contains("<image 1> <image 2>\n(A) circle\n"
                            + "(B) square\n(C) triangle\n\nAnswer with the option's letter from the given choices directly.");
                });
        assertThat(results).filteredOn(r -> ((String) r.get("id")).contains("Math")).hasSize(6).allSatisfy(r -> {
            assertThat(r.get("prediction")).isNotNull();
            assertThat((String) r.get("prompt")).endsWith("<image 1>\nAnswer the question using a single word or phrase. [/INST]");
        });
        @SuppressWarnings("unchecked")
        Map<String, Object> metrics = (Map<String, Object>) summary.get("metrics");
        assertThat(metrics).containsKeys("question_types", "guessed", "categories");
    }

    @Test
    void mmmuWithoutTheImageColumnsItRefersToGivesErrorRows() throws Exception {
        String mmmu = "SELECT 'validation_Art_' || n AS id, question || ' <image 8>' AS question, '[''circle'', ''square'']' AS options,"
                + " 'A' AS answer, 'multiple-choice' AS question_type, image AS image_1 FROM " + qa("shape") + " WHERE n <= 2";
        Path out = tmp.resolve("mmmu8/out");
        Map<String, Object> summary = run("mmmu", mmmu, out);
        assertThat(summary).containsEntry("questions", 2).containsEntry("errored", 2L).containsEntry("answered", 0);
        assertThat(results(out)).hasSize(2)
                .allSatisfy(r -> assertThat((String) r.get("error")).contains("the data has no image column 'image_8'"));
    }
}
