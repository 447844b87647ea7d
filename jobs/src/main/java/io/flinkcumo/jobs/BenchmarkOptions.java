package io.flinkcumo.jobs;

import io.flinkcumo.eval.BenchTask;
import io.flinkcumo.runtime.CumoRuntimeOptions;
import io.flinkcumo.runtime.core.CumoSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of the benchmark job, the same for {@code bin/cumo benchmark} and for {@code flink run
 * -c io.flinkcumo.jobs.BenchmarkJob}.
 */
public class BenchmarkOptions {

    @Option(names = "--task", required = true,
            description = "sqa_img, textvqa, gqa, pope, mme, mmbench_en, mmbench_cn, vqav2, seed_img or mmmu.")
    public String task;

    @Option(names = "--input", required = true,
            description = "The benchmark's Parquet data (lmms-lab layout, image column included): a file, a directory or a glob.")
    public String input;

    @Option(names = "--output", required = true,
            description = "Output directory: results.parquet, predictions.jsonl, summary.json, table.md, routing.arrow. Must be new,"
                    + " empty, or an earlier output of this job (replaced, or continued with --resume).")
    public String output;

    @Mixin
    public ModelFlags model = new ModelFlags();

    @Option(names = "--limit", description = "Only the first N rows of the data (default all).")
    public long limit;

    @Option(names = "--resume", description = "Keep the answers already in --output and ask only the questions without one.")
    public boolean resume;

    @Option(names = "--image-column", description = "Image column (default ${DEFAULT-VALUE}).")
    public String imageColumn = "image";

    @Option(names = "--image-base", description = "Directory path-only images are read from (default: the Parquet file's directory).")
    public String imageBase;

    @Option(names = "--template", description = "Prompt template: mistral_instruct (default, as the task's evaluation) or mistral_instruct_system.")
    public String template = "mistral_instruct";

    @Option(names = "--suffix",
            description = "Replace the task's answer-format instruction (e.g. \"Answer the question using a single word or phrase.\")"
                    + " with this text; '' for none. Not the official prompt: for models not trained with LLaVA's suffixes.")
    public String suffix;

    @Option(names = "--max-new-tokens", description = "Longest answer in tokens (default: the task's, 128).")
    public Integer maxNewTokens;


    @Option(names = "--parallelism", description = "Subtasks (bin/cumo: default 1; flink run: the cluster's default).")
    public Integer parallelism;

    @Option(names = "--max-batch-size", description = "Questions per forward pass (default ${DEFAULT-VALUE}).")
    public int maxBatchSize = CumoRuntimeOptions.MAX_BATCH_SIZE.defaultValue();

    @Option(names = "--batch-rows", description = "Rows per vectorised Parquet read batch (default ${DEFAULT-VALUE}).")
    public int batchRows = 16;

    @Option(names = "--no-routing-stats", description = "Do not write routing.arrow (expert load per category).")
    public boolean noRoutingStats;

    @Option(names = "--option", paramLabel = "KEY=VALUE", description = "Any other CuMo option (e.g. --option timeout=10min).")
    public Map<String, String> options = new LinkedHashMap<>();

    /**
     * The CuMo settings for {@code task}, parsed once: greedy decoding, the task's token budget and
     * the template.
     *
     * @throws IllegalArgumentException listing every invalid option
     */
    public CumoSettings settings(String modelPath, BenchTask benchTask) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put(CumoRuntimeOptions.MODEL_PATH.key(), modelPath);
        o.put(CumoRuntimeOptions.DEVICE.key(), model.device.toString());
        o.put(CumoRuntimeOptions.PRECISION.key(), model.precision.name());
        o.put(CumoRuntimeOptions.MAX_NEW_TOKENS.key(),
                Integer.toString(maxNewTokens != null ? maxNewTokens : benchTask.maxNewTokens()));
        o.put(CumoRuntimeOptions.MAX_BATCH_SIZE.key(), Integer.toString(maxBatchSize));
        o.put(CumoRuntimeOptions.TEMPERATURE.key(), "0");
        o.put(CumoRuntimeOptions.PROMPT_TEMPLATE.key(), template);
        o.putAll(options);
        return CumoRuntimeOptions.settings(o);
    }
}
