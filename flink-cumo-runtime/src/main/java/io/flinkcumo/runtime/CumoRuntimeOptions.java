package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.BatcherConfig;
import io.flinkcumo.runtime.core.CumoSettings;
import io.flinkcumo.runtime.core.DeviceSpec;
import io.flinkcumo.runtime.core.ErrorHandling;
import io.flinkcumo.runtime.core.Requirements;
import io.flinkcumo.runtime.core.ServingConfig;

import static io.flinkcumo.runtime.core.Requirements.atLeast;
import static io.flinkcumo.runtime.core.Requirements.notNegative;
import static io.flinkcumo.runtime.core.Requirements.positive;

import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.Precision;
import io.flinkcumo.engine.image.ImageDecoder;
import io.flinkcumo.engine.text.Conversation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The options of the CuMo model, as written in {@code CREATE MODEL ... WITH (...)}, {@code LOAD
 * MODULE cumo WITH (...)}, the table configuration, job parameters or a job's command line. Each
 * option and its default is declared here once; {@link #settings} parses and validates them all,
 * once, into the {@link CumoSettings} that travel to the TaskManagers.
 */
public final class CumoRuntimeOptions {

    /** Pillow's {@code Image.MAX_IMAGE_PIXELS}: larger images are refused as decompression bombs. */
    public static final long PILLOW_MAX_IMAGE_PIXELS = 89_478_485L;

    public static final ConfigOption<String> MODEL_PATH =
            ConfigOptions.key("model-path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Required. Directory of the CuMo checkpoint (config.json, safetensors weights and"
                                    + " tokenizer), readable on every TaskManager.");

    public static final ConfigOption<String> DEVICE =
            ConfigOptions.key("device")
                    .stringType()
                    .defaultValue("auto")
                    .withDescription(
                            "Where the model runs: 'cpu', 'cuda:N', or 'auto', which picks one of the GPUs"
                                    + " Flink assigned to the TaskManager (external resource 'gpu') by subtask"
                                    + " index, or the CPU when there are none.");

    public static final ConfigOption<Precision> PRECISION =
            ConfigOptions.key("precision")
                    .enumType(Precision.class)
                    .defaultValue(Precision.AUTO)
                    .withDescription(
                            "Weight and activation precision: 'fp32', 'fp16', 'int8' (weight-only: Linear weights"
                                    + " int8 with per-output-channel scales, float32 compute, a quarter of the fp32"
                                    + " weight memory), 'bf16' (Linear weights and their matmuls in bfloat16, float32"
                                    + " elsewhere: half the fp32 weight memory, fast on CPUs with avx512_bf16 or AMX), or"
                                    + " 'auto' (fp16 on CUDA, fp32 on the CPU).");

    public static final ConfigOption<Integer> MAX_BATCH_SIZE =
            ConfigOptions.key("max-batch-size")
                    .intType()
                    .defaultValue(8)
                    .withDescription(
                            "Most requests run together in one forward pass; a batch runs as soon as this many"
                                    + " are queued.");

    public static final ConfigOption<Duration> MAX_BATCH_WAIT =
            ConfigOptions.key("max-batch-wait")
                    .durationType()
                    .defaultValue(Duration.ofMillis(20))
                    .withDescription(
                            "Longest time a request waits for others to fill its batch; bounds the latency"
                                    + " added by batching.");

    public static final ConfigOption<ServingConfig.Scheduler> SCHEDULER =
            ConfigOptions.key("scheduler")
                    .enumType(ServingConfig.Scheduler.class)
                    .defaultValue(ServingConfig.Scheduler.ITERATION)
                    .withDescription(
                            "How the shared model service batches: 'iteration' (default) decodes the running"
                                    + " requests together one token at a time, lets a finished request leave at once"
                                    + " and admits waiting ones between steps (up to max-batch-size running and"
                                    + " kv-cache-size); 'static' runs vision, prefill and the whole decode of a batch"
                                    + " before the next batch starts, without vision-cache or prefix reuse.");

    public static final ConfigOption<MemorySize> VISION_CACHE_SIZE =
            ConfigOptions.key("vision-cache-size")
                    .memoryType()
                    .defaultValue(MemorySize.ofMebiBytes(256))
                    .withDescription(
                            "Bytes of projected image features kept per model and TaskManager (shared by all"
                                    + " subtasks), keyed by the SHA-256 of the decoded pixels; a repeated image skips"
                                    + " the vision tower and projector. Least recently used images are evicted; 0"
                                    + " turns the cache off. CuMo-7B: 576 x 4096 x 2 bytes = 4.5 MiB per image in"
                                    + " fp16.");

    public static final ConfigOption<Boolean> SHARED_PREFIX =
            ConfigOptions.key("shared-prefix")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Compute the key/value cache of the prompt prefix before the first image (system"
                                    + " prompt and template) once per model and copy it into every request instead of"
                                    + " prefilling it again (scheduler 'iteration').");

    public static final ConfigOption<MemorySize> KV_CACHE_SIZE =
            ConfigOptions.key("kv-cache-size")
                    .memoryType()
                    .defaultValue(MemorySize.ofMebiBytes(4096))
                    .withDescription(
                            "Most key/value-cache memory the running requests may take (scheduler 'iteration'):"
                                    + " a waiting request joins only if the running batch, it included, fits. CuMo-7B"
                                    + " in fp16 needs 128 KiB per position, about 90 MiB per request.");

    public static final ConfigOption<Integer> MAX_PREFILL_POSITIONS =
            ConfigOptions.key("max-prefill-positions")
                    .intType()
                    .defaultValue(4096)
                    .withDescription(
                            "While requests decode (scheduler 'iteration'), a group of waiting requests joins"
                                    + " between two decode steps only if its prompts fill at most this many positions"
                                    + " after splicing the image rows (its first request always joins): bounds how long"
                                    + " an admission's vision and prefill stall the running requests. CuMo-7B: about"
                                    + " 640 positions per single-image request.");

    public static final ConfigOption<Integer> PREFILL_CHUNK_SIZE =
            ConfigOptions.key("prefill-chunk-size")
                    .intType()
                    .defaultValue(256)
                    .withDescription(
                            "Chunked prefill (scheduler 'iteration'): a prompt whose prefill exceeds this many"
                                    + " positions after splicing the image rows (and after a reused shared prefix) is"
                                    + " prefilled in chunks of at most this many, and the running requests decode one"
                                    + " step between two chunks, so a long prompt stalls decoding for at most one chunk"
                                    + " (plus its vision, before its first chunk). Outputs are unchanged. 0 prefills"
                                    + " every prompt whole. CuMo-7B: about 640 positions per single-image request.");

    public static final ConfigOption<Integer> QUEUE_CAPACITY =
            ConfigOptions.key("queue-capacity")
                    .intType()
                    .defaultValue(256)
                    .withDescription(
                            "Most requests waiting for the model per device; when full, callers block, which"
                                    + " back-pressures the job.");

    public static final ConfigOption<Integer> MAX_NEW_TOKENS =
            ConfigOptions.key("max-new-tokens")
                    .intType()
                    .defaultValue(64)
                    .withDescription("Most tokens generated per answer.");

    public static final ConfigOption<Float> TEMPERATURE =
            ConfigOptions.key("temperature")
                    .floatType()
                    .defaultValue(0f)
                    .withDescription(
                            "Sampling temperature; 0 means greedy decoding, which makes answers deterministic"
                                    + " and therefore safe to replay after a failover.");

    public static final ConfigOption<Float> TOP_P =
            ConfigOptions.key("top-p")
                    .floatType()
                    .defaultValue(1f)
                    .withDescription("Nucleus sampling: keep the smallest token set with this total"
                            + " probability, in (0, 1]; 1 keeps all.");

    public static final ConfigOption<Integer> TOP_K =
            ConfigOptions.key("top-k")
                    .intType()
                    .defaultValue(0)
                    .withDescription("Sample only from the k most likely tokens; 0 turns this off.");

    public static final ConfigOption<Long> SEED =
            ConfigOptions.key("seed")
                    .longType()
                    .defaultValue(0L)
                    .withDescription("Random seed for sampling, so that sampled answers can be reproduced.");

    public static final ConfigOption<String> PROMPT_TEMPLATE =
            ConfigOptions.key("prompt-template")
                    .stringType()
                    .defaultValue("mistral_instruct_system")
                    .withDescription("Conversation template that wraps the image and the question.");

    public static final ConfigOption<String> CAPTION_PROMPT =
            ConfigOptions.key("caption-prompt")
                    .stringType()
                    .defaultValue("Describe the image in one sentence.")
                    .withDescription("The question cumo_caption(image) and a model with only an image input ask.");

    public static final ConfigOption<Long> MAX_IMAGE_PIXELS =
            ConfigOptions.key("max-image-pixels")
                    .longType()
                    .defaultValue(PILLOW_MAX_IMAGE_PIXELS)
                    .withDescription(
                            "Images with more pixels (width x height, read from the header before decoding)"
                                    + " are refused, as Pillow does, to stop decompression bombs.");

    public static final ConfigOption<MemorySize> MAX_IMAGE_BYTES =
            ConfigOptions.key("max-image-bytes")
                    .memoryType()
                    .defaultValue(MemorySize.ofMebiBytes(32))
                    .withDescription("Encoded images larger than this are refused, e.g. '32 mb'.");

    public static final ConfigOption<List<String>> IMAGE_BASE =
            ConfigOptions.key("image-base")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "Directories (or URIs such as s3://bucket/images) that image paths in data may be read"
                                    + " from, separated by ';'; relative paths resolve against the first. A path must"
                                    + " lie under one of them after resolving '..', file: URIs and symlinks, and must"
                                    + " be a regular file; anything else fails that row with an error naming the"
                                    + " rule. Empty (the default): image paths are refused and only image bytes are used.");

    public static final ConfigOption<Duration> TIMEOUT =
            ConfigOptions.key("timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription(
                            "A request not answered this long after it was submitted, queued or running, fails"
                                    + " with a timeout. Keep it well below the checkpoint timeout.");

    public static final ConfigOption<Integer> RETRIES =
            ConfigOptions.key("retries")
                    .intType()
                    .defaultValue(0)
                    .withDescription("How often a failed request is retried before error-handling applies.");

    public static final ConfigOption<ErrorHandling> ERROR_HANDLING =
            ConfigOptions.key("error-handling")
                    .enumType(ErrorHandling.class)
                    .defaultValue(ErrorHandling.FAIL)
                    .withDescription(
                            "What a request that still fails after its retries does: 'fail' fails the job,"
                                    + " 'null' emits NULL, 'error-column' emits NULL and the error message in an"
                                    + " extra column. A bad input (an undecodable image) fails the same way every"
                                    + " time, so with 'fail' a restart replays it forever.");

    private CumoRuntimeOptions() {}

    /** Options without a default that must be set. */
    public static Set<ConfigOption<?>> requiredOptions() {
        return Set.of(MODEL_PATH);
    }

    /** Options with a default. */
    public static Set<ConfigOption<?>> optionalOptions() {
        return Set.of(
                DEVICE, PRECISION, MAX_BATCH_SIZE, MAX_BATCH_WAIT, QUEUE_CAPACITY, MAX_NEW_TOKENS,
                TEMPERATURE, TOP_P, TOP_K, SEED, PROMPT_TEMPLATE, CAPTION_PROMPT, MAX_IMAGE_PIXELS,
                MAX_IMAGE_BYTES, IMAGE_BASE, TIMEOUT, RETRIES, ERROR_HANDLING, SCHEDULER, VISION_CACHE_SIZE,
                SHARED_PREFIX, KV_CACHE_SIZE, MAX_PREFILL_POSITIONS, PREFILL_CHUNK_SIZE);
    }

    /**
     * Checks every option and reports all problems at once.
     *
     * @throws IllegalArgumentException listing each problem, e.g. {@code max-batch-size must be >= 1,
     *     got 0}
     */
    public static void validate(ReadableConfig config) {
        List<String> problems = problems(config);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "Invalid CuMo options: " + String.join("; ", problems));
        }
    }

    /** Every problem with the options, empty if they are valid. */
    public static List<String> problems(ReadableConfig config) {
        Checker check = new Checker(config);
        check.value(MODEL_PATH, path -> path == null || path.isBlank()
                ? "model-path is required (the CuMo checkpoint directory)"
                : null);
        check.value(DEVICE, device -> {
            try {
                DeviceSpec.parse(device);
                return null;
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        });
        check.value(PRECISION, precision -> null);
        check.value(MAX_BATCH_SIZE, size -> atLeast(MAX_BATCH_SIZE.key(), size, 1));
        check.value(MAX_BATCH_WAIT, wait -> notNegative(MAX_BATCH_WAIT.key(), wait));
        check.value(QUEUE_CAPACITY, capacity -> atLeast(QUEUE_CAPACITY.key(), capacity, 1));
        check.value(MAX_NEW_TOKENS, tokens -> atLeast(MAX_NEW_TOKENS.key(), tokens, 1));
        check.value(TEMPERATURE, t -> Float.isFinite(t) && t >= 0
                ? null
                : "temperature must be >= 0 (0 = greedy), got " + t);
        check.value(TOP_P, p -> Float.isFinite(p) && p > 0 && p <= 1
                ? null
                : "top-p must be in (0, 1], got " + p);
        check.value(TOP_K, k -> atLeast(TOP_K.key(), k, 0));
        check.value(SEED, seed -> null);
        check.value(PROMPT_TEMPLATE, template -> {
            if (template.isBlank()) {
                return "prompt-template must not be blank";
            }
            try {
                Conversation.Template.byName(template);
                return null;
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        });
        check.value(CAPTION_PROMPT, prompt -> prompt.isBlank()
                ? "caption-prompt must not be blank"
                : null);
        check.value(MAX_IMAGE_PIXELS, pixels -> pixels > ImageDecoder.Limits.MAX_RGB_PIXELS
                ? "max-image-pixels must be <= " + ImageDecoder.Limits.MAX_RGB_PIXELS + ", got " + pixels
                : atLeast(MAX_IMAGE_PIXELS.key(), pixels, 1));
        check.value(MAX_IMAGE_BYTES, bytes -> atLeast(MAX_IMAGE_BYTES.key(), bytes.getBytes(), 1));
        check.value(IMAGE_BASE, bases -> bases != null && bases.stream().anyMatch(b -> b == null || b.isBlank())
                ? "image-base must list non-blank directories separated by ';', got " + bases
                : null);
        check.value(TIMEOUT, timeout -> positive(TIMEOUT.key(), timeout));
        check.value(RETRIES, retries -> atLeast(RETRIES.key(), retries, 0));
        check.value(ERROR_HANDLING, handling -> null);
        check.value(SCHEDULER, scheduler -> null);
        check.value(VISION_CACHE_SIZE, size -> null);
        check.value(SHARED_PREFIX, shared -> null);
        check.value(KV_CACHE_SIZE, size -> atLeast(KV_CACHE_SIZE.key(), size.getBytes(), 1));
        check.value(MAX_PREFILL_POSITIONS, positions -> atLeast(MAX_PREFILL_POSITIONS.key(), positions, 1));
        check.value(PREFILL_CHUNK_SIZE, positions -> atLeast(PREFILL_CHUNK_SIZE.key(), positions, 0));
        return check.problems;
    }

    /**
     * Parses and validates every option, once: what a job, a SQL function or a model is created
     * with, and what travels to the TaskManagers.
     *
     * @throws IllegalArgumentException listing every problem, e.g. {@code Invalid CuMo options:
     *     max-batch-size must be >= 1, got 0}
     */
    public static CumoSettings settings(ReadableConfig config) {
        validate(config);
        DeviceSpec device = DeviceSpec.parse(config.get(DEVICE));
        return new CumoSettings(
                config.get(MODEL_PATH),
                device,
                config.get(PRECISION),
                config.get(MAX_IMAGE_PIXELS),
                config.get(MAX_IMAGE_BYTES).getBytes(),
                batcherConfig(config, device),
                servingConfig(config),
                new GenerationConfig(
                        config.get(MAX_NEW_TOKENS),
                        config.get(TEMPERATURE),
                        config.get(TOP_P),
                        config.get(TOP_K),
                        config.get(SEED)),
                Conversation.Template.byName(config.get(PROMPT_TEMPLATE)),
                config.get(CAPTION_PROMPT),
                config.get(IMAGE_BASE),
                config.get(RETRIES),
                config.get(ERROR_HANDLING));
    }

    /** {@link #settings(ReadableConfig)} of options by key, e.g. {@code max-batch-size -> 16}. */
    public static CumoSettings settings(Map<String, String> options) {
        return settings(Configuration.fromMap(options));
    }

    /**
     * The batcher settings the options give (the defaults for unset ones), named after a device.
     *
     * @param config the options; not validated here
     * @param device names the dispatcher thread
     */
    public static BatcherConfig batcherConfig(ReadableConfig config, DeviceSpec device) {
        return batcherConfig(config, device.toString());
    }

    /** The batcher settings the options give (the defaults for unset ones), with a name. */
    public static BatcherConfig batcherConfig(ReadableConfig config, String name) {
        return new BatcherConfig(
                name,
                config.get(MAX_BATCH_SIZE),
                config.get(MAX_BATCH_WAIT),
                config.get(QUEUE_CAPACITY),
                config.get(TIMEOUT));
    }

    /** The batcher settings of the defaults, named {@code name}. */
    public static BatcherConfig defaultBatcher(String name) {
        return batcherConfig(new Configuration(), name);
    }

    /** The scheduler and reuse settings of the shared model service (the defaults for unset ones). */
    public static ServingConfig servingConfig(ReadableConfig config) {
        return new ServingConfig(
                config.get(SCHEDULER),
                config.get(VISION_CACHE_SIZE).getBytes(),
                config.get(SHARED_PREFIX),
                config.get(KV_CACHE_SIZE).getBytes(),
                config.get(MAX_PREFILL_POSITIONS),
                config.get(PREFILL_CHUNK_SIZE));
    }

    /** The scheduler and reuse settings of the defaults. */
    public static ServingConfig defaultServing() {
        return servingConfig(new Configuration());
    }

    /** Reads options one by one so that an unparsable value is reported like a range problem. */
    private static final class Checker {
        final List<String> problems = new ArrayList<>();
        private final ReadableConfig config;

        Checker(ReadableConfig config) {
            this.config = config;
        }

        <T> void value(ConfigOption<T> option, Function<T, String> rule) {
            try {
                Optional<T> value = config.getOptional(option);
                T effective = value.orElse(option.hasDefaultValue() ? option.defaultValue() : null);
                String problem = rule.apply(effective);
                if (problem != null) {
                    problems.add(problem);
                }
            } catch (IllegalArgumentException e) {
                problems.add(unparsable(option, e));
            }
        }

        private static String unparsable(ConfigOption<?> option, IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            if (!message.contains(option.key())) {
                message = option.key() + ": " + message;
            }
            Throwable cause = e.getCause();
            return cause == null || cause.getMessage() == null
                    ? message
                    : message + " (" + cause.getMessage() + ")";
        }
    }
}
