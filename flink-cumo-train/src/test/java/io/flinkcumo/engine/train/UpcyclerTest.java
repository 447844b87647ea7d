package io.flinkcumo.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkcumo.engine.CheckpointGenerator;
import io.flinkcumo.engine.Conformance;
import io.flinkcumo.engine.CumoConfig;
import io.flinkcumo.engine.LlavaModel;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.ModelInput;
import io.flinkcumo.engine.model.ForwardTrace;
import io.flinkcumo.engine.safetensors.Checkpoint;
import io.flinkcumo.engine.safetensors.Dtype;
import io.flinkcumo.engine.safetensors.SafetensorsFile;
import io.flinkcumo.engine.safetensors.SafetensorsWriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Co-upcycling against the reference: the dense stage-2 vision tower and projector of
 * {@code expected/upcycle/}, completed with a small random LLM, upcycled to 4 experts top-2; the
 * tensor names and sources match {@code upcycle.json}, the routers are in U(−1/√fan_in, 1/√fan_in),
 * and before training the upcycled model's S² features and projector output equal the dense
 * model's (and the reference's) for random routers.
 */
class UpcyclerTest {

    @TempDir
    Path tmp;

    @Test
    void upcycledModelEqualsDenseModel() throws Exception {
        JsonNode spec = new ObjectMapper().readTree(Conformance.dir().resolve("expected/upcycle/upcycle.json").toFile());
        Path dense = denseModel(spec);
        Path moe = tmp.resolve("moe");
        new Upcycler(4, 2, 7).upcycle(dense, moe);

        CumoConfig config = CumoConfig.load(moe);
        assertThat(config.clipMoe()).isTrue();
        assertThat(config.projectorMoe()).isTrue();
        assertThat(config.numExperts()).isEqualTo(4);
        assertThat(config.numSelected()).isEqualTo(2);
        try (Checkpoint ck = Checkpoint.open(moe); Checkpoint src = Checkpoint.open(dense)) {
            JsonNode from = spec.get("upcycled_from");
            for (JsonNode n : spec.get("upcycled_tensor_names")) {
                String name = n.asText();
                assertThat(ck.has(name)).as(name).isTrue();
                String source = from.get(name).asText();
                if (source.equals("<router-init>")) {
                    long fanIn = ck.info(name).shape()[1];
                    double bound = 1 / Math.sqrt(fanIn);
                    float[] w = ck.readFloats(name);
                    double maxAbs = 0;
                    for (float v : w) {
                        maxAbs = Math.max(maxAbs, Math.abs(v));
                    }
                    assertThat(maxAbs).as(name).isLessThanOrEqualTo(bound).isGreaterThan(bound / 2);
                } else {
                    assertThat(ck.readFloats(name)).as(name).containsExactly(src.readFloats(source));
                }
            }
            // and the LLM tensors are carried over unchanged
            assertThat(ck.readFloats("model.embed_tokens.weight")).containsExactly(src.readFloats("model.embed_tokens.weight"));
        }

        float[] expectedV = Conformance.floats("expected/upcycle/expected_features.safetensors", "V");
        float[] expectedP = Conformance.floats("expected/upcycle/expected_features.safetensors", "projector_out");
        float[][] denseOut = features(dense, spec);
        float[][] moeOut = features(moe, spec);
        assertThat(Conformance.maxAbsDiff(denseOut[0], expectedV)).isLessThan(1e-4);
        assertThat(Conformance.maxAbsDiff(denseOut[1], expectedP)).isLessThan(1e-4);
        assertThat(Conformance.maxAbsDiff(moeOut[0], denseOut[0])).isLessThan(1e-5);
        assertThat(Conformance.maxAbsDiff(moeOut[1], denseOut[1])).isLessThan(1e-5);
    }

    /** V and the projector output of {@code dir} on the reference image. */
    private static float[][] features(Path dir, JsonNode spec) throws IOException {
        float[] pixels = Conformance.pixels(spec.get("features").get("image").asText());
        float[][] out = new float[2][];
        try (LlavaModel model = LlavaModel.load(dir)) {
            model.generate(List.of(new ModelInput(new int[] {1, -200}, List.of(pixels), GenerationConfig.greedy(1))), null, new ForwardTrace() {
                @Override
                public void visionFeatures(NDArray v) {
                    out[0] = v.toFloatArray();
                }

                @Override
                public void projectorOutput(NDArray rows) {
                    out[1] = rows.toFloatArray();
                }
            });
        }
        return out;
    }

    /** The reference dense vision tower and projector, plus a random one-layer Mistral of width 48. */
    private Path denseModel(JsonNode spec) throws IOException {
        JsonNode v = spec.get("vision_config");
        Path dir = tmp.resolve("dense");
        new CheckpointGenerator(new CheckpointGenerator.Spec(false, v.get("image_size").asInt(), v.get("hidden_size").asInt(),
                v.get("intermediate_size").asInt(), v.get("num_hidden_layers").asInt(), v.get("num_attention_heads").asInt(),
                spec.get("projector").get("hidden_size").asInt(), 96, 1, 2, 1, 4, 2, 4, Dtype.F32, 1, 3).asDense()).write(dir);
        Map<String, float[]> values = new TreeMap<>();
        Map<String, long[]> shapes = new TreeMap<>();
        try (Checkpoint ck = Checkpoint.open(dir);
                SafetensorsFile ref = SafetensorsFile.open(Conformance.dir().resolve(spec.get("dense_file").asText()))) {
            for (String n : ck.names()) {
                boolean fromRef = ref.tensors().containsKey(n);
                values.put(n, fromRef ? ref.readFloats(n) : ck.readFloats(n));
                shapes.put(n, ck.info(n).shape());
            }
            assertThat(ck.names()).containsAll(ref.tensors().keySet());
        }
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        values.forEach((n, x) -> w.addFloats(n, Dtype.F32, shapes.get(n), x));
        w.write(dir.resolve(Checkpoint.SINGLE_FILE));
        return dir;
    }
}
