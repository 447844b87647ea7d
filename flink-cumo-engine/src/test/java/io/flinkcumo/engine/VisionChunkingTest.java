package io.flinkcumo.engine;

import static io.flinkcumo.engine.Conformance.intArray;
import static io.flinkcumo.engine.Conformance.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import io.flinkcumo.engine.model.MultiScaleVisionEncoder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** Crops go through the vision tower in chunks bounded in bytes; the result does not depend on the chunk. */
class VisionChunkingTest {

    @Test
    void clipLargeSendsOneCropPerPassUnderTheMallocHeapLimit() {
        // attention scores of one 577-token crop: 16 x 577² x 4 B = 21.3 MB; two would be 42.6 MB
        CumoConfig.Vision clipL = CumoConfig.Vision.CLIP_VIT_L_14_336;
        assertThat(MultiScaleVisionEncoder.cropsPerPass(clipL, DataType.FLOAT32, LlavaModel.DEFAULT_VISION_CHUNK_BYTES)).isEqualTo(1);
        assertThat(MultiScaleVisionEncoder.cropsPerPass(clipL, DataType.FLOAT32, 43_000_000L)).isEqualTo(2);
        assertThat(MultiScaleVisionEncoder.cropsPerPass(clipL, DataType.FLOAT16, LlavaModel.DEFAULT_VISION_CHUNK_BYTES)).isEqualTo(3);
    }

    @Test
    void theLargerOfAttentionScoresAndMlpActivationSetsTheChunk() {
        // 4 heads x 577² = 1.33 M elements < 577 x 4096 = 2.36 M: the MLP activation bounds it
        CumoConfig.Vision wideMlp = new CumoConfig.Vision(1024, 4096, 6, 4, 336, 14, 1e-5);
        assertThat(MultiScaleVisionEncoder.cropsPerPass(wideMlp, DataType.FLOAT32, 577L * 4096 * 4 * 5)).isEqualTo(5);
        assertThat(MultiScaleVisionEncoder.cropsPerPass(wideMlp, DataType.FLOAT32, 1)).isEqualTo(1);
    }

    @Test
    void outputDoesNotDependOnTheChunkSize() throws Exception {
        JsonNode c = twoImageCase();
        List<float[]> pixels = new ArrayList<>();
        c.get("images").forEach(i -> pixels.add(Conformance.pixels(i.asText())));
        ModelInput input = new ModelInput(intArray(c.get("input_ids")), pixels, GenerationConfig.greedy(4));
        String before = System.getProperty("cumo.vision.chunkBytes");
        try (LlavaModel whole = load(c, "1000000000"); LlavaModel single = load(c, "1")) {
            assertThat(whole.generator().vision().cropsPerPass()).isGreaterThanOrEqualTo(20);
            assertThat(single.generator().vision().cropsPerPass()).isEqualTo(1);
            CapturingTrace a = new CapturingTrace();
            CapturingTrace b = new CapturingTrace();
            ModelOutput x = whole.generate(List.of(input), null, a).get(0);
            ModelOutput y = single.generate(List.of(input), null, b).get(0);
            assertThat(y.tokenIds()).containsExactly(x.tokenIds());
            assertThat(a.visionFeatures).hasSameSizeAs(b.visionFeatures);
            assertThat(maxAbsDiff(a.visionFeatures, b.visionFeatures)).isLessThanOrEqualTo(1e-4);
        } finally {
            if (before == null) {
                System.clearProperty("cumo.vision.chunkBytes");
            } else {
                System.setProperty("cumo.vision.chunkBytes", before);
            }
        }
    }

    private static JsonNode twoImageCase() {
        for (JsonNode c : Conformance.cases().get("cases")) {
            if (c.get("images").size() == 2) {
                return c;
            }
        }
        throw new IllegalStateException("no two-image conformance case");
    }

    private static LlavaModel load(JsonNode c, String chunkBytes) throws Exception {
        System.setProperty("cumo.vision.chunkBytes", chunkBytes);
        return LlavaModel.load(Conformance.dir().resolve(c.get("model").asText()));
    }
}
