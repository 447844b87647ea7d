package io.flinkcumo.engine.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkcumo.engine.CumoConfig;
import io.flinkcumo.engine.safetensors.Checkpoint;
import io.flinkcumo.engine.safetensors.Dtype;
import io.flinkcumo.engine.safetensors.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Co-upcycling (CuMo paper §3.3, the start of stage 3): turns a dense LLaVA-style checkpoint
 * (dense CLIP {@code encoder.layers.L.mlp.fc1/fc2}, dense {@code mlp2x_gelu} projector
 * {@code model.mm_projector.0/2}) into the CuMo layout. Every expert is a copy of its dense MLP;
 * every router ({@code gate.weight}, no bias) is new, drawn like PyTorch's default Linear init:
 * U(−1/√fan_in, 1/√fan_in). The LLM is not upcycled. Before any training the upcycled model
 * computes what the dense one does (identical experts, top-k weights summing to one).
 */
public final class Upcycler {

    private static final Pattern CLIP_MLP =
            Pattern.compile("(model\\.vision_tower\\.vision_model\\.encoder\\.layers\\.\\d+\\.)mlp\\.(fc[12]\\.(?:weight|bias))");
    private static final Pattern PROJECTOR = Pattern.compile("(model\\.mm_projector\\.)([02]\\.(?:weight|bias))");

    private final int experts;
    private final int topK;
    private final long seed;

    public Upcycler(int experts, int topK, long seed) {
        if (experts < 1 || topK < 1 || topK > experts || experts > 64) {
            throw new IllegalArgumentException("need 1 <= top-k <= experts <= 64, got top-k " + topK + " of " + experts);
        }
        this.experts = experts;
        this.topK = topK;
        this.seed = seed;
    }

    /** Reads the dense model in {@code dense} and writes the upcycled model to {@code out} (float32, one file). */
    public void upcycle(Path dense, Path out) throws IOException {
        CumoConfig config = CumoConfig.load(dense);
        if (config.clipMoe() && config.projectorMoe()) {
            throw new IllegalArgumentException(dense + " is already a MoE model (clip_smoe true, mm_projector_type smoe_mlp)");
        }
        Files.createDirectories(out);
        clearWeights(out);
        SplittableRandom random = new SplittableRandom(seed);
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        try (Checkpoint ck = Checkpoint.open(dense)) {
            for (String name : ck.names().stream().sorted().toList()) {
                long[] shape = ck.info(name).shape();
                float[] values = ck.readFloats(name);
                Matcher clip = CLIP_MLP.matcher(name);
                Matcher proj = PROJECTOR.matcher(name);
                if (!config.clipMoe() && clip.matches()) {
                    for (int x = 0; x < experts; x++) {
                        writer.addFloats(clip.group(1) + "experts." + x + "." + clip.group(2), Dtype.F32, shape, values);
                    }
                    if (clip.group(2).equals("fc1.weight")) {
                        writer.addFloats(clip.group(1) + "gate.weight", Dtype.F32, new long[] {experts, shape[1]}, router(random, shape[1]));
                    }
                } else if (!config.projectorMoe() && proj.matches()) {
                    for (int x = 0; x < experts; x++) {
                        writer.addFloats(proj.group(1) + "experts." + x + "." + proj.group(2), Dtype.F32, shape, values);
                    }
                    if (proj.group(2).equals("0.weight")) {
                        writer.addFloats(proj.group(1) + "gate.weight", Dtype.F32, new long[] {experts, shape[1]}, router(random, shape[1]));
                    }
                } else {
                    writer.addFloats(name, Dtype.F32, shape, values);
                }
            }
        }
        writer.write(out.resolve(Checkpoint.SINGLE_FILE));
        writeConfig(dense.resolve("config.json"), out.resolve("config.json"));
        copyTokenizer(dense, out);
    }

    /** A new router [E, fanIn]: U(−1/√fanIn, 1/√fanIn). */
    private float[] router(SplittableRandom random, long fanIn) {
        float[] w = new float[(int) (experts * fanIn)];
        double bound = 1.0 / Math.sqrt(fanIn);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextDouble(-bound, bound);
        }
        return w;
    }

    private void writeConfig(Path from, Path to) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode c = (ObjectNode) json.readTree(from.toFile());
        c.put("clip_smoe", true);
        c.put("mlp_smoe", true);
        c.put("mm_projector_type", "smoe_mlp");
        c.put("num_experts", experts);
        c.put("num_selected", topK);
        c.put("torch_dtype", "float32");
        json.writeValue(to.toFile(), c);
    }

    /** Deletes safetensors files and the shard index in {@code dir} (before writing a new checkpoint there). */
    static void clearWeights(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String n = f.getFileName().toString();
                if (n.endsWith(".safetensors") || n.equals(Checkpoint.INDEX_FILE)) {
                    Files.delete(f);
                }
            }
        }
    }

    /** Copies the tokenizer files (and nothing else: the weights are rewritten). */
    static void copyTokenizer(Path from, Path to) throws IOException {
        for (String f : List.of("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json",
                "generation_config.json")) {
            if (Files.isRegularFile(from.resolve(f)) && !from.resolve(f).equals(to.resolve(f))) {
                Files.copy(from.resolve(f), to.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
