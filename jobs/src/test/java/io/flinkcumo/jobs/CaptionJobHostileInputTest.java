package io.flinkcumo.jobs;

import static io.flinkcumo.jobs.DuckDb.literal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.formats.parquet.ParquetInputFile;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 through the Flink caption job (not only the CLI): paths in Parquet rows never leave the
 * image base, non-regular files neither hang nor stream, a corrupt row group fails only its rows,
 * and a bad input set is one clear line. Every hostile input is made here: FIFOs with {@code
 * mkfifo}, symlinks, Parquet written by DuckDB and then corrupted by overwriting bytes.
 */
@Timeout(300)
class CaptionJobHostileInputTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final String SECRET = "root:x:0:0:top-secret-line";

    @TempDir
    Path tmp;

    private static CaptionOptions options(Path input, Path output) {
        CaptionOptions o = new CaptionOptions();
        o.input = input.toString();
        o.output = output.toString();
        o.model.device = io.flinkcumo.runtime.core.DeviceSpec.CPU;
        o.maxNewTokens = 4;
        o.maxBatchSize = 4;
        o.batchRows = 2;
        o.parallelism = 1;
        return o;
    }

    private static void run(CaptionOptions options) throws Exception {
        CaptionJob.run(StreamExecutionEnvironment.getExecutionEnvironment(), options, CaptionJobTest.model().toString(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private static Map<String, Map<String, Object>> captionsById(Path out) throws Exception {
        return DuckDb.query("SELECT id, source_row, caption, error FROM read_parquet("
                        + literal(out.resolve("captions/**/*.parquet")) + ") ORDER BY source_row")
                .stream().collect(Collectors.toMap(r -> String.valueOf(r.get("id")), r -> r));
    }

    @Test
    void pathsInRowsAreReadOnlyAsRegularFilesUnderTheImageBase() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        Files.createDirectories(in.resolve("sub"));
        Path chelsea = CaptionJobTest.sample("chelsea.png");
        Files.copy(chelsea, in.resolve("ok.png"));
        Files.writeString(tmp.resolve("secret.txt"), SECRET);
        Files.createSymbolicLink(in.resolve("link-out.png"), tmp.resolve("secret.txt"));
        Files.createSymbolicLink(in.resolve("zero.png"), Path.of("/dev/zero"));
        assertThat(new ProcessBuilder("mkfifo", in.resolve("fifo.png").toString()).start().waitFor()).isZero();
        Files.createSymbolicLink(in.resolve("fifo-link.png"), in.resolve("fifo.png"));
        byte[] big = new byte[(int) Files.size(chelsea) + 10];
        System.arraycopy(Files.readAllBytes(chelsea), 0, big, 0, (int) Files.size(chelsea));
        Files.write(in.resolve("big.png"), big);
        Map<String, String> rows = new java.util.LinkedHashMap<>();
        rows.put("ok", "ok.png");
        rows.put("dotdot", "../secret.txt");
        rows.put("deep", "sub/../../../../../../etc/passwd");
        rows.put("absolute", "/etc/passwd");
        rows.put("uri", "file:///etc/passwd");
        rows.put("uri-dotdot", in.toUri() + "../secret.txt");
        rows.put("symlink-out", "link-out.png");
        rows.put("dev-zero-link", "zero.png");
        rows.put("fifo", "fifo.png");
        rows.put("fifo-link", "fifo-link.png");
        rows.put("directory", "sub");
        rows.put("missing", "missing.png");
        rows.put("too-big", "big.png");
        String values = rows.entrySet().stream()
                .map(e -> "(" + literal(e.getKey()) + ", {'bytes': NULL::BLOB, 'path': " + literal(e.getValue()) + "})")
                .collect(Collectors.joining(", "));
        DuckDb.query("COPY (SELECT * FROM (VALUES " + values + ") AS t(id, image)) TO " + literal(in.resolve("data.parquet"))
                + " (FORMAT parquet)");
        CaptionOptions options = options(in.resolve("data.parquet"), tmp.resolve("out"));
        options.options.put("max-image-bytes", Long.toString(Files.size(chelsea) + 1));

        run(options);

        Map<String, Map<String, Object>> byId = captionsById(tmp.resolve("out"));
        assertThat(byId).hasSize(rows.size());
        assertThat(byId.get("ok").get("caption")).isNotNull();
        assertThat(byId.get("ok").get("error")).isNull();
        for (String id : List.of("dotdot", "deep", "absolute", "uri", "uri-dotdot", "symlink-out", "dev-zero-link")) {
            assertThat((String) byId.get(id).get("error")).as(id).contains("is outside image-base");
        }
        assertThat((String) byId.get("fifo").get("error")).contains("not a regular file");
        assertThat((String) byId.get("fifo-link").get("error")).contains("not a regular file");
        assertThat((String) byId.get("directory").get("error")).contains("is a directory");
        assertThat((String) byId.get("missing").get("error")).contains("does not exist");
        assertThat((String) byId.get("too-big").get("error")).contains("more than max-image-bytes");
        assertThat(byId.values()).allSatisfy(r -> assertThat(String.valueOf(r.get("error")))
                .doesNotContain("root:").doesNotContain("top-secret"));
    }

    @Test
    void theImageBaseOptionWidensOrNarrowsTheSandbox() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path images = Files.createDirectories(tmp.resolve("images"));
        Files.copy(CaptionJobTest.sample("chelsea.png"), images.resolve("a.png"));
        DuckDb.query("COPY (SELECT * FROM (VALUES ('rel', {'bytes': NULL::BLOB, 'path': 'a.png'}),"
                + " ('abs', {'bytes': NULL::BLOB, 'path': " + literal(images.resolve("a.png")) + "}),"
                + " ('escape', {'bytes': NULL::BLOB, 'path': '../data/x.parquet'})) AS t(id, image)) TO "
                + literal(data.resolve("x.parquet")) + " (FORMAT parquet)");
        CaptionOptions options = options(data.resolve("x.parquet"), tmp.resolve("out"));
        options.imageBase = images.toString();
        run(options);
        Map<String, Map<String, Object>> byId = captionsById(tmp.resolve("out"));
        assertThat(byId.get("rel").get("caption")).isNotNull();
        assertThat(byId.get("abs").get("caption")).isNotNull();
        assertThat((String) byId.get("escape").get("error")).contains("is outside image-base");

        // without --image-base the Parquet file's directory is the base: the images directory is outside
        run(options(data.resolve("x.parquet"), tmp.resolve("out")));
        byId = captionsById(tmp.resolve("out"));
        assertThat((String) byId.get("abs").get("error")).contains("is outside image-base");
        assertThat((String) byId.get("rel").get("error")).contains("does not exist");
    }

    /**
     * 4,096 rows in two row groups of 2,048 (DuckDB's smallest): rows 0 and 2,048 a real image, the
     * others bytes that are not an image (they fail fast, without the model); the given row
     * groups' column chunks overwritten.
     */
    private Path corruptParquet(String name, int... corruptGroups) throws Exception {
        Path in = Files.createDirectories(tmp.resolve(name));
        Path file = in.resolve(name + ".parquet");
        String blob = "(SELECT content FROM read_blob(" + literal(CaptionJobTest.sample("chelsea.png")) + "))";
        DuckDb.query("COPY (SELECT 'r' || i AS id, CASE WHEN i % 2048 = 0 THEN " + blob + " ELSE 'x'::BLOB END AS image"
                + " FROM range(4096) t(i)) TO " + literal(file) + " (FORMAT parquet, ROW_GROUP_SIZE 2048)");
        List<BlockMetaData> groups;
        org.apache.flink.core.fs.Path p = new org.apache.flink.core.fs.Path(file.toUri());
        try (ParquetFileReader reader = ParquetFileReader.open(new ParquetInputFile(p.getFileSystem().open(p), Files.size(file)))) {
            groups = reader.getRowGroups();
        }
        assertThat(groups).hasSize(2);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            for (int g : corruptGroups) {
                for (ColumnChunkMetaData column : groups.get(g).getColumns()) {
                    raf.seek(column.getStartingPos());
                    byte[] junk = new byte[24];
                    java.util.Arrays.fill(junk, (byte) 0xff);
                    raf.write(junk);
                }
            }
        }
        return file;
    }

    @Test
    void aCorruptSecondRowGroupFailsOnlyItsRowsAndEveryRowIsAccountedFor() throws Exception {
        Path file = corruptParquet("half", 1);
        run(options(file, tmp.resolve("out")));
        List<Map<String, Object>> rows = DuckDb.query("SELECT id, source_row, caption, error FROM read_parquet("
                + literal(tmp.resolve("out/captions/**/*.parquet")) + ") ORDER BY source_row");
        assertThat(rows).extracting(r -> Long.parseLong(String.valueOf(r.get("source_row"))))
                .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 4096).boxed().toList());
        assertThat(rows.get(0).get("caption")).isNotNull();
        assertThat(rows.get(0).get("id")).isEqualTo("r0");
        assertThat(rows.subList(1, 2048)).allSatisfy(r -> assertThat((String) r.get("error")).contains("invalid image"));
        assertThat(rows.subList(2048, 4096)).allSatisfy(r -> {
            assertThat(r.get("caption")).isNull();
            assertThat((String) r.get("error"))
                    .contains("unreadable Parquet data in half.parquet (row group 2 of 2, rows 2048-4095 of 4096");
        });
    }

    @Test
    void aCorruptFirstRowGroupReportsEveryRowOfTheFile() throws Exception {
        Path file = corruptParquet("first", 0);
        run(options(file, tmp.resolve("out")));
        List<Map<String, Object>> rows = DuckDb.query("SELECT source_row, caption, error FROM read_parquet("
                + literal(tmp.resolve("out/captions/**/*.parquet")) + ") ORDER BY source_row");
        assertThat(rows).hasSize(4096).allSatisfy(r -> assertThat((String) r.get("error"))
                .contains("unreadable Parquet data in first.parquet (row group 1 of 2, rows 0-4095 of 4096"));
    }

    @Test
    void badInputSetsAreOneClearLineBeforeTheJobStarts() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("fifo-dir"));
        assertThat(new ProcessBuilder("mkfifo", dir.resolve("data.parquet").toString()).start().waitFor()).isZero();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(() -> run(options(dir, tmp.resolve("o1"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("data.parquet is not a regular file"));
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(
                        () -> run(options(dir.resolve("data.parquet"), tmp.resolve("o2"))))
                .hasMessageContaining("is not a regular file"));
        Files.createSymbolicLink(tmp.resolve("zero.parquet"), Path.of("/dev/zero"));
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(
                        () -> run(options(tmp.resolve("zero.parquet"), tmp.resolve("o3"))))
                .hasMessageContaining("is not a regular file"));
        assertThatThrownBy(() -> run(options(tmp.resolve("no-such-dir"), tmp.resolve("o4"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no-such-dir does not exist");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> run(options(empty, tmp.resolve("o5"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no Parquet files match input");
    }
}
