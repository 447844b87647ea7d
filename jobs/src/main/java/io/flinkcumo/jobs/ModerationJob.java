package io.flinkcumo.jobs;

import io.flinkcumo.runtime.core.CumoSettings;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.enumerate.NonSplittingRecursiveEnumerator;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import picocli.CommandLine;

/**
 * Streaming image moderation: images from Kafka (or a directory), one decision per image over a
 * configurable category set by CuMo's label likelihoods ({@link ModerationPolicy}), flagged
 * decisions to one topic, every decision to an audit topic, exactly once.
 *
 * <p>Exactly-once: Kafka offsets are part of Flink's checkpoints, in-flight async requests are
 * checkpointed and replayed, and both sinks write in Kafka transactions
 * ({@link DeliveryGuarantee#EXACTLY_ONCE}) committed when a checkpoint completes, so a {@code
 * read_committed} consumer sees each decision once even across failures. Scoring is
 * deterministic, so a replayed image gets the same decision. Transactions must outlive a
 * checkpoint interval plus recovery: {@code transaction.timeout.ms} is 15 minutes (the broker's
 * default {@code transaction.max.timeout.ms}).
 *
 * <p>File mode ({@code --input-dir}, {@code --output}) reads every file of a directory as an image
 * and writes JSON lines (one {@link ModerationDecision#toJson()} per line) to {@code OUT/audit} and
 * {@code OUT/flagged}: once in batch mode, or continuously with {@code --watch}.
 *
 * <p>Wire formats: {@link ModerationMessages}.
 */
public final class ModerationJob {

    /** Marks an output directory of the file variant. */
    public static final String MARKER = "_cumo_moderate.json";

    private ModerationJob() {}

    /**
     * Adds the moderation pipeline to {@code env}.
     *
     * @param modelPath the CuMo checkpoint directory
     * @param beforeModel applied to the input stream before the model (identity normally; tests
     *     inject failures here)
     */
    public static void build(
            StreamExecutionEnvironment env, ModerationOptions options, String modelPath, UnaryOperator<DataStream<ModerationInput>> beforeModel) {
        options.validate();
        CumoSettings cumo = options.settings(modelPath);
        if (options.parallelism != null) {
            env.setParallelism(options.parallelism);
        }
        boolean streaming = !options.fileMode() || options.watch != null;
        env.setRuntimeMode(streaming ? RuntimeExecutionMode.STREAMING : RuntimeExecutionMode.BATCH);
        if (streaming) {
            env.enableCheckpointing(options.checkpointInterval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
        }

        DataStream<ModerationInput> inputs = options.fileMode() ? fileSource(env, options, cumo) : kafkaSource(env, options);
        DataStream<ModerationDecision> decisions = AsyncDataStream.orderedWait(
                        beforeModel.apply(inputs),
                        new ModerationFunction(cumo, options.policy()),
                        cumo.operatorTimeout().toMillis(), TimeUnit.MILLISECONDS,
                        cumo.operatorCapacity())
                .name("cumo moderation")
                .uid("cumo-moderation")
                .map(new ProgressCounter<ModerationDecision>(d -> d.error != null))
                .name("progress")
                .uid("progress");
        DataStream<ModerationDecision> flagged = decisions.filter(d -> d.flagged).name("flagged").uid("flagged");

        if (options.fileMode()) {
            Path out = ParquetImageInput.absolute(options.output);
            if (options.watch == null) {
                prepareOutput(out, options, modelPath);
            }
            decisions.map(ModerationDecision::toJson).name("to json").uid("audit-json")
                    .sinkTo(jsonLines(new Path(out, "audit"))).name("audit files").uid("audit-files");
            flagged.map(ModerationDecision::toJson).name("to json").uid("flagged-json")
                    .sinkTo(jsonLines(new Path(out, "flagged"))).name("flagged files").uid("flagged-files");
        } else {
            decisions.sinkTo(kafkaSink(options, options.auditTopic, "audit")).name("audit topic").uid("audit-topic");
            flagged.sinkTo(kafkaSink(options, options.flaggedTopic, "flagged")).name("flagged topic").uid("flagged-topic");
        }
    }

    /** A one-shot file run replaces an earlier run's output (the marker file) and refuses other content. */
    private static void prepareOutput(Path out, ModerationOptions options, String modelPath) {
        Map<String, String> description = new java.util.LinkedHashMap<>();
        description.put("input", options.inputDir);
        description.put("categories", String.join(",", options.policy().categories()));
        description.put("model", modelPath);
        try {
            CaptionFiles.prepare(out, MARKER, "cumo moderate", description);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot prepare output directory " + out, e);
        }
    }

    private static DataStream<ModerationInput> kafkaSource(StreamExecutionEnvironment env, ModerationOptions options) {
        OffsetsInitializer start = switch (options.startingOffsets) {
            case "earliest" -> OffsetsInitializer.earliest();
            case "latest" -> OffsetsInitializer.latest();
            default -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
        KafkaSourceBuilder<ModerationInput> builder = KafkaSource.<ModerationInput>builder()
                .setBootstrapServers(options.bootstrapServers)
                .setTopics(options.inputTopic)
                .setGroupId(options.groupId)
                .setStartingOffsets(start)
                .setDeserializer(new ModerationMessages.Deserializer())
                // images are large: fetch few records at a time
                .setProperty("max.poll.records", "64")
                .setProperty("isolation.level", "read_committed");
        options.kafkaProperties.forEach(builder::setProperty);
        if (options.bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return env.fromSource(builder.build(), WatermarkStrategy.noWatermarks(), "kafka " + options.inputTopic).uid("kafka-source");
    }

    private static KafkaSink<ModerationDecision> kafkaSink(ModerationOptions options, String topic, String name) {
        var builder = KafkaSink.<ModerationDecision>builder()
                .setBootstrapServers(options.bootstrapServers)
                .setRecordSerializer(new ModerationMessages.Serializer(topic))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(options.transactionalIdPrefix + "-" + name)
                .setProperty("transaction.timeout.ms", Long.toString(Duration.ofMinutes(15).toMillis()));
        options.kafkaProperties.forEach(builder::setProperty);
        return builder.build();
    }

    private static DataStream<ModerationInput> fileSource(
            StreamExecutionEnvironment env, ModerationOptions options, CumoSettings cumo) {
        Path dir = ParquetImageInput.absolute(options.inputDir);
        requireInputDir(dir, options);
        FileSource.FileSourceBuilder<ModerationInput> builder = FileSource.forBulkFileFormat(
                new ImageFileFormat(dir, cumo.maxImageBytes()), dir);
        if (!options.skipHiddenFiles) {
            // Flink skips names starting with '.' or '_' by default: a moderation job must decide every file
            builder.setFileEnumerator(() -> new NonSplittingRecursiveEnumerator(path -> true));
        }
        if (options.watch != null) {
            builder.monitorContinuously(options.watch);
        }
        return env.fromSource(builder.build(), WatermarkStrategy.noWatermarks(), "files " + options.inputDir).uid("file-source");
    }

    /** The input directory exists and, for a one-shot run, holds at least one file: else one clear line. */
    private static void requireInputDir(Path dir, ModerationOptions options) {
        try {
            org.apache.flink.core.fs.FileSystem fs = dir.getFileSystem();
            if (!fs.exists(dir) || !fs.getFileStatus(dir).isDir()) {
                throw new IllegalArgumentException("--input-dir " + options.inputDir + " does not exist or is not a directory");
            }
            org.apache.flink.core.fs.FileStatus[] children = fs.listStatus(dir);
            if (options.watch == null && (children == null || children.length == 0)) {
                throw new IllegalArgumentException("--input-dir " + options.inputDir + " is empty: there is nothing to moderate");
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot list --input-dir " + options.inputDir + ": " + e.getMessage(), e);
        }
    }

    private static FileSink<String> jsonLines(Path dir) {
        return FileSink.forRowFormat(dir, new SimpleStringEncoder<String>())
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .withOutputFileConfig(OutputFileConfig.builder().withPartPrefix("decisions").withPartSuffix(".jsonl").build())
                .build();
    }

    /** {@code flink run -c io.flinkcumo.jobs.ModerationJob <job jar> --bootstrap-servers ... --model ...}. */
    public static void main(String[] args) throws Exception {
        ModerationOptions options = new ModerationOptions();
        CommandLine cli = new CommandLine(options).setCommandName("ModerationJob").setCaseInsensitiveEnumValuesAllowed(true)
                .setExpandAtFiles(false);
        try {
            cli.parseArgs(args);
            if (options.model.path == null) {
                throw new IllegalArgumentException("--model is required: a CuMo checkpoint directory readable on every TaskManager");
            }
            options.validate();
        } catch (CommandLine.ParameterException | IllegalArgumentException e) {
            System.err.println(e.getMessage());
            cli.usage(System.err);
            System.exit(2);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, options, options.model.path, UnaryOperator.identity());
        env.execute("cumo moderation " + (options.fileMode() ? options.inputDir : options.inputTopic));
    }
}
