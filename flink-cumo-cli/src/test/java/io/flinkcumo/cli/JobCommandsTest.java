package io.flinkcumo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkcumo.jobs.DuckDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cumo caption}, {@code cumo moderate} and {@code cumo images-to-parquet} as the README runs them. */
class JobCommandsTest {

    private static final Path HOME = ModelOptions.home();

    @TempDir
    Path tmp;

    @Test
    void captionRunsTheJobOverTheBundledSampleAndPrintsATable() {
        CliRun run = CliRun.of("caption", "--input", HOME.resolve("samples/images.parquet").toString(),
                "--output", tmp.resolve("out").toString(), "--max-new-tokens", "4", "--routing-format", "arrow");
        assertThat(run.code()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines.get(0)).startsWith("id").contains("tokens").contains("caption");
        assertThat(lines.subList(1, 5)).extracting(l -> l.split(" ")[0])
                .containsExactly("astronaut_portrait", "camera_gray", "chelsea", "tiny_97x31");
        assertThat(lines.get(5)).startsWith("4 rows captioned (0 failed)");
        assertThat(run.err()).contains("1 Parquet file(s), 4 rows").contains("4/4 rows (100%)");
        assertThat(tmp.resolve("out/captions/images.parquet")).exists();
        assertThat(tmp.resolve("out/routing/images.arrow")).exists();
    }

    @Test
    void moderateFileModePrintsOneDecisionPerFile() {
        CliRun run = CliRun.of("moderate", "--input-dir", HOME.resolve("samples/images").toString(),
                "--output", tmp.resolve("mod").toString(), "--categories", "safe,violence");
        assertThat(run.code()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines.get(0)).startsWith("id").contains("flagged").contains("P(safe)");
        assertThat(lines.subList(1, lines.size())).extracting(l -> l.split(" ")[0])
                .containsExactly("astronaut_portrait.png", "camera_gray.png", "chelsea.png", "tiny_97x31.jpg");
        assertThat(lines.subList(1, lines.size())).allSatisfy(l -> assertThat(l).containsAnyOf(" safe ", " violence "));
    }

    @Test
    void moderateNeedsKafkaOrFiles() {
        CliRun run = CliRun.of("moderate");
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err().strip()).isEqualTo(
                "cumo moderate: give --bootstrap-servers (Kafka mode) or --input-dir and --output (file mode)");
    }

    private static List<Map<String, Object>> rows(Path parquet) throws Exception {
        return DuckDb.query("SELECT id, image.path AS path, md5(image.bytes) AS md5 FROM read_parquet("
                + DuckDb.literal(parquet) + ") ORDER BY id");
    }

    private static String md5(Path file) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(Files.readAllBytes(file)));
    }

    @Test
    void theSampleParquetIsWhatTheDocumentedGeneratorWrites() throws Exception {
        Path written = tmp.resolve("images.parquet");
        CliRun run = CliRun.of("images-to-parquet", "--images", HOME.resolve("samples/images").toString(), "--out", written.toString());
        assertThat(run.code()).as(run.err()).isZero();
        // the same rows (the files' bytes differ in metadata order); read with DuckDB
        assertThat(rows(written)).isEqualTo(rows(HOME.resolve("samples/images.parquet"))).hasSize(4);
        assertThat(rows(written).get(2)).containsEntry("id", "chelsea").containsEntry("path", "chelsea.png")
                .containsEntry("md5", md5(HOME.resolve("samples/images/chelsea.png")));
    }
}
