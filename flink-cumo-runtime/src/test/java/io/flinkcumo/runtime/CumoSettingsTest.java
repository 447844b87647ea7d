package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.BatcherConfig;
import io.flinkcumo.runtime.core.CumoService;
import io.flinkcumo.runtime.core.CumoSettings;
import io.flinkcumo.runtime.core.DeviceSpec;
import io.flinkcumo.runtime.core.ErrorHandling;
import io.flinkcumo.runtime.core.ModelKey;
import io.flinkcumo.runtime.core.ServingConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkcumo.engine.Precision;
import io.flinkcumo.engine.text.Conversation;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;
import org.junit.jupiter.api.Test;

/**
 * The settings record the options are parsed into once: every option lands in it with its
 * ConfigOption default, it survives Java serialization (the way it travels to the TaskManagers),
 * and bad options are refused with every problem in one line.
 */
class CumoSettingsTest {

    /** Where each optional option lands in the settings, as the option's own type. */
    private static final Map<ConfigOption<?>, Function<CumoSettings, Object>> FIELDS = fields();

    private static Map<ConfigOption<?>, Function<CumoSettings, Object>> fields() {
        Map<ConfigOption<?>, Function<CumoSettings, Object>> f = new LinkedHashMap<>();
        f.put(CumoRuntimeOptions.DEVICE, s -> s.device().toString());
        f.put(CumoRuntimeOptions.PRECISION, CumoSettings::precision);
        f.put(CumoRuntimeOptions.MAX_BATCH_SIZE, s -> s.batcher().maxBatchSize());
        f.put(CumoRuntimeOptions.MAX_BATCH_WAIT, s -> s.batcher().maxBatchWait());
        f.put(CumoRuntimeOptions.QUEUE_CAPACITY, s -> s.batcher().queueCapacity());
        f.put(CumoRuntimeOptions.TIMEOUT, s -> s.batcher().requestTimeout());
        f.put(CumoRuntimeOptions.SCHEDULER, s -> s.serving().scheduler());
        f.put(CumoRuntimeOptions.VISION_CACHE_SIZE, s -> new MemorySize(s.serving().visionCacheBytes()));
        f.put(CumoRuntimeOptions.SHARED_PREFIX, s -> s.serving().sharedPrefix());
        f.put(CumoRuntimeOptions.KV_CACHE_SIZE, s -> new MemorySize(s.serving().kvCacheBytes()));
        f.put(CumoRuntimeOptions.MAX_PREFILL_POSITIONS, s -> s.serving().maxPrefillPositions());
        f.put(CumoRuntimeOptions.PREFILL_CHUNK_SIZE, s -> s.serving().prefillChunkSize());
        f.put(CumoRuntimeOptions.MAX_NEW_TOKENS, s -> s.generation().maxNewTokens());
        f.put(CumoRuntimeOptions.TEMPERATURE, s -> s.generation().temperature());
        f.put(CumoRuntimeOptions.TOP_P, s -> s.generation().topP());
        f.put(CumoRuntimeOptions.TOP_K, s -> s.generation().topK());
        f.put(CumoRuntimeOptions.SEED, s -> s.generation().seed());
        f.put(CumoRuntimeOptions.PROMPT_TEMPLATE, s -> s.template().templateName());
        f.put(CumoRuntimeOptions.CAPTION_PROMPT, CumoSettings::captionPrompt);
        f.put(CumoRuntimeOptions.MAX_IMAGE_PIXELS, CumoSettings::maxImagePixels);
        f.put(CumoRuntimeOptions.MAX_IMAGE_BYTES, s -> new MemorySize(s.maxImageBytes()));
        f.put(CumoRuntimeOptions.IMAGE_BASE, CumoSettings::imageBase);
        f.put(CumoRuntimeOptions.RETRIES, CumoSettings::retries);
        f.put(CumoRuntimeOptions.ERROR_HANDLING, CumoSettings::errorHandling);
        return f;
    }

    @Test
    void everyOptionsDefaultIsItsConfigOptionDefault() {
        CumoSettings settings = CumoRuntimeOptions.settings(Map.of("model-path", "/models/cumo"));

        assertThat(FIELDS.keySet()).as("every optional option lands in the settings")
                .containsExactlyInAnyOrderElementsOf(CumoRuntimeOptions.optionalOptions());
        FIELDS.forEach((option, field) ->
                assertThat(field.apply(settings)).as(option.key()).isEqualTo(option.defaultValue()));
        assertThat(settings.modelPath()).isEqualTo("/models/cumo");
        assertThat(settings.batcher()).isEqualTo(CumoRuntimeOptions.defaultBatcher("auto"));
        assertThat(settings.serving()).isEqualTo(CumoRuntimeOptions.defaultServing());
    }

    @Test
    void everyOptionLandsInItsSetting() {
        CumoSettings settings = CumoRuntimeOptions.settings(nonDefaults());
        assertThat(settings.device()).isEqualTo(DeviceSpec.cuda(1));
        assertThat(settings.precision()).isEqualTo(Precision.BF16);
        assertThat(settings.batcher()).isEqualTo(
                new BatcherConfig("cuda:1", 3, Duration.ofMillis(7), 11, Duration.ofSeconds(90)));
        assertThat(settings.serving()).isEqualTo(
                new ServingConfig(ServingConfig.Scheduler.STATIC, 1L << 20, false, 2L << 20, 100, 7));
        assertThat(settings.generation().maxNewTokens()).isEqualTo(5);
        assertThat(settings.generation().temperature()).isEqualTo(0.5f);
        assertThat(settings.generation().topP()).isEqualTo(0.9f);
        assertThat(settings.generation().topK()).isEqualTo(4);
        assertThat(settings.generation().seed()).isEqualTo(42L);
        assertThat(settings.template()).isEqualTo(Conversation.Template.MISTRAL_INSTRUCT);
        assertThat(settings.captionPrompt()).isEqualTo("What is this?");
        assertThat(settings.imageLimits().maxPixels()).isEqualTo(1000);
        assertThat(settings.imageLimits().maxBytes()).isEqualTo(2048);
        assertThat(settings.imageBase()).containsExactly("/data/a", "s3://bucket/b");
        assertThat(settings.retries()).isEqualTo(2);
        assertThat(settings.errorHandling()).isEqualTo(ErrorHandling.ERROR_COLUMN);
        FIELDS.forEach((option, field) ->
                assertThat(field.apply(settings)).as(option.key() + " is not its default")
                        .isNotEqualTo(option.defaultValue()));
    }

    @Test
    void settingsSurviveJavaSerialization() throws Exception {
        CumoSettings settings = CumoRuntimeOptions.settings(nonDefaults());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(settings);
        }
        Object copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = in.readObject();
        }
        assertThat(copy).isEqualTo(settings).isNotSameAs(settings);
        CumoSettings defaults = CumoRuntimeOptions.settings(Map.of("model-path", "/models/cumo"));
        assertThat(org.apache.flink.util.InstantiationUtil.clone(defaults)).isEqualTo(defaults);
    }

    @Test
    void badOptionsAreRefusedWithEveryProblemInOneLine() {
        assertThatThrownBy(() -> CumoRuntimeOptions.settings(Map.of(
                        "max-batch-size", "0", "prompt-template", "llama", "max-image-pixels", "3000000000")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Invalid CuMo options: ")
                .hasMessageContaining("model-path is required")
                .hasMessageContaining("max-batch-size must be >= 1, got 0")
                .hasMessageContaining("unknown prompt template 'llama'")
                .hasMessageContaining("max-image-pixels must be <= ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void theSpecResolvesTheDeviceAndChecksTheModelDirectoryWhereItRuns() {
        CumoSettings settings = CumoRuntimeOptions.settings(Map.of("model-path", "/no/such/model", "max-batch-size", "3"));
        assertThatThrownBy(() -> settings.spec(DeviceSpec.CPU))
                .hasMessage("model-path '/no/such/model' is not a directory on this machine; it must be a CuMo"
                        + " checkpoint directory readable on every TaskManager");

        CumoSettings real = CumoRuntimeOptions.settings(Map.of(
                "model-path", CumoTestData.modelDir().toString(), "max-batch-size", "3", "precision", "auto"));
        CumoService.Spec spec = real.spec(DeviceSpec.CPU);
        assertThat(spec.batcher().name()).as("named after the resolved device").isEqualTo("cpu");
        assertThat(spec.batcher().maxBatchSize()).isEqualTo(3);
        assertThat(spec.key()).isEqualTo(new ModelKey(CumoTestData.modelDir().toString(), "cpu", "fp32"));
        assertThat(spec.sharedSettings()).containsExactly(real.imageLimits(), spec.batcher(), real.serving());
    }

    @Test
    void theAsyncOperatorOutwaitsEveryAttempt() {
        CumoSettings settings = CumoRuntimeOptions.settings(Map.of(
                "model-path", "/m", "timeout", "2 min", "retries", "2", "max-batch-size", "5"));
        assertThat(settings.operatorTimeout()).isEqualTo(Duration.ofMinutes(7));
        assertThat(settings.operatorCapacity()).isEqualTo(10);
        assertThat(settings.withErrorHandling(ErrorHandling.NULL).errorHandling()).isEqualTo(ErrorHandling.NULL);
        assertThat(settings.withImageBase(List.of("/x")).imageBase()).containsExactly("/x");
    }

    private static Map<String, String> nonDefaults() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("model-path", "/models/cumo");
        o.put("device", "cuda:1");
        o.put("precision", "bf16");
        o.put("max-batch-size", "3");
        o.put("max-batch-wait", "7 ms");
        o.put("queue-capacity", "11");
        o.put("timeout", "90 s");
        o.put("scheduler", "static");
        o.put("vision-cache-size", "1 mb");
        o.put("shared-prefix", "false");
        o.put("kv-cache-size", "2 mb");
        o.put("max-prefill-positions", "100");
        o.put("prefill-chunk-size", "7");
        o.put("max-new-tokens", "5");
        o.put("temperature", "0.5");
        o.put("top-p", "0.9");
        o.put("top-k", "4");
        o.put("seed", "42");
        o.put("prompt-template", "mistral_instruct");
        o.put("caption-prompt", "What is this?");
        o.put("max-image-pixels", "1000");
        o.put("max-image-bytes", "2 kb");
        o.put("image-base", "/data/a;s3://bucket/b");
        o.put("retries", "2");
        o.put("error-handling", "error-column");
        return o;
    }
}
