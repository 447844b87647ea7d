package io.flinkcumo.cli;

import io.flinkcumo.jobs.CaptionFiles;
import io.flinkcumo.jobs.CaptionJob;
import io.flinkcumo.jobs.CaptionOptions;
import io.flinkcumo.jobs.ParquetRows;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cumo caption}: the Parquet captioning job on an embedded Flink MiniCluster, then a table of the results. */
@Command(
        name = "caption",
        mixinStandardHelpOptions = true,
        description = "Caption every image of a Parquet dataset (Hugging Face image struct, binary or path column) with a"
                + " Flink job on an embedded MiniCluster; writes captions and routing statistics as Parquet and prints the first rows.")
final class CaptionCommand implements Callable<Integer> {

    @Mixin
    CaptionOptions options;

    @Option(names = "--show", defaultValue = "20", description = "Result rows to print (default ${DEFAULT-VALUE}; 0 for none).")
    int show;

    @Override
    public Integer call() throws Exception {
        Path model = modelDir(options.model.path);
        options.parallelism = parallelism(options.parallelism);
        StreamExecutionEnvironment env = localEnvironment(options.parallelism);
        CaptionJob.Summary summary = CaptionJob.run(env, options, model.toAbsolutePath().toString(), System.err);
        if (show > 0) {
            printTable(System.out, options.output, show);
        }
        System.out.println(summary.rows() + " rows captioned (" + summary.failed() + " failed) -> "
                + Path.of(options.output).toAbsolutePath().resolve(CaptionFiles.CAPTIONS));
        return 0;
    }

    /** {@code --model}, or the bundled model when absent; it must be a directory. */
    static Path modelDir(String option) {
        Path model = option != null ? Path.of(option) : ModelOptions.bundledModel();
        if (!Files.isDirectory(model)) {
            throw new IllegalArgumentException("model directory " + model + " does not exist");
        }
        return model;
    }

    /** {@code --parallelism}, 1 when absent, at least 1. */
    static int parallelism(Integer option) {
        int parallelism = option != null ? option : 1;
        if (parallelism < 1) {
            throw new IllegalArgumentException("--parallelism must be >= 1, got " + parallelism);
        }
        return parallelism;
    }

    /** A MiniCluster whose TaskManagers report accumulators (the progress line) every second. */
    static StreamExecutionEnvironment localEnvironment(int parallelism) {
        Configuration conf = new Configuration();
        conf.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, java.time.Duration.ofSeconds(1));
        return StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    }

    static void printTable(PrintStream out, String outputDir, int limit) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (org.apache.flink.core.fs.Path file : CaptionFiles.files(
                io.flinkcumo.jobs.ParquetImageInput.absolute(outputDir), CaptionFiles.CAPTIONS)) {
            rows.addAll(ParquetRows.read(file, limit - rows.size()));
            if (rows.size() >= limit) {
                break;
            }
        }
        int idWidth = Math.max(2, Math.min(24, rows.stream().mapToInt(r -> String.valueOf(r.get("id")).length()).max().orElse(2)));
        String format = "%-" + idWidth + "s  %6s  %7s  %s%n";
        out.printf(format, "id", "tokens", "ms", "caption (or error)");
        for (Map<String, Object> r : rows) {
            Object caption = r.get("caption");
            String text = caption != null ? "\"" + caption + "\"" : "ERROR: " + r.get("error");
            out.printf(format, clip(String.valueOf(r.get("id")), idWidth),
                    r.get("generated_tokens") == null ? "-" : r.get("generated_tokens"), r.get("latency_ms"), clip(text, 90));
        }
    }

    private static String clip(String s, int width) {
        // one line, and no control characters from a model's raw output on the terminal
        String oneLine = s.codePoints()
                .map(c -> Character.isISOControl(c) ? (c == '\n' || c == '\r' || c == '\t' ? ' ' : '\uFFFD') : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString();
        return oneLine.length() <= width ? oneLine : oneLine.substring(0, width - 1) + "…";
    }
}
