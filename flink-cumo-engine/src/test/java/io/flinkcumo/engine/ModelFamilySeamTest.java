package io.flinkcumo.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkcumo.engine.model.KvCache;
import io.flinkcumo.engine.model.LanguageModel;
import io.flinkcumo.engine.model.MistralModel;
import io.flinkcumo.engine.model.TokenOwners;
import io.flinkcumo.engine.text.Conversation;
import io.flinkcumo.engine.text.CumoTokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The model-family seam: a family registered in {@link ModelFamilies} (and nowhere else) is
 * accepted by {@link CumoConfig}, built by {@link LlavaModel#load} with its own language model,
 * run by the shared generation loop, and brings its template and tokenizer.
 */
class ModelFamilySeamTest {

    private static final String TEST_TYPE = "test_llava_tiny";

    @TempDir
    Path tmp;

    /** tiny-mistral's checkpoint and tokenizer under another model_type. */
    private Path underModelType(String modelType) throws IOException {
        Path source = Conformance.modelDir("tiny-mistral");
        Path dir = tmp.resolve(modelType);
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        config.put("model_type", modelType);
        json.writeValue(dir.resolve("config.json").toFile(), config);
        return dir;
    }

    /** The Mistral blocks behind the interface, counting the forward passes the generator runs through it. */
    private record Counting(LanguageModel inner, AtomicInteger forwards) implements LanguageModel {
        public int numLayers() {
            return inner.numLayers();
        }

        public int hiddenSize() {
            return inner.hiddenSize();
        }

        public int numKeyValueHeads() {
            return inner.numKeyValueHeads();
        }

        public int headDim() {
            return inner.headDim();
        }

        public int vocabSize() {
            return inner.vocabSize();
        }

        public NDArray embed(NDArray ids) {
            return inner.embed(ids);
        }

        public NDArray forward(NDArray x, int[][] positions, NDArray mask, KvCache cache, TokenOwners tokens, boolean trace) {
            forwards.incrementAndGet();
            return inner.forward(x, positions, mask, cache, tokens, trace);
        }

        public NDArray logits(NDArray hidden) {
            return inner.logits(hidden);
        }
    }

    private static CumoRequest request(Conversation.Template template) throws IOException {
        byte[] image = Files.readAllBytes(Conformance.dir().resolve("images/chelsea.png"));
        return new CumoRequest("q", List.of(image), Conversation.singleTurn(template, "What is in the image?", 1),
                GenerationConfig.greedy(6).withIgnoreEos());
    }

    @Test
    void aRegisteredFamilyLoadsAndGeneratesThroughItsOwnLanguageModel() throws IOException {
        AtomicInteger forwards = new AtomicInteger();
        ModelFamily family = new ModelFamily(TEST_TYPE, false, 10000.0,
                (w, llm) -> new Counting(MistralModel.load(w, "", llm), forwards),
                Conversation.Template.MISTRAL_INSTRUCT, CumoTokenizer::load);
        Path dir = underModelType(TEST_TYPE);
        try (ModelFamilies.Registration registered = ModelFamilies.register(family);
                CumoEngine test = CumoEngine.load(dir);
                CumoEngine reference = CumoEngine.load(Conformance.modelDir("tiny-mistral"))) {
            assertThat(ModelFamilies.known()).containsExactly(CumoConfig.MISTRAL, CumoConfig.MIXTRAL, TEST_TYPE);
            assertThat(test.model().family()).isSameAs(family);
            assertThat(test.model().generator().llm()).isInstanceOf(Counting.class);
            assertThat(reference.model().family()).isSameAs(ModelFamilies.LLAVA_MISTRAL);

            // the family's template (no system prompt) renders the request
            CumoRequest q = request(test.model().family().template());
            assertThat(q.conversation().prompt()).isEqualTo("<s>[INST] <image>\nWhat is in the image? [/INST]");
            int[] generated = test.run(List.of(test.prepare(q))).get(0).tokenIds();
            // same weights, same prompt: the same tokens as the registered Mistral family
            int[] expected = reference.run(List.of(reference.prepare(q))).get(0).tokenIds();
            assertThat(generated).hasSize(6).containsExactly(expected);
            assertThat(forwards.get()).isEqualTo(6); // one prefill, five decode steps: all through the family's model
        }
        // unregistered again: the type is unknown, and the error names the known ones
        assertThat(ModelFamilies.known()).containsExactly(CumoConfig.MISTRAL, CumoConfig.MIXTRAL);
        assertThatThrownBy(() -> LlavaModel.load(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model_type '" + TEST_TYPE + "' is not a CuMo model (known: llava_mistral, llava_mixtral)");
    }

    @Test
    void aModelTypeIsRegisteredOnce() {
        assertThatThrownBy(() -> ModelFamilies.register(new ModelFamily(CumoConfig.MISTRAL, false, 1e4,
                        ModelFamilies.LLAVA_MISTRAL.languageModel(), Conversation.Template.MISTRAL_INSTRUCT, CumoTokenizer::load)))
                .hasMessage("model_type 'llava_mistral' is already registered");
        assertThat(ModelFamilies.of(CumoConfig.MISTRAL)).isSameAs(ModelFamilies.LLAVA_MISTRAL);
        assertThat(ModelFamilies.of(CumoConfig.MIXTRAL).sparseDecoder()).isTrue();
    }
}
