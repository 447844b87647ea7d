package io.flinkcumo.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.flinkcumo.stats.RoutingStatsRows;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;

/**
 * The caption job's output directory:
 *
 * <pre>
 * OUT/captions/&lt;input name&gt;.parquet   one row per input row, in input order ({@link #CAPTIONS_TYPE})
 * OUT/routing/&lt;input name&gt;.arrow      one row per (input row, MoE layer, expert), Arrow IPC
 *                                      ({@link RoutingStatsRows#ROW_TYPE}; {@code .parquet} with --routing-format parquet)
 * OUT/_cumo_caption.json               what wrote the directory
 * </pre>
 *
 * <p>Each input file gives one output file of the same relative name in each subdirectory, so a
 * rerun over the same input rewrites the same files. A directory that has content but no marker
 * file is refused, so that a typo never deletes someone else's data; a directory with the marker
 * is cleaned before the run.
 */
public final class CaptionFiles {

    /** The marker file that identifies a caption output directory. */
    public static final String MARKER = "_cumo_caption.json";

    public static final String CAPTIONS = "captions";
    public static final String ROUTING = "routing";

    /** One row per input row. */
    public static final RowType CAPTIONS_TYPE = new RowType(false, List.of(
            field("id", string(false), "the row's id: the id column as text, or <file>#<row>"),
            field("source_row", new BigIntType(false), "position of the row in its input file, from 0"),
            field("caption", string(true), "CuMo's caption; null when the row failed"),
            field("generated_tokens", new IntType(true), "tokens generated, not counting a final EOS; null without a caption"),
            field("latency_ms", new BigIntType(false), "from the call to the caption or failure: reading, preprocessing, queueing, inference"),
            field("error", string(true), "why the row has no caption; null on success")));

    private CaptionFiles() {}

    private static RowType.RowField field(String name, LogicalType type, String description) {
        return new RowType.RowField(name, type, description);
    }

    private static LogicalType string(boolean nullable) {
        return new VarCharType(nullable, VarCharType.MAX_LENGTH);
    }

    /** The output file of {@code inputName} in {@code subdirectory}, with the extension {@code .parquet} or {@code .arrow}. */
    public static Path outputFile(Path outputDir, String subdirectory, String inputName, String extension) {
        String stem = inputName.toLowerCase(java.util.Locale.ROOT).endsWith(".parquet")
                ? inputName.substring(0, inputName.length() - ".parquet".length())
                : inputName;
        return new Path(new Path(outputDir, subdirectory), stem + extension);
    }

    /**
     * Makes {@code outputDir} ready for a run: creates it, or cleans a directory an earlier run
     * wrote, and writes the marker.
     *
     * @param description what the marker records (input, prompt, model)
     * @throws IllegalArgumentException if the directory has content and no marker
     */
    public static void prepare(Path outputDir, Map<String, String> description) throws IOException {
        prepare(outputDir, MARKER, "cumo caption", description);
    }

    /**
     * Makes a job's output directory ready: creates it, or empties a directory with the job's
     * {@code marker} file (an earlier run's output), and writes the marker. A directory with other
     * content is refused, so that a typo never deletes someone else's data.
     *
     * @throws IllegalArgumentException if the directory has content and no marker
     */
    public static void prepare(Path outputDir, String marker, String job, Map<String, String> description) throws IOException {
        FileSystem fs = outputDir.getFileSystem();
        if (fs.exists(outputDir)) {
            if (!fs.getFileStatus(outputDir).isDir()) {
                throw new IllegalArgumentException("output " + outputDir + " is a file, not a directory");
            }
            FileStatus[] content = fs.listStatus(outputDir);
            if (content != null && content.length > 0) {
                if (!fs.exists(new Path(outputDir, marker))) {
                    throw new IllegalArgumentException("output directory " + outputDir + " is not empty and was not written by "
                            + job + " (no " + marker + "); choose a new or empty directory");
                }
                for (FileStatus child : content) {
                    fs.delete(child.getPath(), true);
                }
            }
        }
        fs.mkdirs(outputDir);
        Map<String, String> content = new LinkedHashMap<>();
        content.put("written_by", job);
        content.putAll(description);
        try (OutputStream out = fs.create(new Path(outputDir, marker), FileSystem.WriteMode.OVERWRITE)) {
            out.write(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(content)
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The output files below {@code OUT/<subdirectory>}, in name order. */
    public static List<Path> files(Path outputDir, String subdirectory) throws IOException {
        Path dir = new Path(outputDir, subdirectory);
        FileSystem fs = dir.getFileSystem();
        List<Path> out = new ArrayList<>();
        if (fs.exists(dir)) {
            collect(fs, dir, out);
        }
        out.sort(java.util.Comparator.comparing(Path::toString));
        return out;
    }

    private static void collect(FileSystem fs, Path dir, List<Path> out) throws IOException {
        for (FileStatus child : fs.listStatus(dir)) {
            String name = child.getPath().getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            if (child.isDir()) {
                collect(fs, child.getPath(), out);
            } else if (name.endsWith(".parquet") || name.endsWith(".arrow")) {
                out.add(child.getPath());
            }
        }
    }
}
