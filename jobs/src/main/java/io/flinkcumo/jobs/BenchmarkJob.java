package io.flinkcumo.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkcumo.eval.BenchItem;
import io.flinkcumo.eval.BenchTask;
import io.flinkcumo.eval.BenchTasks;
import io.flinkcumo.runtime.core.CumoSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import picocli.CommandLine;

/**
 * One benchmark of CuMo's Table 1 as a Flink batch job: the questions are read from the
 * benchmark's Parquet files (lmms-lab layout) on the client and turned into prompts by the task
 * ({@link BenchTask}); the job reads the images with the caption job's Parquet reader ({@link
 * ParquetImageFormat}), asks each pending question through the shared CuMo service (micro-batched,
 * greedy, the task's token budget, the {@code mistral_instruct} template), and logs every answer
 * as it arrives ({@link AnswerLog}); the client then scores them with the official rules and writes
 * the outputs ({@link BenchmarkReport}). With {@code --resume}, questions already answered in the
 * output directory are not asked again.
 *
 * <p>On a cluster: {@code flink run -c io.flinkcumo.jobs.BenchmarkJob <job jar> --task ... --input
 * ... --output ... --model ...}. Locally: {@code bin/cumo benchmark}.
 */
public final class BenchmarkJob {

    /** The marker file of a benchmark output directory. */
    public static final String MARKER = "_cumo_benchmark.json";
    /** A column name no dataset has: the job reads only the image column. */
    private static final String NO_ID = "__cumo_no_id__";

    private BenchmarkJob() {}

    /**
     * Runs the benchmark.
     *
     * @return the summary ({@code summary.json})
     * @throws IllegalArgumentException for a bad task, input, output or option
     */
    public static Map<String, Object> run(StreamExecutionEnvironment env, BenchmarkOptions options, String modelPath,
            PrintStream progress) throws Exception {
        long start = System.currentTimeMillis();
        BenchTask task = BenchTasks.byName(options.task);
        if (options.limit < 0) {
            throw new IllegalArgumentException("--limit must be >= 0, got " + options.limit);
        }
        CumoSettings cumo = options.settings(modelPath, task);
        List<BenchData.Row> rows = BenchData.withSuffix(
                BenchData.read(options.input, task, options.imageColumn, options.limit), options.suffix);
        List<BenchItem> items = BenchData.items(rows);
        Path out = ParquetImageInput.absolute(options.output);
        prepareOutput(out, options, task, modelPath);

        Map<String, JsonNode> done = AnswerLog.read(out);
        Map<String, List<String>> pending = new HashMap<>();
        long pendingCount = 0;
        for (BenchData.Row row : rows) {
            for (BenchItem item : row.items()) {
                JsonNode old = done.get(item.key());
                if (old == null || !old.hasNonNull("prediction")) {
                    List<String> questions = pending.computeIfAbsent(row.file() + "#" + row.row(), k -> new ArrayList<>());
                    questions.add(item.key());
                    questions.add(item.prompt());
                    if (task.multiImage()) {
                        questions.add(item.detail().getOrDefault(BenchTask.IMAGES, options.imageColumn));
                    }
                    pendingCount++;
                }
            }
        }
        long bad = rows.stream().filter(r -> r.error() != null).count();
        progress.println("cumo benchmark " + task.name() + ": " + rows.size() + " rows, " + items.size() + " questions, "
                + (items.size() - pendingCount) + " already answered, " + pendingCount + " to ask"
                + (bad > 0 ? ", " + bad + " bad rows" : ""));
        if (pendingCount > 0) {
            if (task.multiImage()) {
                buildMultiImage(env, options, ParquetImageInput.listFiles(options.input), cumo, pending);
            } else {
                ParquetImageInput input = ParquetImageInput.resolve(options.input, options.imageColumn, NO_ID, false);
                build(env, options, input, cumo, pending);
            }
            JobClient job = env.executeAsync("cumo benchmark " + task.name() + " " + options.input);
            try (ProgressReporter reporter = new ProgressReporter("cumo benchmark", job, pendingCount, progress, Duration.ofSeconds(1))) {
                JobExecutionResult result;
                try {
                    result = job.getJobExecutionResult().get();
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
                reporter.finish(counter(result, ProgressCounter.DONE), counter(result, ProgressCounter.FAILED));
            }
        }
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("model", modelPath);
        run.put("input", options.input);
        run.put("template", options.template);
        run.put("suffix", options.suffix == null ? "official" : options.suffix);
        run.put("max_new_tokens", cumo.generation().maxNewTokens());
        run.put("limit", options.limit);
        run.put("asked_this_run", pendingCount);
        Map<String, Object> summary = BenchmarkReport.write(out, task, rows, AnswerLog.read(out), options.template,
                !options.noRoutingStats, run);
        summary.put("wall_ms", System.currentTimeMillis() - start);
        BenchmarkReport.writeJson(new Path(out, BenchmarkReport.SUMMARY), summary);
        return summary;
    }

    private static long counter(JobExecutionResult result, String name) {
        Object value = result.getAccumulatorResult(name);
        return value instanceof Number n ? n.longValue() : 0;
    }

    /**
     * A fresh run empties an earlier output of this job (refusing other content); a resumed run
     * keeps it, if it is the same task's.
     */
    static void prepareOutput(Path out, BenchmarkOptions options, BenchTask task, String modelPath) throws IOException {
        Map<String, String> description = new LinkedHashMap<>();
        description.put("task", task.name());
        description.put("input", options.input);
        description.put("model", modelPath);
        FileSystem fs = out.getFileSystem();
        Path marker = new Path(out, MARKER);
        if (options.resume && fs.exists(marker)) {
            try (InputStream in = fs.open(marker)) {
                JsonNode old = new ObjectMapper().readTree(in);
                String oldTask = old.path("task").asText();
                if (!oldTask.equals(task.name())) {
                    throw new IllegalArgumentException("--resume: " + out + " holds a " + oldTask + " run, not " + task.name());
                }
            }
            return;
        }
        CaptionFiles.prepare(out, MARKER, "cumo benchmark", description);
    }

    /** Adds the benchmark pipeline to {@code env} (batch mode). */
    static void build(StreamExecutionEnvironment env, BenchmarkOptions options, ParquetImageInput input, CumoSettings cumo,
            Map<String, List<String>> pending) {
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        if (options.parallelism != null) {
            env.setParallelism(options.parallelism);
        }
        Path[] paths = input.files().stream().map(f -> new Path(f.path())).toArray(Path[]::new);
        FileSource<ImageRow> source = FileSource
                .forBulkFileFormat(new ParquetImageFormat(input, options.batchRows, options.imageBase, cumo.maxImageBytes()), paths)
                .build();
        DataStream<BenchmarkRequest> requests = env.fromSource(source, WatermarkStrategy.noWatermarks(), "parquet " + options.input)
                .flatMap(new RowQuestions(pending))
                .name("questions");
        ask(options, requests, cumo, paths);
    }

    /**
     * Adds the pipeline of a multi-image benchmark (SEED-IMG, MMMU) to {@code env} (batch mode):
     * the input's files are spread over the subtasks, each read row by row for the image columns
     * its pending questions name ({@link MultiImageQuestions}); then as {@link #build}.
     *
     * @param pending {@code <file>#<row>} to key, prompt, image columns, key, ...
     */
    static void buildMultiImage(StreamExecutionEnvironment env, BenchmarkOptions options, List<ParquetImageInput.InputFile> files,
            CumoSettings cumo, Map<String, List<String>> pending) {
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        if (options.parallelism != null) {
            env.setParallelism(options.parallelism);
        }
        Path[] paths = files.stream().map(f -> new Path(f.path())).toArray(Path[]::new);
        DataStream<BenchmarkRequest> requests = env.fromData(files, TypeInformation.of(ParquetImageInput.InputFile.class))
                .name("parquet " + options.input)
                .rebalance()
                .flatMap(new MultiImageQuestions(pending, options.imageBase, cumo.maxImageBytes()))
                .name("questions");
        ask(options, requests, cumo, paths);
    }

    /** Asks the questions through the shared CuMo service and logs every answer. */
    private static void ask(BenchmarkOptions options, DataStream<BenchmarkRequest> requests, CumoSettings cumo, Path[] paths) {
        AsyncDataStream.unorderedWait(requests,
                        new BenchmarkFunction(CaptionJob.withImageBases(cumo, options.imageBase, paths), !options.noRoutingStats),
                        cumo.operatorTimeout().toMillis(), TimeUnit.MILLISECONDS, cumo.operatorCapacity())
                .name("cumo benchmark")
                .map(new ProgressCounter<BenchmarkAnswer>(a -> a.failed))
                .name("progress")
                .sinkTo(new AnswerLog.LogSink(ParquetImageInput.absolute(options.output).toString()))
                .name("answer log");
    }

    /** The pending questions of each image row ({@code <file>#<row>} to key, prompt, key, prompt, ...). */
    static final class RowQuestions implements FlatMapFunction<ImageRow, BenchmarkRequest>, Serializable {
        private static final long serialVersionUID = 1L;
        private final HashMap<String, List<String>> pending;

        RowQuestions(Map<String, List<String>> pending) {
            this.pending = new HashMap<>();
            pending.forEach((k, v) -> this.pending.put(k, new ArrayList<>(v)));
        }

        @Override
        public void flatMap(ImageRow row, Collector<BenchmarkRequest> out) {
            List<String> questions = pending.get(row.file + "#" + row.row);
            if (questions == null) {
                return;
            }
            for (int i = 0; i < questions.size(); i += 2) {
                out.collect(BenchmarkRequest.of(row, questions.get(i), questions.get(i + 1)));
            }
        }
    }

    /** {@code flink run -c io.flinkcumo.jobs.BenchmarkJob <job jar> --task ... --input ... --output ... --model ...}. */
    public static void main(String[] args) throws Exception {
        BenchmarkOptions options = new BenchmarkOptions();
        CommandLine cli = new CommandLine(options).setCommandName("BenchmarkJob").setExpandAtFiles(false);
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
        Map<String, Object> summary = run(StreamExecutionEnvironment.getExecutionEnvironment(), options, options.model.path, System.err);
        System.out.println(new ObjectMapper().writeValueAsString(summary));
    }
}
