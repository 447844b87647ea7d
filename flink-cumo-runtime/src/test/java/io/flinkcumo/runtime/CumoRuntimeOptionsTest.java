package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.BatcherConfig;
import io.flinkcumo.runtime.core.DeviceSpec;
import io.flinkcumo.runtime.core.ErrorHandling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkcumo.engine.Precision;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.junit.jupiter.api.Test;

class CumoRuntimeOptionsTest {

    @Test
    void defaultsAreValidOnceTheModelPathIsSet() {
        Configuration config = options(Map.of());
        assertThat(CumoRuntimeOptions.problems(config)).isEmpty();
        assertThat(config.get(CumoRuntimeOptions.DEVICE)).isEqualTo("auto");
        assertThat(config.get(CumoRuntimeOptions.PRECISION)).isEqualTo(Precision.AUTO);
        assertThat(config.get(CumoRuntimeOptions.MAX_BATCH_SIZE)).isEqualTo(8);
        assertThat(config.get(CumoRuntimeOptions.MAX_BATCH_WAIT)).isEqualTo(Duration.ofMillis(20));
        assertThat(config.get(CumoRuntimeOptions.QUEUE_CAPACITY)).isEqualTo(256);
        assertThat(config.get(CumoRuntimeOptions.MAX_NEW_TOKENS)).isEqualTo(64);
        assertThat(config.get(CumoRuntimeOptions.TEMPERATURE)).isZero();
        assertThat(config.get(CumoRuntimeOptions.TOP_P)).isEqualTo(1f);
        assertThat(config.get(CumoRuntimeOptions.TOP_K)).isZero();
        assertThat(config.get(CumoRuntimeOptions.PROMPT_TEMPLATE)).isEqualTo("mistral_instruct_system");
        assertThat(config.get(CumoRuntimeOptions.CAPTION_PROMPT))
                .isEqualTo("Describe the image in one sentence.");
        assertThat(config.get(CumoRuntimeOptions.MAX_IMAGE_PIXELS)).isEqualTo(89_478_485L);
        assertThat(config.get(CumoRuntimeOptions.MAX_IMAGE_BYTES)).isEqualTo(MemorySize.ofMebiBytes(32));
        assertThat(config.get(CumoRuntimeOptions.TIMEOUT)).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.get(CumoRuntimeOptions.RETRIES)).isZero();
        assertThat(config.get(CumoRuntimeOptions.ERROR_HANDLING)).isEqualTo(ErrorHandling.FAIL);
    }

    @Test
    void theModelPathIsRequired() {
        assertThat(CumoRuntimeOptions.problems(new Configuration()))
                .containsExactly("model-path is required (the CuMo checkpoint directory)");
    }

    @Test
    void rangeProblemsNameTheOptionAndTheValue() {
        assertThat(CumoRuntimeOptions.problems(options(Map.of("max-batch-size", "0"))))
                .containsExactly("max-batch-size must be >= 1, got 0");
        assertThat(CumoRuntimeOptions.problems(options(Map.of(
                        "queue-capacity", "0",
                        "max-new-tokens", "0",
                        "temperature", "-0.5",
                        "top-p", "0",
                        "top-k", "-1",
                        "timeout", "0 s",
                        "retries", "-2",
                        "max-image-pixels", "0",
                        "prompt-template", " "))))
                .containsExactlyInAnyOrder(
                        "queue-capacity must be >= 1, got 0",
                        "max-new-tokens must be >= 1, got 0",
                        "temperature must be >= 0 (0 = greedy), got -0.5",
                        "top-p must be in (0, 1], got 0.0",
                        "top-k must be >= 0, got -1",
                        "timeout must be > 0, got 0 ms",
                        "retries must be >= 0, got -2",
                        "max-image-pixels must be >= 1, got 0",
                        "prompt-template must not be blank");
    }

    @Test
    void validateReportsEveryProblemAtOnce() {
        assertThatThrownBy(() -> CumoRuntimeOptions.validate(
                        new Configuration(Configuration.fromMap(Map.of("max-batch-size", "0")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Invalid CuMo options: model-path is required (the CuMo checkpoint directory);"
                        + " max-batch-size must be >= 1, got 0");
    }

    @Test
    void unparsableValuesAreReportedWithTheirKey() {
        List<String> problems = CumoRuntimeOptions.problems(options(Map.of(
                        "max-batch-size", "eight",
                        "error-handling", "ignore",
                        "max-batch-wait", "-1 ms",
                        "device", "gpu")));
        assertThat(problems)
                .hasSize(4)
                .anySatisfy(p -> assertThat(p).contains("'max-batch-size'").contains("eight"))
                .anySatisfy(p -> assertThat(p).contains("'error-handling'").contains("ignore"))
                .anySatisfy(p -> assertThat(p).contains("'max-batch-wait'").contains("-1 ms"))
                .contains("device must be 'auto', 'cpu' or 'cuda:<index>' (for example cuda:0), got 'gpu'");
    }

    @Test
    void enumAndSizeOptionsParseTheirDocumentedForms() {
        Configuration config = options(Map.of(
                "error-handling", "error-column",
                "precision", "fp16",
                "max-image-bytes", "8 mb",
                "max-batch-wait", "50 ms"));
        assertThat(CumoRuntimeOptions.problems(config)).isEmpty();
        assertThat(config.get(CumoRuntimeOptions.ERROR_HANDLING)).isEqualTo(ErrorHandling.ERROR_COLUMN);
        assertThat(config.get(CumoRuntimeOptions.PRECISION)).isEqualTo(Precision.FP16);
        assertThat(config.get(CumoRuntimeOptions.MAX_IMAGE_BYTES).getBytes()).isEqualTo(8L << 20);
        assertThat(config.get(CumoRuntimeOptions.MAX_BATCH_WAIT)).isEqualTo(Duration.ofMillis(50));
        assertThat(options(Map.of("error-handling", "null")).get(CumoRuntimeOptions.ERROR_HANDLING))
                .isEqualTo(ErrorHandling.NULL);
        assertThat(ErrorHandling.ERROR_COLUMN).hasToString("error-column");
    }

    @Test
    void autoPrecisionFollowsTheDevice() {
        assertThat(DeviceSpec.cuda(0).resolve(Precision.AUTO)).isEqualTo(Precision.FP16);
        assertThat(DeviceSpec.CPU.resolve(Precision.AUTO)).isEqualTo(Precision.FP32);
        assertThat(DeviceSpec.cuda(0).resolve(Precision.FP32)).isEqualTo(Precision.FP32);
        assertThatThrownBy(() -> DeviceSpec.AUTO.resolve(Precision.AUTO))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void batcherSettingsComeFromTheOptions() {
        Configuration config = options(Map.of(
                "max-batch-size", "16", "max-batch-wait", "5 ms", "queue-capacity", "64", "timeout", "1 min"));
        BatcherConfig batcher = CumoRuntimeOptions.batcherConfig(config, DeviceSpec.cuda(1));
        assertThat(batcher.name()).isEqualTo("cuda:1");
        assertThat(batcher.maxBatchSize()).isEqualTo(16);
        assertThat(batcher.maxBatchWait()).isEqualTo(Duration.ofMillis(5));
        assertThat(batcher.queueCapacity()).isEqualTo(64);
        assertThat(batcher.requestTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(batcher.isolateFailures()).isTrue();
    }

    @Test
    void everyOptionIsDescribedAndListedAsRequiredOrOptional() throws IllegalAccessException {
        Set<ConfigOption<?>> declared = new HashSet<>();
        for (Field field : CumoRuntimeOptions.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == ConfigOption.class) {
                declared.add((ConfigOption<?>) field.get(null));
            }
        }
        Set<ConfigOption<?>> listed = new HashSet<>(CumoRuntimeOptions.requiredOptions());
        listed.addAll(CumoRuntimeOptions.optionalOptions());
        assertThat(listed).isEqualTo(declared).hasSize(25);
        assertThat(declared).allSatisfy(option ->
                assertThat(option.description().toString()).as(option.key()).isNotBlank());
        assertThat(CumoRuntimeOptions.requiredOptions())
                .allSatisfy(option -> assertThat(option.hasDefaultValue()).isFalse());
        assertThat(CumoRuntimeOptions.optionalOptions())
                .allSatisfy(option -> assertThat(option.hasDefaultValue()).as(option.key()).isTrue());
        assertThat(declared.stream().map(ConfigOption::key).collect(Collectors.toSet()))
                .containsAll(Arrays.asList("model-path", "device", "precision", "error-handling"));
    }

    @Test
    void prefillChunkSizeIsReadAndChecked() {
        assertThat(CumoRuntimeOptions.servingConfig(options(Map.of())).prefillChunkSize())
                .isEqualTo(CumoRuntimeOptions.PREFILL_CHUNK_SIZE.defaultValue())
                .isPositive(); // chunked prefill is on by default
        assertThat(CumoRuntimeOptions.servingConfig(options(Map.of("prefill-chunk-size", "0"))).prefillChunkSize()).isZero();
        assertThat(CumoRuntimeOptions.problems(options(Map.of("prefill-chunk-size", "-1"))))
                .containsExactly("prefill-chunk-size must be >= 0, got -1");
    }

    private static Configuration options(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(values);
        all.put("model-path", "/models/cumo-mistral-7b");
        return Configuration.fromMap(all);
    }
}
