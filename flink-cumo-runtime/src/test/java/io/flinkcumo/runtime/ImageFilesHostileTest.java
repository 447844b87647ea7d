package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.CumoInputException;
import io.flinkcumo.runtime.core.ImageFiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, classes 1 and 2: paths in data never leave {@code image-base}, only regular files are
 * read, and the byte limit holds while reading. Every hostile path is generated here (FIFOs with
 * {@code mkfifo}, symlinks, devices) and must be refused quickly, with the rule named and no file
 * bytes in the message.
 */
class ImageFilesHostileTest {

    private static final Duration QUICK = Duration.ofSeconds(5);
    private static final String SECRET = "root:x:0:0:secret-content";

    @TempDir
    Path tmp;

    private Path base;
    private Path outside;
    private ImageFiles files;

    @BeforeEach
    void setUp() throws Exception {
        base = Files.createDirectories(tmp.resolve("images"));
        Files.createDirectories(base.resolve("sub"));
        Files.write(base.resolve("ok.png"), new byte[] {1, 2, 3});
        Files.write(base.resolve("sub/nested.png"), new byte[] {4, 5});
        outside = tmp.resolve("secret.txt");
        Files.writeString(outside, SECRET);
        files = new ImageFiles(List.of(base.toString()), 1024);
    }

    @Test
    void pathsUnderTheBaseAreRead() {
        assertThat(files.read("ok.png")).containsExactly(1, 2, 3);
        assertThat(files.read("sub/nested.png")).containsExactly(4, 5);
        assertThat(files.read("sub/../ok.png")).containsExactly(1, 2, 3);
        assertThat(files.read(base.resolve("ok.png").toString())).containsExactly(1, 2, 3);
        assertThat(files.read(base.resolve("ok.png").toUri().toString())).containsExactly(1, 2, 3);
        assertThat(files.read("file://" + base.resolve("ok.png"))).containsExactly(1, 2, 3);
    }

    @Test
    void pathsLeavingTheBaseAreRefusedWithTheRule() throws Exception {
        Files.createSymbolicLink(base.resolve("link-out.png"), outside);
        Files.createSymbolicLink(base.resolve("dir-link"), tmp);
        for (String hostile : List.of(
                "../secret.txt",
                "../../../../../../etc/passwd",
                "sub/../../secret.txt",
                outside.toString(),
                "/etc/passwd",
                outside.toUri().toString(),
                "file:///etc/passwd",
                "file://" + base + "/../secret.txt",
                "link-out.png",
                "dir-link/secret.txt",
                base + "/./sub/../../secret.txt")) {
            assertRefused(hostile, "is outside image-base");
        }
    }

    @Test
    void otherFileSystemsMustMatchABaseUri() {
        ImageFiles s3 = new ImageFiles(List.of("s3://bucket/images"), 1024);
        for (String hostile : List.of("s3://other/images/a.png", "s3://bucket/imagesX/a.png", "s3://bucket/images/../x.png",
                "hdfs://bucket/images/a.png", "/etc/passwd", "../a.png")) {
            assertThatThrownBy(() -> s3.resolve(hostile)).as(hostile)
                    .isInstanceOf(CumoInputException.class).hasMessageContaining("is outside image-base");
        }
        assertThat(s3.resolve("s3://bucket/images/a/b.png")).isEqualTo("s3://bucket/images/a/b.png");
        assertThat(s3.resolve("a/b.png")).isEqualTo("s3://bucket/images/a/b.png");
    }

    @Test
    void withoutABaseEveryPathIsRefused() {
        ImageFiles none = new ImageFiles(List.of(), 1024);
        assertThatThrownBy(() -> none.read(base.resolve("ok.png").toString()))
                .isInstanceOf(CumoInputException.class).hasMessageContaining("no image-base is set");
    }

    @Test
    void fifosDevicesAndDirectoriesAreRefusedWithoutBlocking() throws Exception {
        Path fifo = base.resolve("pipe.png");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Files.createSymbolicLink(base.resolve("zero.png"), Path.of("/dev/zero"));
        Files.createSymbolicLink(base.resolve("fifo-link.png"), fifo);
        assertRefused("pipe.png", "not a regular file");
        assertRefused("fifo-link.png", "not a regular file");
        assertRefused("zero.png", "outside image-base"); // the real path is /dev/zero
        assertRefused("sub", "is a directory");
        ImageFiles root = new ImageFiles(List.of("/"), 1024);
        for (String device : List.of("/dev/zero", "/dev/urandom", "/dev/null")) {
            assertTimeoutPreemptively(QUICK, () -> assertThatThrownBy(() -> root.read(device))
                    .isInstanceOf(CumoInputException.class).hasMessageContaining("not a regular file"));
        }
        assertTimeoutPreemptively(QUICK, () -> assertThatThrownBy(() -> ImageFiles.readRegularFile(fifo, 1024))
                .isInstanceOf(CumoInputException.class).hasMessageContaining("not a regular file"));
        assertTimeoutPreemptively(QUICK, () -> assertThatThrownBy(() -> ImageFiles.readRegularFile(base.resolve("zero.png"), 1024))
                .isInstanceOf(CumoInputException.class).hasMessageContaining("not a regular file"));
    }

    @Test
    void theByteLimitHolds() throws Exception {
        Files.write(base.resolve("big.png"), new byte[1025]);
        Files.write(base.resolve("exact.png"), new byte[1024]);
        assertRefused("big.png", "more than max-image-bytes (1024)");
        assertThat(files.read("exact.png")).hasSize(1024);
        assertThatThrownBy(() -> files.read("missing.png")).hasMessageContaining("'missing.png' does not exist");
    }

    private void assertRefused(String path, String rule) {
        assertTimeoutPreemptively(QUICK, () -> assertThatThrownBy(() -> files.read(path))
                .as(path)
                .isInstanceOf(CumoInputException.class)
                .hasMessageContaining(rule)
                .hasMessageNotContaining(SECRET)
                .satisfies(e -> assertThat(e.getMessage().getBytes(StandardCharsets.UTF_8).length).isLessThan(600)));
    }
}
