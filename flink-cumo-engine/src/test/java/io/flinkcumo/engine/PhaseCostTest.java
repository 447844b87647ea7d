package io.flinkcumo.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import org.junit.jupiter.api.Test;

import java.util.Map;

class PhaseCostTest {

    /** shared/bench/make_checkpoint.py --vision-hidden 1024 --vision-layers 6 --hidden 1024 --layers 8 (its config.json). */
    private static CumoConfig midSize() {
        CumoConfig.Vision v = new CumoConfig.Vision(1024, 4096, 6, 16, 336, 14, 1e-5);
        CumoConfig.Llm l = new CumoConfig.Llm(1024, 3584, 8, 16, 4, 1e6, 1e-5, 32000, false, 1, 2, 0, 0);
        return new CumoConfig(CumoConfig.MISTRAL, l, v, true, true, 4, 2, new int[] {1, 3}, "pad", 4096);
    }

    @Test
    void visionTowerOfTheMidSizeModelIsAbout1point29TflopPerImage() {
        // per crop and layer: q,k,v,out 8·577·1024² = 4.840 G; QKᵀ+PV 4·577²·1024 = 1.364 G;
        // two of four experts 2·4·577·1024·4096 = 19.361 G; router 2·577·1024·4 = 4.7 M
        double layer = 4.840e9 + 1.364e9 + 19.361e9 + 4.7e6;
        double patch = 2.0 * 576 * 588 * 1024; // conv 14×14×3 as a matmul
        double expected = 10 * (patch + 5 * layer); // 10 S² crops, 5 of 6 layers run
        assertThat(PhaseCost.visionFlopsPerImage(midSize())).isCloseTo(expected, within(expected * 1e-3));
        assertThat(expected).isCloseTo(1.29e12, within(0.01e12));
    }

    @Test
    void moeCountsOnlyTheSelectedExpertsPlusTheRouter() {
        CumoConfig moe = midSize();
        CumoConfig dense = new CumoConfig(moe.modelType(), moe.llm(), moe.vision(), false, false, 4, 2, moe.scales(), "pad", 4096);
        double mlpDense = 10 * 5 * 2 * (2.0 * 577 * 1024 * 4096);
        double router = 10 * 5 * 2.0 * 577 * 1024 * 4;
        double diff = PhaseCost.visionFlopsPerImage(moe) - PhaseCost.visionFlopsPerImage(dense);
        assertThat(diff).isCloseTo(mlpDense + router, within(1e3)); // top-2: one extra dense MLP
        double projDense = 2.0 * 576 * (2048 * 1024 + 1024 * 1024);
        assertThat(PhaseCost.projectorFlopsPerImage(dense)).isCloseTo(projDense, within(1.0));
        assertThat(PhaseCost.projectorFlopsPerImage(moe)).isCloseTo(2 * projDense + 2.0 * 576 * 2048 * 4, within(1.0));
    }

    @Test
    void prefillGrowsLinearlyInProjectionsAndQuadraticallyInAttention() {
        CumoConfig c = midSize();
        double perLayerLinear = 2.0 * (1024 * (1024 + 2 * 256) + 1024 * 1024 + 3 * 1024 * 3584); // per position
        double lmHead = 2.0 * 1024 * 32000;
        double at600 = 8 * (600 * perLayerLinear + 4.0 * 600 * 600 * 1024) + lmHead;
        assertThat(PhaseCost.prefillFlops(c, 600)).isCloseTo(at600, within(at600 * 1e-9));
    }

    @Test
    void decodeAtBatchOneReadsEveryLanguageModelWeightOnce() throws Exception {
        // cross-check against the tensors a real checkpoint holds: decoder layers, final norm, lm_head
        try (LlavaModel model = LlavaModel.load(Conformance.dir().resolve("tiny-mistral"))) {
            long elements = 0;
            long linear = 0; // the Linear weights bf16/int8 store narrower
            for (Map.Entry<String, NDArray> e : model.weights().entrySet()) {
                String n = e.getKey();
                if (n.startsWith("model.layers.") || n.equals("model.norm.weight") || n.equals("lm_head.weight")) {
                    elements += e.getValue().getShape().size();
                }
                if (n.startsWith("model.layers.") && n.endsWith("_proj.weight")) {
                    linear += e.getValue().getShape().size();
                }
            }
            assertThat(PhaseCost.decodeBytesPerStep(model.config(), 1, 0, 4, 4)).isEqualTo(4.0 * elements);
            assertThat(PhaseCost.decodeBytesPerStep(model.config(), 1, 0, 2, 4)).isEqualTo(4.0 * elements - 2.0 * linear);
            CumoConfig.Llm l = model.config().llm();
            double cachePerRowAndPosition = 4.0 * l.numHiddenLayers() * 2 * l.numKeyValueHeads() * l.headDim();
            assertThat(PhaseCost.decodeBytesPerStep(model.config(), 3, 100, 4, 4))
                    .isCloseTo(4.0 * elements + 3 * 100 * cachePerRowAndPosition, within(1e-6));
        }
    }
}
