package io.flinkcumo.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkcumo.engine.Conformance;
import io.flinkcumo.engine.LlavaModel;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.ModelInput;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

/**
 * The auxiliary losses against the reference: the per-tensor cases of {@code aux_losses.json}
 * and the model-level aggregation over one forward pass of both tiny checkpoints (all vision
 * layers including the last one, both S² passes, projector, Mixtral LLM prefill).
 */
class AuxLossConformanceTest {

    private static final double REL_TOL = 1e-4;

    private static JsonNode aux() throws IOException {
        return new ObjectMapper().readTree(Conformance.dir().resolve("expected/aux_losses.json").toFile());
    }

    @Test
    void tensorCases() throws IOException {
        JsonNode cases = aux().get("cases");
        assertThat(cases.size()).isEqualTo(5);
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (JsonNode c : cases) {
                float[] values = Conformance.floats("expected/aux_router_logits.safetensors", c.get("key").asText());
                JsonNode s = c.get("shape");
                NDArray logits = m.create(values, new Shape(s.get(0).asLong(), s.get(1).asLong(), s.get(2).asLong()));
                if (c.get("grouping").asText().equals("flatten")) {
                    logits = AuxLosses.flatten(logits);
                }
                String name = c.get("name").asText();
                assertRel(name + " balance", AuxLosses.balance(logits).getFloat(), c.get("balance_loss").asDouble());
                assertRel(name + " z", AuxLosses.z(logits).getFloat(), c.get("z_loss").asDouble());
            }
        }
    }

    @Test
    void modelLevel() throws IOException {
        for (JsonNode e : aux().get("model_level")) {
            String dir = e.get("model").asText();
            int[] ids = e.has("case") ? Conformance.intArray(caseById(e.get("case").asText()).get("input_ids")) : new int[] {1, -200};
            float[] pixels = Conformance.pixels(e.get("image").asText());
            try (TrainableModel trainable = TrainableModel.load(Conformance.modelDir(dir), Device.cpu());
                    NDManager keep = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
                LlavaModel model = trainable.model();
                RouterLogitsCapture capture = new RouterLogitsCapture(keep);
                // one new token: the LLM runs the prefill only
                model.generate(List.of(new ModelInput(ids, List.of(pixels), GenerationConfig.greedy(1))), null, capture);
                assertThat(capture.layers(io.flinkcumo.engine.routing.Component.VISION))
                        .hasSize(model.config().vision().numHiddenLayers());
                ModelAuxLosses a = ModelAuxLosses.of(capture, model.config(), 1);
                assertRel(dir + " clip balance", a.clipBalance().getFloat(), e.get("clip_balance").asDouble());
                assertRel(dir + " clip z", a.clipZ().getFloat(), e.get("clip_z").asDouble());
                for (int j = 0; j < 2; j++) {
                    assertRel(dir + " clip balance scale " + j, a.clipBalancePerScale()[j].getFloat(),
                            e.get("clip_balance_per_scale").get(j).asDouble());
                    assertRel(dir + " clip z scale " + j, a.clipZPerScale()[j].getFloat(), e.get("clip_z_per_scale").get(j).asDouble());
                }
                assertRel(dir + " mlp balance", a.mlpBalance().getFloat(), e.get("mlp_balance").asDouble());
                assertRel(dir + " mlp z", a.mlpZ().getFloat(), e.get("mlp_z").asDouble());
                if (e.get("llm_included").asBoolean()) {
                    assertRel(dir + " llm balance", a.llmBalance().getFloat(), e.get("llm_balance").asDouble());
                    assertRel(dir + " llm z", a.llmZ().getFloat(), e.get("llm_z").asDouble());
                } else {
                    assertThat(a.llmBalance()).isNull();
                }
                assertRel(dir + " total", a.total().getFloat(), e.get("total_aux").asDouble());
            }
        }
    }

    private static JsonNode caseById(String id) {
        for (JsonNode c : Conformance.cases().get("cases")) {
            if (c.get("id").asText().equals(id)) {
                return c;
            }
        }
        throw new IllegalArgumentException(id);
    }

    private static void assertRel(String what, double actual, double expected) {
        double rel = Math.abs(actual - expected) / Math.max(1e-12, Math.abs(expected));
        assertThat(rel).as(what + ": " + actual + " vs " + expected).isLessThanOrEqualTo(REL_TOL);
    }
}
