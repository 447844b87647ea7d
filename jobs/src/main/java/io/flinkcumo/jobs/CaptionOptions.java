package io.flinkcumo.jobs;

import io.flinkcumo.runtime.CumoRuntimeOptions;
import io.flinkcumo.runtime.core.CumoSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of the Parquet captioning job, the same for {@code bin/cumo caption} and for {@code
 * flink run -c io.flinkcumo.jobs.CaptionJob}.
 */
public class CaptionOptions {

    @Option(names = "--input", required = true,
            description = "Parquet input: a file, a directory (every *.parquet below it) or a glob such as 'data/train-*.parquet'.")
    public String input;

    @Option(names = "--output", required = true,
            description = "Output directory: captions/<input name> and routing/<input name>, Parquet. Must be new, empty, or an"
                    + " earlier output of this job (it is then replaced).")
    public String output;

    @Option(names = "--image-column", description = "Image column: the Hugging Face struct<bytes, path>, binary, or a string path (default ${DEFAULT-VALUE}).")
    public String imageColumn = "image";

    @Option(names = "--id-column",
            description = "Id column, a string or integer (default 'id' if the files have it, else ids are <file>#<row>).")
    public String idColumn;

    @Option(names = "--image-base",
            description = "Directory image paths in the data are read from: relative paths resolve against it, and a path"
                    + " outside it (absolute, '..', file: URI or symlink) fails its row (default: the Parquet file's directory).")
    public String imageBase;

    @Option(names = "--prompt", description = "Question asked about every image (default: the caption-prompt option, see --option).")
    public String prompt;

    @Mixin
    public ModelFlags model = new ModelFlags();


    @Option(names = "--parallelism", description = "Subtasks (bin/cumo: default 1; flink run: the cluster's default). All subtasks"
            + " of a TaskManager share one model and batch together.")
    public Integer parallelism;

    @Option(names = "--max-new-tokens", description = "Longest caption in tokens (default ${DEFAULT-VALUE}).")
    public int maxNewTokens = CumoRuntimeOptions.MAX_NEW_TOKENS.defaultValue();

    @Option(names = "--max-batch-size", description = "Images per forward pass (default ${DEFAULT-VALUE}).")
    public int maxBatchSize = CumoRuntimeOptions.MAX_BATCH_SIZE.defaultValue();

    @Option(names = "--batch-rows", description = "Rows per vectorised Parquet read batch; each batch holds its images' bytes (default ${DEFAULT-VALUE}).")
    public int batchRows = 16;

    @Option(names = "--routing-format",
            description = "Routing statistics files: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}; Arrow IPC, readable with"
                    + " pyarrow, Arrow JS, Arrow Java).")
    public CaptionFilesSink.RoutingFormat routingFormat = CaptionFilesSink.RoutingFormat.ARROW;

    @Option(names = "--no-routing-stats", description = "Do not write routing/ (expert routing statistics).")
    public boolean noRoutingStats;

    @Option(names = "--option", paramLabel = "KEY=VALUE",
            description = "Any other CuMo option (e.g. --option max-batch-wait=50ms --option timeout=10min); see the README.")
    public Map<String, String> options = new LinkedHashMap<>();

    /**
     * The CuMo settings these command-line options give for {@code modelPath}, parsed once.
     *
     * @throws IllegalArgumentException listing every invalid option
     */
    public CumoSettings settings(String modelPath) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put(CumoRuntimeOptions.MODEL_PATH.key(), modelPath);
        o.put(CumoRuntimeOptions.DEVICE.key(), model.device.toString());
        o.put(CumoRuntimeOptions.PRECISION.key(), model.precision.name());
        o.put(CumoRuntimeOptions.MAX_NEW_TOKENS.key(), Integer.toString(maxNewTokens));
        o.put(CumoRuntimeOptions.MAX_BATCH_SIZE.key(), Integer.toString(maxBatchSize));
        o.putAll(options);
        return CumoRuntimeOptions.settings(o);
    }
}
