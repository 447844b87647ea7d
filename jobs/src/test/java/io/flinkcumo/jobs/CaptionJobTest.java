package io.flinkcumo.jobs;

import static io.flinkcumo.jobs.DuckDb.literal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.runtime.core.CumoService;
import io.flinkcumo.stats.RoutingStatRow;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Parquet captioning job end to end on a MiniCluster: input written by DuckDB (no Flink code),
 * output read back by DuckDB and checked row for row against direct engine calls.
 */
class CaptionJobTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    static final int MAX_NEW_TOKENS = 8;
    static final String PROMPT = "Describe the image in one sentence.";
    static final Map<String, String> EXPECTED = new HashMap<>();

    @TempDir
    Path tmp;

    static Path home() {
        return Path.of(System.getProperty("cumo.home")).toAbsolutePath();
    }

    static Path model() {
        return home().resolve("models/cumo-shapes");
    }

    static Path sample(String name) {
        return home().resolve("samples/images").resolve(name);
    }

    @BeforeAll
    static void captionDirectly() throws Exception {
        try (CumoEngine engine = CumoEngine.load(model())) {
            for (String name : List.of("chelsea.png", "camera_gray.png", "tiny_97x31.jpg")) {
                CumoRequest request = CumoRequest.of(name, Files.readAllBytes(sample(name)), PROMPT, GenerationConfig.greedy(MAX_NEW_TOKENS));
                EXPECTED.put(name, engine.answer(List.of(request)).get(0).answer());
            }
        }
    }

    private static String blob(Path file) {
        return "(SELECT content FROM read_blob(" + literal(file) + "))";
    }

    /** Two files in a directory tree, Hugging Face layout, with every kind of bad row. */
    private Path writeHfDataset() throws Exception {
        Path in = tmp.resolve("in");
        Files.createDirectories(in.resolve("sub"));
        Files.createDirectories(in.resolve("pics"));
        Files.copy(sample("tiny_97x31.jpg"), in.resolve("pics/tiny.jpg"));
        DuckDb.query("COPY (SELECT * FROM (VALUES"
                + " (10::BIGINT, {'bytes': " + blob(sample("chelsea.png")) + ", 'path': 'chelsea.png'}),"
                + " (11, {'bytes': 'definitely not an image'::BLOB, 'path': NULL}),"
                + " (12, {'bytes': NULL, 'path': 'pics/tiny.jpg'}),"
                + " (13, {'bytes': NULL, 'path': 'pics/missing.png'}),"
                + " (14, NULL)"
                + ") AS t(id, image)) TO " + literal(in.resolve("a.parquet")) + " (FORMAT parquet, ROW_GROUP_SIZE 2)");
        DuckDb.query("COPY (SELECT * FROM (VALUES"
                + " (20::BIGINT, {'bytes': " + blob(sample("camera_gray.png")) + ", 'path': 'camera_gray.png'}),"
                + " (21, {'bytes': " + blob(sample("tiny_97x31.jpg")) + ", 'path': 'tiny_97x31.jpg'})"
                + ") AS t(id, image)) TO " + literal(in.resolve("sub/b.parquet")) + " (FORMAT parquet)");
        return in;
    }

    private static CaptionOptions options(Path input, Path output) {
        CaptionOptions o = new CaptionOptions();
        o.input = input.toString();
        o.output = output.toString();
        o.imageColumn = "image";
        o.model.device = io.flinkcumo.runtime.core.DeviceSpec.CPU;
        o.model.precision = io.flinkcumo.engine.Precision.AUTO;
        o.maxNewTokens = MAX_NEW_TOKENS;
        o.maxBatchSize = 4;
        o.batchRows = 2;
        o.parallelism = 2;
        o.options.put("max-batch-wait", "200 ms");
        return o;
    }

    private static String run(CaptionOptions options) throws Exception {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        CaptionJob.run(StreamExecutionEnvironment.getExecutionEnvironment(), options, model().toString(),
                new PrintStream(progress, true, StandardCharsets.UTF_8));
        return progress.toString(StandardCharsets.UTF_8);
    }

    private static List<Map<String, Object>> captions(Path out) throws Exception {
        return DuckDb.query("SELECT replace(filename, " + literal(out.resolve("captions") + "/") + ", '') AS file, id, source_row,"
                + " caption, generated_tokens, error FROM read_parquet(" + literal(out.resolve("captions/**/*.parquet"))
                + ", filename = true) ORDER BY file, source_row");
    }

    @Test
    void everyRowOfAHuggingFaceDatasetGetsExactlyOneCaptionOrErrorAndAReRunGivesTheSameOutput() throws Exception {
        Path in = writeHfDataset();
        Path out = tmp.resolve("out");
        long loads = CumoService.registry().loadCount();

        String progress = run(options(in, out));

        assertThat(CumoService.registry().loadCount()).as("one model for both subtasks").isEqualTo(loads + 1);
        assertThat(progress).contains("2 Parquet file(s), 7 rows").contains("7/7 rows (100%)").contains("rows/s");
        List<Map<String, Object>> rows = captions(out);
        assertThat(rows).extracting(r -> r.get("file") + ":" + r.get("source_row") + ":" + r.get("id")).containsExactly(
                "a.parquet:0:10", "a.parquet:1:11", "a.parquet:2:12", "a.parquet:3:13", "a.parquet:4:14",
                "sub/b.parquet:0:20", "sub/b.parquet:1:21");
        Map<String, Map<String, Object>> byId = rows.stream().collect(Collectors.toMap(r -> (String) r.get("id"), r -> r));
        assertCaption(byId.get("10"), "chelsea.png");
        assertCaption(byId.get("12"), "tiny_97x31.jpg");
        assertCaption(byId.get("20"), "camera_gray.png");
        assertCaption(byId.get("21"), "tiny_97x31.jpg");
        assertError(byId.get("11"), "invalid image");
        assertError(byId.get("13"), "does not exist");
        assertError(byId.get("13"), "pics/missing.png");
        assertError(byId.get("14"), "no image");

        JsonNode routing = DuckDb.arrowSummary(out.resolve("routing/a.arrow"), out.resolve("routing/sub/b.arrow"));
        assertThat(routing.get("schema")).extracting(f -> f.get("name").asText())
                .containsExactlyElementsOf(RoutingStatRow.ROW_TYPE.getFieldNames());
        JsonNode requests = routing.get("columns").get("request_id").get("counts");
        assertThat(requests.fieldNames()).toIterable().containsExactlyInAnyOrder("10", "12", "20", "21");
        long rowsPerRequest = requests.get("10").asLong();
        assertThat(requests).allSatisfy(n -> assertThat(n.asLong()).isEqualTo(rowsPerRequest));
        assertThat(routing.get("columns").get("component").get("counts").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("vision", "projector");
        assertThat(routing.get("columns").get("tokens_top1").get("sum").asDouble()).isPositive();

        // a rerun replaces the output with the same rows (latency aside)
        run(options(in, out));
        assertThat(captions(out)).isEqualTo(rows);
        assertThat(Files.list(out.resolve("captions")).map(p -> p.getFileName().toString()).sorted().toList())
                .containsExactly("a.parquet", "sub");
        assertThat(Files.list(out.resolve("routing")).map(p -> p.getFileName().toString()).sorted().toList())
                .containsExactly("a.arrow", "sub");
    }

    private static void assertCaption(Map<String, Object> row, String image) {
        assertThat(row.get("caption")).as("caption of %s", row.get("id")).isEqualTo(EXPECTED.get(image));
        assertThat(row.get("error")).isNull();
        assertThat(((Number) row.get("generated_tokens")).intValue()).isBetween(1, MAX_NEW_TOKENS);
    }

    private static void assertError(Map<String, Object> row, String text) {
        assertThat(row.get("caption")).as("caption of %s", row.get("id")).isNull();
        assertThat(row.get("generated_tokens")).isNull();
        assertThat((String) row.get("error")).contains(text);
    }

    @Test
    void theHostileCorpusGivesOneRowPerInputAndNeverRestartsTheJob() throws Exception {
        // the image entries of the corpus (the job asks one prompt of every image), written by DuckDB
        Path in = tmp.resolve("hostile");
        Files.createDirectories(in.resolve("files"));
        List<io.flinkcumo.engine.HostileCorpus.Entry> images = io.flinkcumo.engine.HostileCorpus.entries().stream()
                .filter(e -> io.flinkcumo.engine.HostileCorpus.QUESTION.equals(e.question())).toList();
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < images.size(); i++) {
            io.flinkcumo.engine.HostileCorpus.Entry e = images.get(i);
            String image = "NULL";
            if (e.image() != null) {
                Path file = Files.write(in.resolve("files/" + e.id()), e.image());
                image = blob(file);
            }
            values.append(i == 0 ? "" : ", ").append("(").append(literal(e.id())).append(", ").append(image).append(")");
        }
        DuckDb.query("COPY (SELECT * FROM (VALUES " + values + ") AS t(id, image)) TO "
                + literal(in.resolve("corpus.parquet")) + " (FORMAT parquet, ROW_GROUP_SIZE 4)");
        Path out = tmp.resolve("hostile-out");
        CaptionOptions options = options(in.resolve("corpus.parquet"), out);
        options.maxNewTokens = 3;

        run(options); // throws if the job failed; no restart strategy is configured

        List<Map<String, Object>> rows = captions(out);
        assertThat(rows).extracting(r -> (String) r.get("id"))
                .containsExactlyInAnyOrderElementsOf(images.stream().map(io.flinkcumo.engine.HostileCorpus.Entry::id).toList());
        for (Map<String, Object> row : rows) {
            io.flinkcumo.engine.HostileCorpus.Entry e = images.stream().filter(x -> x.id().equals(row.get("id"))).findFirst().orElseThrow();
            boolean captioned = row.get("caption") != null;
            assertThat(captioned ^ (row.get("error") != null)).as("%s: caption xor error (%s)", e.id(), row.get("error")).isTrue();
            if (io.flinkcumo.engine.HostileCorpus.outcomeFixed(e)) {
                assertThat(captioned).as("%s captioned (error: %s)", e.id(), row.get("error")).isEqualTo(e.valid());
            }
        }
    }

    @Test
    void aBytesColumnWithoutIdsFromAGlobIsIdentifiedByFileAndRow() throws Exception {
        Path in = tmp.resolve("plain");
        Files.createDirectories(in);
        DuckDb.query("COPY (SELECT * FROM (VALUES (" + blob(sample("tiny_97x31.jpg")) + ", 'x'), ('junk'::BLOB, 'y'))"
                + " AS t(picture, label)) TO " + literal(in.resolve("part-0.parquet")) + " (FORMAT parquet)");
        DuckDb.query("COPY (SELECT 1 AS other) TO " + literal(in.resolve("notes.parquet")) + " (FORMAT parquet)");
        Path out = tmp.resolve("out");
        CaptionOptions options = options(Path.of(in + "/part-*.parquet"), out);
        options.imageColumn = "picture";
        options.routingFormat = CaptionFilesSink.RoutingFormat.PARQUET;

        run(options);

        List<Map<String, Object>> rows = captions(out);
        assertThat(rows).extracting(r -> (String) r.get("id")).containsExactly("part-0.parquet#0", "part-0.parquet#1");
        assertCaption(rows.get(0), "tiny_97x31.jpg");
        assertError(rows.get(1), "invalid image");
        assertThat(DuckDb.query("SELECT DISTINCT request_id FROM read_parquet(" + literal(out.resolve("routing/part-0.parquet")) + ")"))
                .extracting(r -> r.get("request_id")).containsExactly("part-0.parquet#0");
    }

    @Test
    void aDirectoryWithOtherContentIsNeverOverwritten() throws Exception {
        Path in = writeHfDataset();
        Path out = Files.createDirectories(tmp.resolve("precious"));
        Files.writeString(out.resolve("thesis.txt"), "do not delete");
        assertThatThrownBy(() -> run(options(in, out)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not empty and was not written by cumo caption");
        assertThat(out.resolve("thesis.txt")).exists();
    }

    @Test
    void missingColumnsAreNamedWithTheColumnsThereAre() throws Exception {
        Path in = writeHfDataset();
        CaptionOptions options = options(in, tmp.resolve("out"));
        options.imageColumn = "img";
        assertThatThrownBy(() -> run(options))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no image column 'img' (columns: id, image)");
        CaptionOptions explicitId = options(in, tmp.resolve("out"));
        explicitId.idColumn = "key";
        assertThatThrownBy(() -> run(explicitId)).hasMessageContaining("no id column 'key'");
        assertThatThrownBy(() -> run(options(tmp.resolve("nothing-here"), tmp.resolve("out"))))
                .hasMessageContaining("does not exist");
    }

}
