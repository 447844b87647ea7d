package io.flinkcumo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 on the command line: hostile arguments and inputs give one line and a non-zero exit,
 * quickly, never a hang, a stack trace or a question answered that should be refused; moderation
 * decides every file it is given.
 */
class HostileCliTest {

    private static final Path HOME = ModelOptions.home();
    private static final Duration QUICK = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private static Path chelsea() {
        return HOME.resolve("samples/images/chelsea.png");
    }

    private static void assertOneLineError(CliRun run, String text) {
        assertThat(run.code()).as(run.out() + run.err()).isNotZero();
        assertThat(run.err().strip()).contains(text).doesNotContain("\n").doesNotContain("\tat ");
    }

    @Test
    void argumentFilesAreNotExpanded() throws Exception {
        Path file = tmp.resolve("args");
        Files.writeString(file, "--max-new-tokens 1\n--json\n");
        CliRun run = CliRun.of("answer", "--image", chelsea().toString(), "--question", "@" + file, "--max-new-tokens", "2");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out().strip()).doesNotStartWith("{"); // --json inside the file took no effect
        CliRun whole = CliRun.of("@" + file);
        assertThat(whole.code()).isEqualTo(2);
        assertThat(whole.err()).contains("@" + file);
    }

    @Test
    void unicodeWhitespaceQuestionsAreRefusedAsEmpty() {
        for (String question : List.of(" ", "\u00a0", "\u3000", "\u200b", "\ufeff", "\u00a0\u200b\u3000\ufeff")) {
            CliRun run = CliRun.of("answer", "--image", chelsea().toString(), "--question", question);
            assertOneLineError(run, "the question is null or empty");
        }
    }

    @Test
    void nonRegularImagesAreRefusedWithoutReading() throws Exception {
        Path fifo = tmp.resolve("fifo.png");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Files.createSymbolicLink(tmp.resolve("zero.png"), Path.of("/dev/zero"));
        for (String image : List.of(fifo.toString(), "/dev/zero", tmp.resolve("zero.png").toString(), tmp.toString())) {
            CliRun run = assertTimeoutPreemptively(QUICK, () -> CliRun.of("answer", "--image", image, "--question", "What?"));
            assertOneLineError(run, "not a regular file");
        }
        assertOneLineError(CliRun.of("answer", "--image", tmp.resolve("missing.png").toString(), "--question", "What?"),
                "does not exist");
    }

    @Test
    void hugeDeviceIndicesAreNamed() {
        for (String device : List.of("cuda:99999999999", "cuda:2147483648", "cuda:-1", "cuda:")) {
            CliRun run = CliRun.of("answer", "--image", chelsea().toString(), "--question", "What?", "--device", device);
            assertOneLineError(run, "Invalid value for option '--device': device must be 'auto', 'cpu' or 'cuda:<index>'");
            assertThat(run.err()).doesNotContain("For input string");
        }
    }

    @Test
    void imagesToParquetRefusesIdClashesNamingBothFiles() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        Files.copy(chelsea(), images.resolve("a.png"));
        Files.copy(HOME.resolve("samples/images/tiny_97x31.jpg"), images.resolve("a.jpg"));
        Files.copy(chelsea(), images.resolve("b.png"));
        CliRun run = CliRun.of("images-to-parquet", "--images", images.toString(), "--out", tmp.resolve("x.parquet").toString());
        assertOneLineError(run, "images a.jpg and a.png");
        assertThat(run.err()).contains("would both get id 'a'");
        assertThat(tmp.resolve("x.parquet")).doesNotExist();
    }

    @Test
    void moderationDecidesEveryFileIncludingHiddenOnesAndNonRegularOnes() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        Files.copy(chelsea(), in.resolve("ok.png"));
        Files.copy(chelsea(), in.resolve(".hidden.png"));
        Files.copy(chelsea(), in.resolve("_underscore.png"));
        Files.createDirectories(in.resolve(".dir"));
        Files.copy(chelsea(), in.resolve(".dir/inside.png"));
        assertThat(new ProcessBuilder("mkfifo", in.resolve("fifo.png").toString()).start().waitFor()).isZero();
        Files.createSymbolicLink(in.resolve("zero.png"), Path.of("/dev/zero"));

        CliRun run = assertTimeoutPreemptively(Duration.ofMinutes(3), () -> CliRun.of("moderate", "--input-dir", in.toString(),
                "--output", tmp.resolve("out").toString(), "--categories", "safe,violence"));
        assertThat(run.code()).as(run.err()).isZero();
        List<String> lines = run.out().lines().skip(1).toList();
        assertThat(lines).extracting(l -> l.split(" ")[0]).containsExactly(
                ".dir/inside.png", ".hidden.png", "_underscore.png", "fifo.png", "ok.png", "zero.png");
        assertThat(lines.get(3)).contains(" yes ").contains("not a regular file");
        assertThat(lines.get(5)).contains(" yes ").contains("not a regular file");

        CliRun skipping = CliRun.of("moderate", "--input-dir", in.toString(), "--output", tmp.resolve("out2").toString(),
                "--categories", "safe,violence", "--skip-hidden-files");
        assertThat(skipping.code()).as(skipping.err()).isZero();
        assertThat(skipping.out().lines().skip(1).map(l -> l.split(" ")[0]).toList())
                .containsExactly("fifo.png", "ok.png", "zero.png");
    }

    @Test
    void moderationOfAMissingOrEmptyDirectoryIsOneLine() throws Exception {
        assertOneLineError(CliRun.of("moderate", "--input-dir", tmp.resolve("nope").toString(), "--output",
                tmp.resolve("o").toString()), "does not exist or is not a directory");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertOneLineError(CliRun.of("moderate", "--input-dir", empty.toString(), "--output", tmp.resolve("o2").toString()),
                "is empty: there is nothing to moderate");
    }
}
