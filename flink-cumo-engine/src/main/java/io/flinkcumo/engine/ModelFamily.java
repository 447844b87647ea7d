package io.flinkcumo.engine;

import io.flinkcumo.engine.model.LanguageModel;
import io.flinkcumo.engine.model.Weights;
import io.flinkcumo.engine.text.Conversation;
import io.flinkcumo.engine.text.CumoTokenizer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What differs between the language models a CuMo-style checkpoint may carry, keyed by its
 * {@code config.json} {@code model_type}: how {@link CumoConfig} reads the decoder's settings, the
 * language model's builder (its blocks load their own tensors), the conversation template its
 * chat training used and its tokenizer. The vision tower, projector, splice and generation loop
 * are shared. Registered in {@link ModelFamilies}.
 *
 * @param modelType the {@code model_type} this family answers to
 * @param sparseDecoder the decoder layers are sparse MoE blocks ({@code num_local_experts},
 *     {@code num_experts_per_tok} are read); dense otherwise
 * @param defaultRopeTheta {@code rope_theta} when config.json does not give one
 * @param languageModel builds the language model from the checkpoint
 * @param template the prompt template the family's checkpoints were tuned with
 * @param tokenizer loads the tokenizer of a model directory
 */
public record ModelFamily(
        String modelType,
        boolean sparseDecoder,
        double defaultRopeTheta,
        LanguageModelLoader languageModel,
        Conversation.Template template,
        TokenizerLoader tokenizer) {

    /** Builds a family's language model from the checkpoint's tensors. */
    @FunctionalInterface
    public interface LanguageModelLoader {
        /** Loads the language model of {@code config} (its tensors through {@code w}). */
        LanguageModel load(Weights w, CumoConfig.Llm config);
    }

    /** Loads a family's tokenizer. */
    @FunctionalInterface
    public interface TokenizerLoader {
        /** The tokenizer of model directory {@code dir}. */
        CumoTokenizer load(Path dir) throws IOException;
    }

    public ModelFamily {
        if (modelType == null || modelType.isBlank()) {
            throw new IllegalArgumentException("a model family needs a model_type");
        }
        if (languageModel == null || template == null || tokenizer == null) {
            throw new IllegalArgumentException("model family " + modelType + " needs a language model, a template and a tokenizer");
        }
    }
}
