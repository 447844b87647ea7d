package io.flinkcumo.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkcumo.engine.image.ImageDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 12, class 6: a checkpoint whose config.json has out-of-range values fails with one line
 * naming the file, the field and the rule, never with an NPE, an index error or an overflowed
 * number. Each case mutates the config.json of {@code models/cumo-tiny} copied to a temp dir.
 */
class CumoConfigHostileTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path TINY = Path.of(System.getProperty("cumo.home", "..")).resolve("models/cumo-tiny");

    @TempDir
    Path tmp;

    static Stream<Arguments> mutations() {
        return Stream.of(
                m("scales", "[1, 0]", "scales must be increasing integers"),
                m("scales", "[1, -3]", "scales must be increasing integers"),
                m("scales", "[1, 2147483647]", "scales must be increasing integers"),
                m("scales", "[1, 3, 3]", "scales must be increasing integers"),
                m("scales", "[]", "scales must be an array"),
                m("scales", "\"1,3\"", "scales must be an array"),
                m("scales", "[1.5]", "scales must be increasing integers"),
                m("s2_scales", "\"336,0\"", "s2_scales must list"),
                m("s2_scales", "\"336,-672\"", "s2_scales must list"),
                m("s2_scales", "\"336,99999999999\"", "s2_scales must list"),
                m("max_position_embeddings", "2147483647", "max_position_embeddings must be an integer in [1, 1048576]"),
                m("max_position_embeddings", "-1", "max_position_embeddings must be an integer"),
                m("tokenizer_model_max_length", "2147483000", "tokenizer_model_max_length must be an integer"),
                m("tokenizer_model_max_length", "100", "leaves no room for text"),
                m("hidden_size", "2147483647", "hidden_size must be an integer in [1, 65536]"),
                m("hidden_size", "64.5", "hidden_size must be an integer"),
                m("hidden_size", "\"64\"", "hidden_size must be an integer"),
                m("hidden_size", "63", "must divide"),
                m("num_hidden_layers", "0", "num_hidden_layers must be an integer in [1, 1024]"),
                m("num_attention_heads", "99999999999", "num_attention_heads must be an integer"),
                m("vocab_size", "-600", "vocab_size must be an integer"),
                m("eos_token_id", "600", "eos_token_id must be an integer in [0, 599]"),
                m("bos_token_id", "-1", "bos_token_id must be an integer in [0, 599]"),
                m("rope_theta", "-1", "rope_theta must be a number"),
                m("rms_norm_eps", "0", "rms_norm_eps must be a number"),
                m("num_experts", "0", "num_experts must be an integer"),
                m("num_selected", "5", "num_selected 5 exceeds num_experts 4"),
                m("tie_word_embeddings", "\"yes\"", "tie_word_embeddings must be true or false"),
                m("model_type", "42", "model_type must be a string"),
                m("vision_config", "[]", "vision_config must be an object"),
                m("vision_config.image_size", "2147483647", "image_size must be an integer in [1, 4096]"),
                m("vision_config.image_size", "0", "image_size must be an integer"),
                m("vision_config.patch_size", "1", "image tokens per image"),
                m("vision_config.patch_size", "13", "must be a multiple of patch_size"),
                m("vision_config.num_hidden_layers", "1", "num_hidden_layers must be an integer in [2, 1024]"),
                m("vision_config.layer_norm_eps", "\"tiny\"", "layer_norm_eps must be a number"));
    }

    private static Arguments m(String field, String json, String message) {
        return Arguments.of(field, json, message);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("mutations")
    void outOfRangeFieldsAreOneLineNamingFileAndField(String field, String json, String message) throws Exception {
        Path dir = copyWith(config -> set(config, field, json));
        assertThatThrownBy(() -> CumoConfig.load(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(dir.resolve("config.json").toString())
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").hasSizeLessThan(400));
    }

    @Test
    void theUnmutatedCopyLoadsAndAMutatedOneFailsTheEngineLoadWithTheSameLine() throws Exception {
        Path good = copyWith(config -> {});
        assertThat(CumoConfig.load(good).scales()).containsExactly(1, 3);
        Path bad = copyWith(config -> set(config, "scales", "[1, 0]"));
        assertThatThrownBy(() -> CumoEngine.load(bad, Device.cpu(), Precision.FP32, ImageDecoder.Limits.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("config.json: scales must be increasing integers in [1, 8] starting with 1, got [1,0]");
    }

    @Test
    void aConfigThatIsNotARegularFileOrTooLargeIsRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("fifo"));
        assertThat(new ProcessBuilder("mkfifo", dir.resolve("config.json").toString()).start().waitFor()).isZero();
        assertThatThrownBy(() -> CumoConfig.load(dir)).hasMessageContaining("has no config.json (a regular file)");
        Path big = Files.createDirectories(tmp.resolve("big"));
        try (var out = Files.newOutputStream(big.resolve("config.json"))) {
            out.write(new byte[(int) CumoConfig.MAX_CONFIG_BYTES + 1]);
        }
        assertThatThrownBy(() -> CumoConfig.load(big)).hasMessageContaining("it is not a model config");
    }

    private Path copyWith(Consumer<ObjectNode> mutation) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "model");
        try (Stream<Path> files = Files.list(TINY)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        mutation.accept(config);
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        return dir;
    }

    private static void set(ObjectNode config, String field, String json) {
        try {
            ObjectNode target = config;
            String key = field;
            if (field.contains(".")) {
                target = (ObjectNode) config.get(field.substring(0, field.indexOf('.')));
                key = field.substring(field.indexOf('.') + 1);
            }
            target.set(key, JSON.readTree(json));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
