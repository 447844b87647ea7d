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
 * ({@code llava_mistral} or {@code llava_mixtral}), the CLIP vision tower (ViT-L/14-336 unless a
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

    /** Number of image rows spliced into the prompt per image (576 for ViT-L/14-336). */
    public int imageTokens() {
        return vision.numPatches();
    }

    /** Width of the projector input: CLIP width times the number of S² scales. */
    public int projectorInputSize() {
        return vision.hiddenSize * scales.length;
    }

    /** Reads and validates {@code dir/config.json}. */
    public static CumoConfig load(Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("model directory " + dir + " has no config.json");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        return parse(root, file.toString());
    }

    static CumoConfig parse(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + " is not a JSON object");
        }
        String type = root.path("model_type").asText("");
        if (!type.equals(MISTRAL) && !type.equals(MIXTRAL)) {
            throw new IllegalArgumentException(
                    source + ": model_type '" + type + "' is not a CuMo model (expected " + MISTRAL + " or " + MIXTRAL + ")");
        }
        boolean mixtral = type.equals(MIXTRAL);
        Llm llm = new Llm(
                positive(root, "hidden_size", 4096, source),
                positive(root, "intermediate_size", 14336, source),
                positive(root, "num_hidden_layers", 32, source),
                positive(root, "num_attention_heads", 32, source),
                positive(root, "num_key_value_heads", root.path("num_attention_heads").asInt(32), source),
                root.path("rope_theta").asDouble(mixtral ? 1e6 : 10000.0),
                root.path("rms_norm_eps").asDouble(1e-5),
                positive(root, "vocab_size", 32000, source),
                root.path("tie_word_embeddings").asBoolean(false),
                root.path("bos_token_id").asInt(1),
                root.path("eos_token_id").asInt(2),
                mixtral ? positive(root, "num_local_experts", 8, source) : 0,
                mixtral ? positive(root, "num_experts_per_tok", 2, source) : 0);
        if (llm.hiddenSize % llm.numAttentionHeads != 0 || llm.numAttentionHeads % llm.numKeyValueHeads != 0) {
            throw new IllegalArgumentException(source + ": hidden_size, num_attention_heads and num_key_value_heads do not divide");
        }
        if (mixtral && llm.numExpertsPerTok > llm.numLocalExperts) {
            throw new IllegalArgumentException(source + ": num_experts_per_tok exceeds num_local_experts");
        }
        Vision vision = Vision.CLIP_VIT_L_14_336;
        JsonNode vc = root.get("vision_config");
        if (vc != null && vc.isObject()) {
            Vision d = Vision.CLIP_VIT_L_14_336;
            vision = new Vision(
                    positive(vc, "hidden_size", d.hiddenSize(), source),
                    positive(vc, "intermediate_size", d.intermediateSize(), source),
                    positive(vc, "num_hidden_layers", d.numHiddenLayers(), source),
                    positive(vc, "num_attention_heads", d.numAttentionHeads(), source),
                    positive(vc, "image_size", d.imageSize(), source),
                    positive(vc, "patch_size", d.patchSize(), source),
                    vc.path("layer_norm_eps").asDouble(d.layerNormEps()));
            String act = vc.path("hidden_act").asText("quick_gelu");
            if (!act.equals("quick_gelu")) {
                throw new IllegalArgumentException(source + ": vision hidden_act '" + act + "' is not supported (CLIP uses quick_gelu)");
            }
        }
        if (vision.imageSize % vision.patchSize != 0 || vision.hiddenSize % vision.numAttentionHeads != 0
                || vision.numHiddenLayers < 2) {
            throw new IllegalArgumentException(source + ": inconsistent vision_config " + vision);
        }
        int mmHidden = root.path("mm_hidden_size").asInt(vision.hiddenSize);
        if (mmHidden != vision.hiddenSize) {
            throw new IllegalArgumentException(
                    source + ": mm_hidden_size " + mmHidden + " differs from the vision hidden_size " + vision.hiddenSize);
        }
        List<Integer> scaleList = new ArrayList<>();
        JsonNode sc = root.get("scales");
        if (sc != null && sc.isArray()) {
            sc.forEach(s -> scaleList.add(s.asInt()));
        } else {
            scaleList.add(1);
        }
        int[] scales = scaleList.stream().mapToInt(Integer::intValue).toArray();
        if (scales.length == 0 || scales[0] != 1) {
            throw new IllegalArgumentException(source + ": scales must start with 1, got " + scaleList);
        }
        String projectorType = root.path("mm_projector_type").asText("smoe_mlp");
        boolean projectorMoe = switch (projectorType) {
            case "smoe_mlp" -> true;
            case "mlp2x_gelu" -> false;
            default -> throw new IllegalArgumentException(
                    source + ": mm_projector_type '" + projectorType + "' is not supported (smoe_mlp or mlp2x_gelu)");
        };
        String select = root.path("mm_vision_select_feature").asText("patch");
        if (!select.equals("patch")) {
            throw new IllegalArgumentException(source + ": mm_vision_select_feature '" + select + "' is not supported (patch)");
        }
        int numExperts = root.path("num_experts").asInt(4);
        int numSelected = root.path("num_selected").asInt(2);
        if (numExperts < 1 || numSelected < 1 || numSelected > numExperts) {
            throw new IllegalArgumentException(source + ": num_selected " + numSelected + " of num_experts " + numExperts);
        }
        return new CumoConfig(
                type,
                llm,
                vision,
                root.path("clip_smoe").asBoolean(true),
                projectorMoe,
                numExperts,
                numSelected,
                scales,
                root.path("image_aspect_ratio").asText("pad"),
                root.path("tokenizer_model_max_length").asInt(4096));
    }

    private static int positive(JsonNode node, String key, int dflt, String source) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.canConvertToInt() || v.asInt() <= 0) {
            throw new IllegalArgumentException(source + ": " + key + " must be a positive integer, got " + v);
        }
        return v.asInt();
    }
}
