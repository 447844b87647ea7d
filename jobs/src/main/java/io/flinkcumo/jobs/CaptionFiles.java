package io.flinkcumo.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.flinkcumo.stats.RoutingStatRow;
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

/**
 * The caption job's output directory:
 *
 * <pre>
 * OUT/captions/&lt;input name&gt;.parquet   one row per input row, in input order ({@link CaptionResult#ROW_TYPE})
 * OUT/routing/&lt;input name&gt;.arrow      one row per (input row, MoE layer, expert), Arrow IPC
 *                                      ({@link RoutingStatRow#ROW_TYPE}; {@code .parquet} with --routing-format parquet)
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

    private CaptionFiles() {}

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
