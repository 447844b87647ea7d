package io.flinkcumo.jobs;

import io.flinkcumo.runtime.core.CumoSettings;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;

/**
 * Batch captioning of Parquet image datasets: reads the image (and id) column of every input row
 * with Flink's vectorised Parquet reader, captions each image with CuMo through the shared model
 * service, and writes one output row per input row (caption or error), as Parquet, plus the
 * expert-routing statistics, as Arrow IPC (or Parquet), in the {@link CaptionFiles} layout.
 * Bounded, in batch execution mode.
 *
 * <p>On a cluster: {@code flink run -c io.flinkcumo.jobs.CaptionJob flink-cumo-jobs-<version>-job.jar
 * --input ... --output ... --model ...} (the options of {@link CaptionOptions}; the CuMo plugin jar
 * in the cluster's lib/). Locally: {@code bin/cumo caption}, which runs the same pipeline on an
 * embedded MiniCluster.
 *
 * <p>Greedy decoding (the default) makes the output of a rerun over the same input the same, row
 * for row (only {@code latency_ms} differs).
 */
public final class CaptionJob {

    private CaptionJob() {}

    /**
     * What a run did.
     *
     * @param rows output rows written (one per input row)
     * @param failed rows with an error instead of a caption
     * @param millis wall time of the Flink job
     */
    public record Summary(ParquetImageInput input, long rows, long failed, long millis) {}

    /**
     * Resolves the input files, prepares the output directory and runs the job on {@code env},
     * printing progress to {@code progress}.
     *
     * @param modelPath the CuMo checkpoint directory
     * @throws IllegalArgumentException for a bad input, output or option
     */
    public static Summary run(StreamExecutionEnvironment env, CaptionOptions options, String modelPath, PrintStream progress)
            throws Exception {
        ParquetImageInput input = plan(options);
        CumoSettings cumo = options.settings(modelPath);
        progress.println("cumo caption: " + input);
        Map<String, String> description = new LinkedHashMap<>();
        description.put("input", options.input);
        description.put("image_column", options.imageColumn);
        description.put("prompt", prompt(options, cumo));
        description.put("model", modelPath);
        CaptionFiles.prepare(ParquetImageInput.absolute(options.output), description);
        build(env, options, input, cumo);
        JobClient job = env.executeAsync("cumo caption " + options.input);
        try (ProgressReporter reporter = new ProgressReporter("cumo caption", job, input.totalRows(), progress, Duration.ofSeconds(1))) {
            JobExecutionResult result;
            try {
                result = job.getJobExecutionResult().get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
            long rows = longAccumulator(result, ProgressCounter.DONE);
            long failed = longAccumulator(result, ProgressCounter.FAILED);
            reporter.finish(rows, failed);
            return new Summary(input, rows, failed, result.getNetRuntime(TimeUnit.MILLISECONDS));
        }
    }

    private static long longAccumulator(JobExecutionResult result, String name) {
        Object value = result.getAccumulatorResult(name);
        return value instanceof Number n ? n.longValue() : 0;
    }

    /** The question asked about every image: {@code --prompt}, else the {@code caption-prompt} option. */
    static String prompt(CaptionOptions options, CumoSettings cumo) {
        return options.prompt != null ? options.prompt : cumo.captionPrompt();
    }

    /** The input files and columns of {@code options}. */
    public static ParquetImageInput plan(CaptionOptions options) {
        String id = options.idColumn != null ? options.idColumn : "id";
        return ParquetImageInput.resolve(options.input, options.imageColumn, id, options.idColumn != null);
    }

    /** Adds the caption pipeline to {@code env} (batch mode), reading {@code input}, writing to {@code options.output}. */
    public static void build(StreamExecutionEnvironment env, CaptionOptions options, ParquetImageInput input, CumoSettings cumo) {
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        if (options.parallelism != null) {
            env.setParallelism(options.parallelism);
        }
        Path[] paths = input.files().stream().map(f -> new Path(f.path())).toArray(Path[]::new);
        FileSource<ImageRow> source = FileSource
                .forBulkFileFormat(new ParquetImageFormat(input, options.batchRows, options.imageBase, cumo.maxImageBytes()), paths)
                .build();
        DataStream<ImageRow> rows = env.fromSource(source, WatermarkStrategy.noWatermarks(), "parquet " + options.input);

        CaptionFilesSink.RoutingFormat routing = options.noRoutingStats ? null : options.routingFormat;
        DataStream<CaptionResult> captions = AsyncDataStream.orderedWait(
                        rows,
                        new CaptionFunction(withImageBases(cumo, options.imageBase, paths), prompt(options, cumo), routing != null),
                        cumo.operatorTimeout().toMillis(), TimeUnit.MILLISECONDS,
                        cumo.operatorCapacity())
                .name("cumo caption")
                .map(new ProgressCounter<CaptionResult>(r -> r.error != null))
                .name("progress");
        captions.sinkTo(new CaptionFilesSink(ParquetImageInput.absolute(options.output).toString(), routing))
                .name("parquet " + options.output);
    }

    /**
     * The CuMo options with {@code image-base} set to the directories the rows' paths were checked
     * against ({@code --image-base}, else each Parquet file's directory), so that the read is
     * checked again under the same rule.
     */
    static CumoSettings withImageBases(CumoSettings cumo, String imageBase, Path[] parquetFiles) {
        java.util.Set<String> bases = new java.util.LinkedHashSet<>();
        for (Path file : parquetFiles) {
            bases.add(ParquetImageFormat.imageBase(imageBase, file));
        }
        return cumo.withImageBase(List.copyOf(bases));
    }

    /** {@code flink run -c io.flinkcumo.jobs.CaptionJob <job jar> --input ... --output ... --model ...}. */
    public static void main(String[] args) throws Exception {
        CaptionOptions options = new CaptionOptions();
        CommandLine cli = new CommandLine(options).setCommandName("CaptionJob").setCaseInsensitiveEnumValuesAllowed(true)
                .setExpandAtFiles(false);
        try {
            cli.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            System.err.println(e.getMessage());
            cli.usage(System.err);
            System.exit(2);
        }
        if (options.model.path == null) {
            System.err.println("--model is required: a CuMo checkpoint directory readable on every TaskManager");
            System.exit(2);
        }
        Summary summary = run(StreamExecutionEnvironment.getExecutionEnvironment(), options, options.model.path, System.err);
        System.out.println("captioned " + summary.rows() + " rows (" + summary.failed() + " failed) into " + options.output);
    }
}
