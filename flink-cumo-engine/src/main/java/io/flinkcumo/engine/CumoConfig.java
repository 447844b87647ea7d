package io.flinkcumo.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a CuMo {@code config.json} that inference reads: the language model
 * (a {@code model_type} registered in {@link ModelFamilies}: {@code llava_mistral},
 * {@code llava_mixtral}), the CLIP vision tower (ViT-L/14-336 unless a
 * {@code vision_config} object overrides it) and the MoE settings of the tower and projector.
 * Training-only keys are ignored.
 */
public record CumoConfig(
        String modelType,
        Llm llm,
        Vision vision,
        boolean clipMoe,
        boolean projectorMoe,
        int numExperts,
        int numSelected,
        int[] scales,
        String imageAspectRatio,
        int maxContext) {

    public static final String MISTRAL = "llava_mistral";
    public static final String MIXTRAL = "llava_mixtral";

    /** Mistral / Mixtral decoder settings (HF names). {@code numLocalExperts == 0} means dense. */
    public record Llm(
            int hiddenSize,
            int intermediateSize,
            int numHiddenLayers,
            int numAttentionHeads,
            int numKeyValueHeads,
            double ropeTheta,
            double rmsNormEps,
            int vocabSize,
            boolean tieWordEmbeddings,
            int bosTokenId,
            int eosTokenId,
            int numLocalExperts,
            int numExpertsPerTok) {

        public int headDim() {
            return hiddenSize / numAttentionHeads;
        }

        public boolean isMoe() {
            return numLocalExperts > 0;
        }
    }

    /** CLIP vision tower settings; defaults are openai/clip-vit-large-patch14-336. */
    public record Vision(
            int hiddenSize,
            int intermediateSize,
            int numHiddenLayers,
            int numAttentionHeads,
            int imageSize,
            int patchSize,
            double layerNormEps) {

        public static final Vision CLIP_VIT_L_14_336 = new Vision(1024, 4096, 24, 16, 336, 14, 1e-5);

        public int gridSize() {
            return imageSize / patchSize;
        }

        public int numPatches() {
            return gridSize() * gridSize();
        }

        public int headDim() {
            return hiddenSize / numAttentionHeads;
        }

        /** CuMo reads the penultimate layer's output, so the last layer is never run. */
        public int layersUsed() {
            return numHiddenLayers - 1;
        }
    }

    /** The model family of {@link #modelType} (its language model, template and tokenizer). */
    public ModelFamily family() {
        return ModelFamilies.of(modelType);
    }

    /** Number of image rows spliced into the prompt per image (576 for ViT-L/14-336). */
    public int imageTokens() {
        return vision.numPatches();
    }

    /** Width of the projector input: CLIP width times the number of S² scales. */
    public int projectorInputSize() {
        return vision.hiddenSize * scales.length;
    }

    /** Largest config.json read (real ones are a few KiB). */
    static final long MAX_CONFIG_BYTES = 16L << 20;

    /** Reads and validates {@code dir/config.json}. */
    public static CumoConfig load(Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("model directory " + dir + " has no config.json (a regular file)");
        }
        if (Files.size(file) > MAX_CONFIG_BYTES) {
            throw new IllegalArgumentException(file + " has " + Files.size(file) + " bytes, more than " + MAX_CONFIG_BYTES
                    + "; it is not a model config");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: "
                    + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
        return parse(root, file.toString());
    }

    /**
     * Parses and validates: every field inference reads must have the right JSON type and lie in a
     * range the engine can run (limits well above any released model), and derived sizes are
     * computed in {@code long} and bounded, so no later arithmetic overflows. Each problem is one
     * line naming the file, the field and the rule.
     */
    static CumoConfig parse(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + " is not a JSON object");
        }
        Fields f = new Fields(source);
        String type = f.text(root, "model_type", "");
        ModelFamily family = ModelFamilies.find(type);
        if (family == null) {
            throw new IllegalArgumentException(source + ": " + ModelFamilies.unknown(type));
        }
        boolean sparse = family.sparseDecoder();
        int heads = f.integer(root, "num_attention_heads", 32, 1, MAX_HEADS);
        int vocab = f.integer(root, "vocab_size", 32000, 1, MAX_VOCAB);
        Llm llm = new Llm(
                f.integer(root, "hidden_size", 4096, 1, MAX_WIDTH),
                f.integer(root, "intermediate_size", 14336, 1, MAX_FFN),
                f.integer(root, "num_hidden_layers", 32, 1, MAX_LAYERS),
                heads,
                f.integer(root, "num_key_value_heads", heads, 1, MAX_HEADS),
                f.positiveDouble(root, "rope_theta", family.defaultRopeTheta(), 1e12),
                f.positiveDouble(root, "rms_norm_eps", 1e-5, 1),
                vocab,
                f.bool(root, "tie_word_embeddings", false),
                f.integer(root, "bos_token_id", 1, 0, vocab - 1),
                f.integer(root, "eos_token_id", 2, 0, vocab - 1),
                sparse ? f.integer(root, "num_local_experts", 8, 1, MAX_EXPERTS) : 0,
                sparse ? f.integer(root, "num_experts_per_tok", 2, 1, MAX_EXPERTS) : 0);
        if (llm.hiddenSize % llm.numAttentionHeads != 0 || llm.numAttentionHeads % llm.numKeyValueHeads != 0) {
            throw new IllegalArgumentException(source + ": hidden_size " + llm.hiddenSize + ", num_attention_heads "
                    + llm.numAttentionHeads + " and num_key_value_heads " + llm.numKeyValueHeads
                    + " must divide (hidden_size by heads, heads by key-value heads)");
        }
        if (llm.headDim() % 2 != 0) {
            throw new IllegalArgumentException(source + ": hidden_size / num_attention_heads = " + llm.headDim()
                    + " must be even (rotary embeddings rotate pairs)");
        }
        if (sparse && llm.numExpertsPerTok > llm.numLocalExperts) {
            throw new IllegalArgumentException(source + ": num_experts_per_tok " + llm.numExpertsPerTok
                    + " exceeds num_local_experts " + llm.numLocalExperts);
        }
        Vision vision = Vision.CLIP_VIT_L_14_336;
        JsonNode vc = root.get("vision_config");
        if (vc != null && !vc.isNull() && !vc.isObject()) {
            throw new IllegalArgumentException(source + ": vision_config must be an object, got " + preview(vc));
        }
        if (vc != null && vc.isObject()) {
            Vision d = Vision.CLIP_VIT_L_14_336;
            Fields v = new Fields(source + ": vision_config");
            vision = new Vision(
                    v.integer(vc, "hidden_size", d.hiddenSize(), 1, MAX_WIDTH),
                    v.integer(vc, "intermediate_size", d.intermediateSize(), 1, MAX_FFN),
                    v.integer(vc, "num_hidden_layers", d.numHiddenLayers(), 2, MAX_LAYERS),
                    v.integer(vc, "num_attention_heads", d.numAttentionHeads(), 1, MAX_HEADS),
                    v.integer(vc, "image_size", d.imageSize(), 1, MAX_IMAGE_SIZE),
                    v.integer(vc, "patch_size", d.patchSize(), 1, MAX_IMAGE_SIZE),
                    v.positiveDouble(vc, "layer_norm_eps", d.layerNormEps(), 1));
            String act = v.text(vc, "hidden_act", "quick_gelu");
            if (!act.equals("quick_gelu")) {
                throw new IllegalArgumentException(source + ": vision hidden_act '" + act + "' is not supported (CLIP uses quick_gelu)");
            }
        }
        if (vision.imageSize % vision.patchSize != 0 || vision.hiddenSize % vision.numAttentionHeads != 0) {
            throw new IllegalArgumentException(source + ": vision_config image_size " + vision.imageSize
                    + " must be a multiple of patch_size " + vision.patchSize + " and hidden_size " + vision.hiddenSize
                    + " of num_attention_heads " + vision.numAttentionHeads);
        }
        long patches = (long) vision.gridSize() * vision.gridSize();
        if (patches > MAX_IMAGE_TOKENS) {
            throw new IllegalArgumentException(source + ": vision_config gives " + patches + " image tokens per image"
                    + " ((image_size / patch_size)^2), more than " + MAX_IMAGE_TOKENS);
        }
        int mmHidden = f.integer(root, "mm_hidden_size", vision.hiddenSize, 1, MAX_WIDTH);
        if (mmHidden != vision.hiddenSize) {
            throw new IllegalArgumentException(
                    source + ": mm_hidden_size " + mmHidden + " differs from the vision hidden_size " + vision.hiddenSize);
        }
        int[] scales = scales(root.get("scales"), vision, source);
        f.s2Scales(root);
        f.integer(root, "max_position_embeddings", 32768, 1, MAX_CONTEXT);
        String projectorType = f.text(root, "mm_projector_type", "smoe_mlp");
        boolean projectorMoe = switch (projectorType) {
            case "smoe_mlp" -> true;
            case "mlp2x_gelu" -> false;
            default -> throw new IllegalArgumentException(
                    source + ": mm_projector_type '" + projectorType + "' is not supported (smoe_mlp or mlp2x_gelu)");
        };
        String select = f.text(root, "mm_vision_select_feature", "patch");
        if (!select.equals("patch")) {
            throw new IllegalArgumentException(source + ": mm_vision_select_feature '" + select + "' is not supported (patch)");
        }
        int numExperts = f.integer(root, "num_experts", 4, 1, MAX_EXPERTS);
        int numSelected = f.integer(root, "num_selected", 2, 1, MAX_EXPERTS);
        if (numSelected > numExperts) {
            throw new IllegalArgumentException(source + ": num_selected " + numSelected + " exceeds num_experts " + numExperts);
        }
        int maxContext = f.integer(root, "tokenizer_model_max_length", 4096, 1, MAX_CONTEXT);
        if (maxContext <= patches) {
            throw new IllegalArgumentException(source + ": tokenizer_model_max_length " + maxContext
                    + " leaves no room for text after the " + patches + " image tokens");
        }
        return new CumoConfig(
                type,
                llm,
                vision,
                f.bool(root, "clip_smoe", true),
                projectorMoe,
                numExperts,
                numSelected,
                scales,
                f.text(root, "image_aspect_ratio", "pad"),
                maxContext);
    }

    // Limits far above released models (Mixtral 8x22B: width 6144, FFN 16384, 56 layers, 48 heads,
    // vocab 32768) that keep every derived size within int range.
    static final int MAX_WIDTH = 1 << 16;
    static final int MAX_FFN = 1 << 18;
    static final int MAX_LAYERS = 1024;
    static final int MAX_HEADS = 1024;
    static final int MAX_VOCAB = 1 << 22;
    static final int MAX_EXPERTS = 1024;
    static final int MAX_IMAGE_SIZE = 4096;
    static final int MAX_IMAGE_TOKENS = 1 << 16;
    static final int MAX_CONTEXT = 1 << 20;
    static final int MAX_SCALE = 8;
    static final int MAX_SCALES = 8;

    /** S² scales: integers, the first 1, strictly increasing, each at most 8 times the image size. */
    private static int[] scales(JsonNode sc, Vision vision, String source) {
        if (sc == null || sc.isNull()) {
            return new int[] {1};
        }
        if (!sc.isArray() || sc.isEmpty() || sc.size() > MAX_SCALES) {
            throw new IllegalArgumentException(source + ": scales must be an array of 1 to " + MAX_SCALES
                    + " integers starting with 1, got " + preview(sc));
        }
        int[] scales = new int[sc.size()];
        for (int i = 0; i < scales.length; i++) {
            JsonNode s = sc.get(i);
            if (!s.isIntegralNumber() || !s.canConvertToInt() || s.asInt() < 1 || s.asInt() > MAX_SCALE
                    || (i == 0 && s.asInt() != 1) || (i > 0 && s.asInt() <= scales[i - 1])) {
                throw new IllegalArgumentException(source + ": scales must be increasing integers in [1, " + MAX_SCALE
                        + "] starting with 1, got " + preview(sc));
            }
            scales[i] = s.asInt();
        }
        long width = (long) vision.hiddenSize * scales.length;
        if (width > MAX_WIDTH * (long) MAX_SCALES) {
            throw new IllegalArgumentException(source + ": projector input width " + width + " is too large");
        }
        return scales;
    }

    private static String preview(JsonNode v) {
        String text = String.valueOf(v);
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }

    /** Typed, range-checked reads of one object's fields; errors name the source and the field. */
    private record Fields(String source) {

        int integer(JsonNode node, String key, int dflt, int min, int max) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
                throw new IllegalArgumentException(source + ": " + key + " must be an integer in [" + min + ", " + max
                        + "], got " + preview(v));
            }
            return (int) v.asLong();
        }

        double positiveDouble(JsonNode node, String key, double dflt, double max) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return dflt;
            }
            double d = v.asDouble();
            if (!v.isNumber() || !Double.isFinite(d) || d <= 0 || d > max) {
                throw new IllegalArgumentException(source + ": " + key + " must be a number in (0, " + max + "], got "
                        + preview(v));
            }
            return d;
        }

        boolean bool(JsonNode node, String key, boolean dflt) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isBoolean()) {
                throw new IllegalArgumentException(source + ": " + key + " must be true or false, got " + preview(v));
            }
            return v.asBoolean();
        }

        String text(JsonNode node, String key, String dflt) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isTextual()) {
                throw new IllegalArgumentException(source + ": " + key + " must be a string, got " + preview(v));
            }
            return v.asText();
        }

        /** CuMo's {@code s2_scales}: image sizes as "336,672,1008" (or an array), each in [1, 8 x 4096]. */
        void s2Scales(JsonNode root) {
            JsonNode v = root.get("s2_scales");
            if (v == null || v.isNull()) {
                return;
            }
            java.util.List<String> parts = new ArrayList<>();
            if (v.isTextual()) {
                parts.addAll(List.of(v.asText().split(",", -1)));
            } else if (v.isArray()) {
                v.forEach(e -> parts.add(e.isIntegralNumber() ? e.asText() : "x"));
            } else {
                parts.add("x");
            }
            for (String part : parts) {
                long size;
                try {
                    size = Long.parseLong(part.trim());
                } catch (NumberFormatException e) {
                    size = -1;
                }
                if (size < 1 || size > (long) MAX_SCALE * MAX_IMAGE_SIZE || parts.size() > MAX_SCALES) {
                    throw new IllegalArgumentException(source + ": s2_scales must list 1 to " + MAX_SCALES
                            + " image sizes in [1, " + (MAX_SCALE * MAX_IMAGE_SIZE) + "], got " + preview(v));
                }
            }
        }
    }
}
