package io.flinkcumo.jobs;

import io.flinkcumo.runtime.CumoRuntimeOptions;
import io.flinkcumo.runtime.core.CumoSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of the moderation job, the same for {@code bin/cumo moderate} and {@code flink run -c
 * io.flinkcumo.jobs.ModerationJob}. Kafka mode needs {@code --bootstrap-servers}; file mode
 * {@code --input-dir} and {@code --output}.
 */
public class ModerationOptions {

    // ---- Kafka ----
    @Option(names = "--bootstrap-servers", description = "Kafka brokers, e.g. kafka:9092 (Kafka mode).")
    public String bootstrapServers;

    @Option(names = "--input-topic", description = "Topic of images to moderate (default ${DEFAULT-VALUE}).")
    public String inputTopic = "images";

    @Option(names = "--flagged-topic", description = "Topic for flagged images' decisions (default ${DEFAULT-VALUE}).")
    public String flaggedTopic = "moderation-flagged";

    @Option(names = "--audit-topic", description = "Topic for every decision (default ${DEFAULT-VALUE}).")
    public String auditTopic = "moderation-audit";

    @Option(names = "--group-id", description = "Consumer group (default ${DEFAULT-VALUE}).")
    public String groupId = "cumo-moderation";

    @Option(names = "--transactional-id-prefix", description = "Prefix of the Kafka transactional ids; unique per job on a cluster (default ${DEFAULT-VALUE}).")
    public String transactionalIdPrefix = "cumo-moderation";

    @Option(names = "--starting-offsets", description = "committed (the group's offsets, else earliest), earliest or latest (default ${DEFAULT-VALUE}).")
    public String startingOffsets = "committed";

    @Option(names = "--bounded", description = "Stop at the end offsets the job sees when it starts (backfills, tests).")
    public boolean bounded;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE", description = "Extra Kafka client property (e.g. security settings).")
    public Map<String, String> kafkaProperties = new LinkedHashMap<>();

    // ---- files ----
    @Option(names = "--input-dir", description = "File mode: moderate every file below this directory.")
    public String inputDir;

    @Option(names = "--output", description = "File mode: write JSON lines to OUT/audit (every decision) and OUT/flagged.")
    public String output;

    @Option(names = "--watch", converter = DurationConverter.class, description = "File mode: keep watching --input-dir for new files at this interval (e.g. 10s).")
    public Duration watch;

    @Option(names = "--skip-hidden-files",
            description = "File mode: skip files and directories whose names start with '.' or '_' (Flink's file-source"
                    + " default, e.g. for writers' in-progress files). Off by default: every file gets a decision.")
    public boolean skipHiddenFiles;

    @Option(names = "--image-base", paramLabel = "DIR",
            description = "Directory (or URI) that image_path in Kafka messages may name; repeat for several. A path"
                    + " outside every --image-base (after '..', file: URIs and symlinks) or not a regular file is flagged"
                    + " with that error. Default: none, so messages with image_path are flagged and only inline images"
                    + " are moderated.")
    public List<String> imageBases = new ArrayList<>();

    // ---- moderation ----
    @Option(names = "--categories", split = ",", description = "Categories (default safe,violence,nudity,weapons,drugs,hate).")
    public List<String> categories = new ArrayList<>(ModerationPolicy.DEFAULT_CATEGORIES);

    @Option(names = "--safe-label", description = "The category that means no problem (default ${DEFAULT-VALUE}).")
    public String safeLabel = "safe";

    @Option(names = "--threshold", description = "Flag when P(safe) is below this, even if safe is the most likely category (default ${DEFAULT-VALUE}).")
    public double threshold = 0.5;

    @Option(names = "--question", description = "The question whose answer is scored (default: one listing the categories).")
    public String question;

    // ---- runtime ----
    @Option(names = "--checkpoint-interval", converter = DurationConverter.class,
            description = "Checkpoint (and Kafka commit) interval (default 10s).")
    public Duration checkpointInterval = Duration.ofSeconds(10);

    @Mixin
    public ModelFlags model = new ModelFlags();


    @Option(names = "--parallelism", description = "Subtasks (bin/cumo: default 1; flink run: the cluster's default).")
    public Integer parallelism;

    @Option(names = "--max-batch-size", description = "Images per forward pass (default ${DEFAULT-VALUE}).")
    public int maxBatchSize = CumoRuntimeOptions.MAX_BATCH_SIZE.defaultValue();

    @Option(names = "--option", paramLabel = "KEY=VALUE", description = "Any other CuMo option, e.g. --option max-batch-wait=50ms.")
    public Map<String, String> options = new LinkedHashMap<>();

    /** True for the file variant. */
    public boolean fileMode() {
        return inputDir != null;
    }

    /** The policy these options describe. */
    public ModerationPolicy policy() {
        return new ModerationPolicy(categories, safeLabel, threshold, question);
    }

    /**
     * The CuMo settings for {@code modelPath}, parsed once.
     *
     * @throws IllegalArgumentException listing every invalid option
     */
    public CumoSettings settings(String modelPath) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put(CumoRuntimeOptions.MODEL_PATH.key(), modelPath);
        o.put(CumoRuntimeOptions.DEVICE.key(), model.device.toString());
        o.put(CumoRuntimeOptions.PRECISION.key(), model.precision.name());
        o.put(CumoRuntimeOptions.MAX_BATCH_SIZE.key(), Integer.toString(maxBatchSize));
        if (!imageBases.isEmpty()) {
            o.put(CumoRuntimeOptions.IMAGE_BASE.key(), String.join(";", imageBases));
        }
        o.putAll(options);
        return CumoRuntimeOptions.settings(o);
    }

    /** Checks that exactly one mode is fully given. */
    public void validate() {
        if (fileMode()) {
            if (output == null) {
                throw new IllegalArgumentException("--input-dir needs --output");
            }
            if (bootstrapServers != null) {
                throw new IllegalArgumentException("give either --bootstrap-servers (Kafka) or --input-dir (files), not both");
            }
        } else if (bootstrapServers == null) {
            throw new IllegalArgumentException("give --bootstrap-servers (Kafka mode) or --input-dir and --output (file mode)");
        }
        if (!List.of("committed", "earliest", "latest").contains(startingOffsets)) {
            throw new IllegalArgumentException("--starting-offsets must be committed, earliest or latest, got " + startingOffsets);
        }
        policy();
    }
}
