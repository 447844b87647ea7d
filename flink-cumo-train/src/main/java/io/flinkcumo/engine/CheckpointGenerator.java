package io.flinkcumo.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkcumo.engine.safetensors.Dtype;
import io.flinkcumo.engine.safetensors.SafetensorsWriter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a randomly initialised CuMo checkpoint in the official Hugging Face layout: config.json
 * (CuMo keys plus a {@code vision_config}), safetensors shards with {@code model.safetensors.index.json}
 * (or one file), and the bundled 600-piece SentencePiece tokenizer. Used for tests, benchmarks and
 * the embedded default model; the same loading code then reads it as it reads the released weights.
 */
public final class CheckpointGenerator {

    /** Sizes of the generated model. */
    public record Spec(
            boolean mixtral,
            int imageSize,
            int visionHidden,
            int visionIntermediate,
            int visionLayers,
            int visionHeads,
            int hidden,
            int intermediate,
            int layers,
            int heads,
            int kvHeads,
            int experts,
            int topK,
            int llmExperts,
            Dtype dtype,
            int shards,
            long seed,
            boolean dense) {

        public Spec {
            if (imageSize % 14 != 0) {
                throw new IllegalArgumentException("image size must be a multiple of the patch size 14, got " + imageSize);
            }
        }

        /** A CuMo (MoE) checkpoint. */
        public Spec(boolean mixtral, int imageSize, int visionHidden, int visionIntermediate, int visionLayers, int visionHeads,
                int hidden, int intermediate, int layers, int heads, int kvHeads, int experts, int topK, int llmExperts,
                Dtype dtype, int shards, long seed) {
            this(mixtral, imageSize, visionHidden, visionIntermediate, visionLayers, visionHeads, hidden, intermediate, layers,
                    heads, kvHeads, experts, topK, llmExperts, dtype, shards, seed, false);
        }

        /** The same sizes with a dense CLIP and a dense {@code mlp2x_gelu} projector (a LLaVA-style stage-1/2 model). */
        public Spec asDense() {
            return new Spec(mixtral, imageSize, visionHidden, visionIntermediate, visionLayers, visionHeads, hidden, intermediate,
                    layers, heads, kvHeads, experts, topK, llmExperts, dtype, shards, seed, true);
        }

        /** The small default (the conformance checkpoints' sizes). */
        public static Spec tiny(boolean mixtral) {
            return new Spec(mixtral, 336, 64, 128, 3, 4, 64, 160, 2, 4, 2, 4, 2, 4, Dtype.BF16, 2, 42);
        }
    }

    /** Vocabulary of the bundled tokenizer. */
    public static final int VOCAB = 600;
    private static final String TOKENIZER_FILES = "/io/flinkcumo/engine/tokenizer/";

    private final Spec spec;
    private final SplittableRandom random;

    public CheckpointGenerator(Spec spec) {
        this.spec = spec;
        this.random = new SplittableRandom(spec.seed());
    }

    /** Writes the checkpoint into {@code out} (created if needed). */
    public void write(Path out) throws IOException {
        Files.createDirectories(out);
        writeConfig(out.resolve("config.json"));
        for (String f : List.of("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json")) {
            try (InputStream in = CheckpointGenerator.class.getResourceAsStream(TOKENIZER_FILES + f)) {
                Files.copy(in, out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Map<String, long[]> tensors = tensorShapes();
        long total = tensors.values().stream().mapToLong(s -> numel(s) * spec.dtype().bytes()).sum();
        int shards = Math.max(1, spec.shards());
        long perShard = (total + shards - 1) / shards;
        Map<String, String> weightMap = new LinkedHashMap<>();
        List<SafetensorsWriter> writers = new ArrayList<>();
        SafetensorsWriter current = new SafetensorsWriter().metadata("format", "pt");
        writers.add(current);
        for (Map.Entry<String, long[]> e : tensors.entrySet()) {
            if (current.dataBytes() >= perShard && writers.size() < shards) {
                flush(out, writers.size() - 1, shards, current, weightMap);
                current = new SafetensorsWriter().metadata("format", "pt");
                writers.add(current);
            }
            current.addFloats(e.getKey(), spec.dtype(), e.getValue(), init(e.getKey(), e.getValue()));
        }
        flush(out, writers.size() - 1, shards, current, weightMap);
        if (shards > 1) {
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode index = json.createObjectNode();
            index.putObject("metadata").put("total_size", total);
            ObjectNode map = index.putObject("weight_map");
            weightMap.forEach(map::put);
            json.writeValue(out.resolve("model.safetensors.index.json").toFile(), index);
        }
    }

    private void flush(Path out, int index, int shards, SafetensorsWriter w, Map<String, String> weightMap) throws IOException {
        String name = shards == 1 ? "model.safetensors" : String.format("model-%05d-of-%05d.safetensors", index + 1, shards);
        w.write(out.resolve(name));
        w.names().forEach(n -> weightMap.put(n, name));
    }

    /** Norm weights 1, biases 0, class/position embeddings and matrices N(0, 1/√fan_in)-ish. */
    private float[] init(String name, long[] shape) {
        float[] v = new float[(int) numel(shape)];
        boolean norm = name.contains("norm") || name.contains("layer_norm") || name.contains("layrnorm");
        if (norm && name.endsWith(".weight")) {
            java.util.Arrays.fill(v, 1f);
            return v;
        }
        if (name.endsWith(".bias")) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (random.nextGaussian() * 0.02);
            }
            return v;
        }
        double std = shape.length >= 2 ? 1.0 / Math.sqrt(numel(shape) / shape[0]) : 0.5;
        if (name.contains("embed_tokens") || name.contains("position_embedding") || name.contains("class_embedding")) {
            std = 0.5;
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * std);
        }
        return v;
    }

    private Map<String, long[]> tensorShapes() {
        Map<String, long[]> t = new LinkedHashMap<>();
        int h = spec.hidden();
        int hd = h / spec.heads();
        t.put("model.embed_tokens.weight", s(VOCAB, h));
        for (int i = 0; i < spec.layers(); i++) {
            String p = "model.layers." + i + ".";
            t.put(p + "input_layernorm.weight", s(h));
            t.put(p + "self_attn.q_proj.weight", s(h, h));
            t.put(p + "self_attn.k_proj.weight", s((long) spec.kvHeads() * hd, h));
            t.put(p + "self_attn.v_proj.weight", s((long) spec.kvHeads() * hd, h));
            t.put(p + "self_attn.o_proj.weight", s(h, h));
            t.put(p + "post_attention_layernorm.weight", s(h));
            if (spec.mixtral()) {
                t.put(p + "block_sparse_moe.gate.weight", s(spec.llmExperts(), h));
                for (int x = 0; x < spec.llmExperts(); x++) {
                    String e = p + "block_sparse_moe.experts." + x + ".";
                    t.put(e + "w1.weight", s(spec.intermediate(), h));
                    t.put(e + "w2.weight", s(h, spec.intermediate()));
                    t.put(e + "w3.weight", s(spec.intermediate(), h));
                }
            } else {
                t.put(p + "mlp.gate_proj.weight", s(spec.intermediate(), h));
                t.put(p + "mlp.up_proj.weight", s(spec.intermediate(), h));
                t.put(p + "mlp.down_proj.weight", s(h, spec.intermediate()));
            }
        }
        t.put("model.norm.weight", s(h));
        t.put("lm_head.weight", s(VOCAB, h));
        String v = "model.vision_tower.vision_model.";
        int d = spec.visionHidden();
        int f = spec.visionIntermediate();
        int patches = (spec.imageSize() / 14) * (spec.imageSize() / 14);
        t.put(v + "embeddings.class_embedding", s(d));
        t.put(v + "embeddings.patch_embedding.weight", s(d, 3, 14, 14));
        t.put(v + "embeddings.position_embedding.weight", s(patches + 1, d));
        t.put(v + "pre_layrnorm.weight", s(d));
        t.put(v + "pre_layrnorm.bias", s(d));
        for (int l = 0; l < spec.visionLayers(); l++) {
            String p = v + "encoder.layers." + l + ".";
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                t.put(p + "self_attn." + proj + ".weight", s(d, d));
                t.put(p + "self_attn." + proj + ".bias", s(d));
            }
            for (String ln : List.of("layer_norm1", "layer_norm2")) {
                t.put(p + ln + ".weight", s(d));
                t.put(p + ln + ".bias", s(d));
            }
            if (spec.dense()) {
                t.put(p + "mlp.fc1.weight", s(f, d));
                t.put(p + "mlp.fc1.bias", s(f));
                t.put(p + "mlp.fc2.weight", s(d, f));
                t.put(p + "mlp.fc2.bias", s(d));
                continue;
            }
            t.put(p + "gate.weight", s(spec.experts(), d));
            for (int x = 0; x < spec.experts(); x++) {
                t.put(p + "experts." + x + ".fc1.weight", s(f, d));
                t.put(p + "experts." + x + ".fc1.bias", s(f));
                t.put(p + "experts." + x + ".fc2.weight", s(d, f));
                t.put(p + "experts." + x + ".fc2.bias", s(d));
            }
        }
        String m = "model.mm_projector.";
        int in = 2 * d;
        if (spec.dense()) {
            t.put(m + "0.weight", s(h, in));
            t.put(m + "0.bias", s(h));
            t.put(m + "2.weight", s(h, h));
            t.put(m + "2.bias", s(h));
            return t;
        }
        t.put(m + "gate.weight", s(spec.experts(), in));
        for (int x = 0; x < spec.experts(); x++) {
            t.put(m + "experts." + x + ".0.weight", s(h, in));
            t.put(m + "experts." + x + ".0.bias", s(h));
            t.put(m + "experts." + x + ".2.weight", s(h, h));
            t.put(m + "experts." + x + ".2.bias", s(h));
        }
        return t;
    }

    private void writeConfig(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode c = json.createObjectNode();
        c.putArray("architectures").add(spec.mixtral() ? "LlavaMixtralForCausalLM" : "LlavaMistralForCausalLM");
        c.put("model_type", spec.mixtral() ? CumoConfig.MIXTRAL : CumoConfig.MISTRAL);
        c.put("hidden_size", spec.hidden());
        c.put("intermediate_size", spec.intermediate());
        c.put("num_hidden_layers", spec.layers());
        c.put("num_attention_heads", spec.heads());
        c.put("num_key_value_heads", spec.kvHeads());
        c.put("hidden_act", "silu");
        c.put("rope_theta", 1e6);
        c.put("rms_norm_eps", 1e-5);
        c.put("vocab_size", VOCAB);
        c.put("max_position_embeddings", 32768);
        c.putNull("sliding_window");
        c.put("tie_word_embeddings", false);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        if (spec.mixtral()) {
            c.put("num_local_experts", spec.llmExperts());
            c.put("num_experts_per_tok", 2);
            c.put("router_aux_loss_coef", 0.02);
            c.put("output_router_logits", false);
        }
        c.put("torch_dtype", spec.dtype() == Dtype.BF16 ? "bfloat16" : spec.dtype() == Dtype.F16 ? "float16" : "float32");
        c.put("transformers_version", "4.37.2");
        c.put("use_cache", true);
        // CuMo keys, as in the released configs
        c.put("clip_smoe", !spec.dense());
        c.put("mlp_smoe", !spec.dense());
        c.put("mm_projector_type", spec.dense() ? "mlp2x_gelu" : "smoe_mlp");
        c.put("num_experts", spec.experts());
        c.put("num_selected", spec.topK());
        c.putArray("scales").add(1).add(3);
        c.put("balance_loss_coef", 0.1);
        c.put("router_z_loss_coef", 0.01);
        c.put("mm_hidden_size", spec.visionHidden());
        c.put("mm_vision_tower", "openai/clip-vit-large-patch14-336");
        c.put("mm_vision_select_layer", -2);
        c.put("mm_vision_select_feature", "patch");
        c.put("mm_patch_merge_type", "flat");
        c.put("mm_use_im_start_end", false);
        c.put("mm_use_im_patch_token", false);
        c.put("image_aspect_ratio", "pad");
        c.put("tokenizer_model_max_length", 4096);
        c.put("tokenizer_padding_side", "right");
        c.put("use_mm_proj", true);
        ObjectNode v = c.putObject("vision_config");
        v.put("hidden_size", spec.visionHidden());
        v.put("intermediate_size", spec.visionIntermediate());
        v.put("num_hidden_layers", spec.visionLayers());
        v.put("num_attention_heads", spec.visionHeads());
        v.put("image_size", spec.imageSize());
        v.put("patch_size", 14);
        v.put("layer_norm_eps", 1e-5);
        v.put("hidden_act", "quick_gelu");
        json.writeValue(file.toFile(), c);
    }

    private static long[] s(long... dims) {
        return dims;
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
