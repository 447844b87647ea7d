package io.flinkcumo.engine;

import io.flinkcumo.engine.model.MistralModel;
import io.flinkcumo.engine.text.Conversation;
import io.flinkcumo.engine.text.CumoTokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model families by {@code model_type}: the one place a new language model is registered
 * (see docs/architecture.md, "Adding a model family"). {@link CumoConfig} accepts exactly the
 * registered types and {@link LlavaModel#load} builds the family's language model.
 */
public final class ModelFamilies {

    /** CuMo on Mistral-7B-Instruct: dense decoder, Llama-2-style template with CuMo's system prompt. */
    public static final ModelFamily LLAVA_MISTRAL = new ModelFamily(
            CumoConfig.MISTRAL, false, 10000.0, (w, llm) -> MistralModel.load(w, "", llm),
            Conversation.Template.MISTRAL_INSTRUCT_SYSTEM, CumoTokenizer::load);

    /** CuMo on Mixtral-8x7B-Instruct: the same blocks with {@code block_sparse_moe} decoder MLPs. */
    public static final ModelFamily LLAVA_MIXTRAL = new ModelFamily(
            CumoConfig.MIXTRAL, true, 1e6, (w, llm) -> MistralModel.load(w, "", llm),
            Conversation.Template.MISTRAL_INSTRUCT_SYSTEM, CumoTokenizer::load);

    private static final Map<String, ModelFamily> FAMILIES = new LinkedHashMap<>();

    static {
        FAMILIES.put(LLAVA_MISTRAL.modelType(), LLAVA_MISTRAL);
        FAMILIES.put(LLAVA_MIXTRAL.modelType(), LLAVA_MIXTRAL);
    }

    private ModelFamilies() {}

    /** The family of {@code modelType}, or null if none is registered. */
    public static synchronized ModelFamily find(String modelType) {
        return FAMILIES.get(modelType);
    }

    /**
     * The family of {@code modelType}.
     *
     * @throws IllegalArgumentException naming the registered types if none matches
     */
    public static ModelFamily of(String modelType) {
        ModelFamily f = find(modelType);
        if (f == null) {
            throw new IllegalArgumentException(unknown(modelType));
        }
        return f;
    }

    /** "model_type 'x' is not a CuMo model (known: …)". */
    static String unknown(String modelType) {
        return "model_type '" + modelType + "' is not a CuMo model (known: " + String.join(", ", known()) + ")";
    }

    /** The registered model types, in registration order. */
    public static synchronized List<String> known() {
        return new ArrayList<>(FAMILIES.keySet());
    }

    /**
     * Registers {@code family}; closing the returned handle removes it again.
     *
     * @throws IllegalArgumentException if its model_type is taken
     */
    public static synchronized Registration register(ModelFamily family) {
        if (FAMILIES.containsKey(family.modelType())) {
            throw new IllegalArgumentException("model_type '" + family.modelType() + "' is already registered");
        }
        FAMILIES.put(family.modelType(), family);
        return new Registration(family);
    }

    /** A registered family; {@link #close} unregisters it. */
    public static final class Registration implements AutoCloseable {
        private final ModelFamily family;

        private Registration(ModelFamily family) {
            this.family = family;
        }

        public ModelFamily family() {
            return family;
        }

        @Override
        public void close() {
            synchronized (ModelFamilies.class) {
                FAMILIES.remove(family.modelType(), family);
            }
        }
    }
}
