package io.flinkcumo.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.flinkcumo.engine.model.ClipAttention;
import io.flinkcumo.engine.model.ClipEncoderLayer;
import io.flinkcumo.engine.model.ClipMlp;
import io.flinkcumo.engine.model.ClipVisionTower;
import io.flinkcumo.engine.model.FeedForward;
import io.flinkcumo.engine.model.ForwardTrace;
import io.flinkcumo.engine.model.LayerNorm;
import io.flinkcumo.engine.model.Linear;
import io.flinkcumo.engine.model.MistralAttention;
import io.flinkcumo.engine.model.MistralDecoderLayer;
import io.flinkcumo.engine.model.MistralMlp;
import io.flinkcumo.engine.model.MistralModel;
import io.flinkcumo.engine.model.Generator;
import io.flinkcumo.engine.model.MoeRouter;
import io.flinkcumo.engine.model.MultiScaleVisionEncoder;
import io.flinkcumo.engine.model.ProjectorMlp;
import io.flinkcumo.engine.model.RmsNorm;
import io.flinkcumo.engine.model.RotaryEmbedding;
import io.flinkcumo.engine.model.SparseMoe;
import io.flinkcumo.engine.model.Weights;
import io.flinkcumo.engine.routing.Component;
import io.flinkcumo.engine.safetensors.Checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * A loaded CuMo model (CLIP-MoE vision tower with S² input, MLP-MoE projector, Mistral or Mixtral
 * LLM) on one device. Load once, then call {@link #generate} from one thread at a time with batches
 * of requests; every temporary tensor lives in a per-call {@link NDManager} that is closed before
 * the call returns, and the weights live in the model's own manager, freed by {@link #close}.
 */
public final class CumoModel implements AutoCloseable {

    /**
     * Largest intermediate of one vision-tower pass, in bytes ({@code -Dcumo.vision.chunkBytes}
     * overrides it): crops are sent through the tower in chunks below this size. 32 MiB is glibc
     * malloc's largest request served from its heap (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit): larger
     * blocks are mmap'ed and unmapped on every allocation, which costs one page fault per 4 KiB
     * touched (the kernel time of the vision tower with 10-20 crops at once).
     */
    public static final long DEFAULT_VISION_CHUNK_BYTES = 32L << 20;

    private final CumoConfig config;
    private final Device device;
    private final DataType dataType;
    private final NDManager manager;
    private final Generator generator;
    private final Map<String, NDArray> parameters;

    private CumoModel(
            CumoConfig config, Device device, DataType dataType, NDManager manager, Generator generator, Map<String, NDArray> parameters) {
        this.config = config;
        this.device = device;
        this.dataType = dataType;
        this.manager = manager;
        this.generator = generator;
        this.parameters = parameters;
    }

    /** Loads {@code dir} (config.json + safetensors) onto {@code device} in {@code precision}. */
    public static CumoModel load(Path dir, Device device, Precision precision) throws IOException {
        return load(dir, device, precision, false);
    }

    /**
     * Loads every tensor of {@code dir} in float32 for training: the last CLIP layer too (run after
     * the features are taken, so that its routers get auxiliary losses), with all tensors
     * available by checkpoint name through {@link #parameters()}. Inference results are the same
     * as with {@link #load(Path, Device, Precision)}.
     */
    public static CumoModel loadForTraining(Path dir, Device device) throws IOException {
        return load(dir, device, Precision.FP32, true);
    }

    private static CumoModel load(Path dir, Device device, Precision precision, boolean training) throws IOException {
        CumoConfig config = CumoConfig.load(dir);
        if (!device.isGpu()) {
            CudaProbe.quietOnCpuOnlyHost();
        }
        DataType type = precision.dataType(device);
        NDManager manager = NDManager.newBaseManager(device, "PyTorch");
        manager.setName("cumo-weights:" + dir.getFileName());
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            Weights w = new Weights(checkpoint, manager, type, precision);
            Generator generator = build(config, w, manager, training);
            w.checkAllUsed();
            return new CumoModel(config, device, type, manager, generator, w.loaded());
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Loads on the CPU in float32. */
    public static CumoModel load(Path dir) throws IOException {
        return load(dir, Device.cpu(), Precision.AUTO);
    }

    private static Generator build(CumoConfig c, Weights w, NDManager manager, boolean training) {
        ClipVisionTower tower = buildVisionTower(c, w, training);
        MultiScaleVisionEncoder vision = new MultiScaleVisionEncoder(
                tower, c.scales(), c.vision().imageSize(), c.vision().gridSize(), manager, w.dataType(),
                MultiScaleVisionEncoder.cropsPerPass(c.vision(), w.dataType(), Long.getLong("cumo.vision.chunkBytes", DEFAULT_VISION_CHUNK_BYTES)));
        FeedForward projector = buildProjector(c, w);
        MistralModel llm = buildLanguageModel(c, w);
        return new Generator(c, vision, projector, llm, w.dataType());
    }

    private static ClipVisionTower buildVisionTower(CumoConfig c, Weights w, boolean withLastLayer) {
        CumoConfig.Vision v = c.vision();
        String p = "model.vision_tower.vision_model.";
        int d = v.hiddenSize();
        int f = v.intermediateSize();
        int patch = v.patchSize();
        NDArray conv = w.get(p + "embeddings.patch_embedding.weight", d, 3, patch, patch);
        NDArray patchT = conv.reshape(d, 3L * patch * patch).transpose(1, 0).duplicate(); // [3pp, D]
        conv.close();
        patchT.setName(p + "embeddings.patch_embedding.weight");
        w.replaceLoaded(p + "embeddings.patch_embedding.weight", patchT);
        List<ClipEncoderLayer> layers = new ArrayList<>();
        int built = withLastLayer ? v.numHiddenLayers() : v.layersUsed();
        for (int l = 0; l < built; l++) {
            String lp = p + "encoder.layers." + l + ".";
            ClipAttention attn = new ClipAttention(
                    w.linear(lp + "self_attn.q_proj", d, d, true),
                    w.linear(lp + "self_attn.k_proj", d, d, true),
                    w.linear(lp + "self_attn.v_proj", d, d, true),
                    w.linear(lp + "self_attn.out_proj", d, d, true),
                    v.numAttentionHeads());
            FeedForward mlp;
            if (c.clipMoe()) {
                mlp = moe(w, lp, c.numExperts(), c.numSelected(), d, d, Component.VISION, l,
                        x -> new ClipMlp(w.linear(lp + "experts." + x + ".fc1", f, d, true), w.linear(lp + "experts." + x + ".fc2", d, f, true)));
            } else {
                mlp = new ClipMlp(w.linear(lp + "mlp.fc1", f, d, true), w.linear(lp + "mlp.fc2", d, f, true));
            }
            layers.add(new ClipEncoderLayer(layerNorm(w, lp + "layer_norm1", d, v), attn, layerNorm(w, lp + "layer_norm2", d, v), mlp));
        }
        // The last layer's output is never read (features come from the penultimate layer).
        String lastLayer = p + "encoder.layers." + v.layersUsed() + ".";
        w.skip(n -> n.startsWith(lastLayer) || n.startsWith(p + "post_layernorm."));
        ClipEncoderLayer last = withLastLayer ? layers.remove(layers.size() - 1) : null;
        return new ClipVisionTower(
                v,
                patchT,
                w.get(p + "embeddings.class_embedding", d),
                w.get(p + "embeddings.position_embedding.weight", v.numPatches() + 1, d),
                layerNorm(w, p + "pre_layrnorm", d, v),
                layers,
                last);
    }

    private static FeedForward buildProjector(CumoConfig c, Weights w) {
        String p = "model.mm_projector.";
        int in = c.projectorInputSize();
        int h = c.llm().hiddenSize();
        if (!c.projectorMoe()) {
            return new ProjectorMlp(w.linear(p + "0", h, in, true), w.linear(p + "2", h, h, true));
        }
        return moe(w, p, c.numExperts(), c.numSelected(), in, h, Component.PROJECTOR, 0,
                x -> new ProjectorMlp(w.linear(p + "experts." + x + ".0", h, in, true), w.linear(p + "experts." + x + ".2", h, h, true)));
    }

    private static MistralModel buildLanguageModel(CumoConfig c, Weights w) {
        CumoConfig.Llm l = c.llm();
        int h = l.hiddenSize();
        int inter = l.intermediateSize();
        int hd = l.headDim();
        int q = l.numAttentionHeads() * hd;
        int kv = l.numKeyValueHeads() * hd;
        float eps = (float) l.rmsNormEps();
        List<MistralDecoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < l.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            MistralAttention attn = new MistralAttention(
                    w.linear(p + "self_attn.q_proj", q, h, false),
                    w.linear(p + "self_attn.k_proj", kv, h, false),
                    w.linear(p + "self_attn.v_proj", kv, h, false),
                    w.linear(p + "self_attn.o_proj", h, q, false),
                    l.numAttentionHeads(),
                    l.numKeyValueHeads());
            FeedForward mlp;
            if (l.isMoe()) {
                String mp = p + "block_sparse_moe.";
                mlp = moe(w, mp, l.numLocalExperts(), l.numExpertsPerTok(), h, h, Component.LLM, i,
                        x -> new MistralMlp(
                                w.linear(mp + "experts." + x + ".w1", inter, h, false),
                                w.linear(mp + "experts." + x + ".w3", inter, h, false),
                                w.linear(mp + "experts." + x + ".w2", h, inter, false)));
            } else {
                mlp = new MistralMlp(
                        w.linear(p + "mlp.gate_proj", inter, h, false),
                        w.linear(p + "mlp.up_proj", inter, h, false),
                        w.linear(p + "mlp.down_proj", h, inter, false));
            }
            layers.add(new MistralDecoderLayer(
                    new RmsNorm(w.get(p + "input_layernorm.weight", h), eps),
                    attn,
                    new RmsNorm(w.get(p + "post_attention_layernorm.weight", h), eps),
                    mlp));
        }
        NDArray embed = w.get("model.embed_tokens.weight", l.vocabSize(), h);
        NDArray lmHead = l.tieWordEmbeddings() && !w.has("lm_head.weight") ? embed : w.get("lm_head.weight", l.vocabSize(), h);
        return new MistralModel(
                embed, layers, new RmsNorm(w.get("model.norm.weight", h), eps), lmHead, new RotaryEmbedding(hd, l.ropeTheta()));
    }

    private static SparseMoe moe(
            Weights w, String prefix, int experts, int topK, int in, int out, Component c, int layer, IntFunction<FeedForward> expert) {
        MoeRouter router = new MoeRouter(new Linear(w.get(prefix + "gate.weight", experts, in), null), topK);
        List<FeedForward> list = new ArrayList<>();
        for (int x = 0; x < experts; x++) {
            list.add(expert.apply(x));
        }
        return new SparseMoe(router, list, out, c, layer);
    }

    private static LayerNorm layerNorm(Weights w, String prefix, int d, CumoConfig.Vision v) {
        return new LayerNorm(w.get(prefix + ".weight", d), w.get(prefix + ".bias", d), (float) v.layerNormEps());
    }

    public CumoConfig config() {
        return config;
    }

    public Device device() {
        return device;
    }

    public DataType dataType() {
        return dataType;
    }

    /** The manager owning the weights (for leak checks: its managed arrays never grow). */
    public NDManager manager() {
        return manager;
    }

    /** The blocks (vision encoder, projector, language model) this model runs. */
    public Generator generator() {
        return generator;
    }

    /**
     * The loaded tensors by checkpoint name (the model's own arrays: training updates them in
     * place). The patch embedding is held in its matmul form [3·p·p, D]; {@link #checkpointTensor}
     * gives every tensor in its checkpoint shape.
     */
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /** Tensor {@code name} in its checkpoint shape (a new array in {@code scope}). */
    public NDArray checkpointTensor(String name, NDManager scope) {
        NDArray a = parameters.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        NDArray copy = a.duplicate();
        copy.attach(scope);
        if (name.endsWith("embeddings.patch_embedding.weight")) {
            int d = config.vision().hiddenSize();
            int patch = config.vision().patchSize();
            return copy.transpose(1, 0).reshape(d, 3, patch, patch);
        }
        return copy;
    }

    /** Runs a batch of requests carrying their pixels inline; results are in request order. */
    public List<ModelOutput> generate(List<ModelInput> inputs) {
        return generate(inputs, ForwardTrace.NONE);
    }

    /** As {@link #generate(List)}, reporting intermediate values to {@code trace}. */
    public List<ModelOutput> generate(List<ModelInput> inputs, ForwardTrace trace) {
        return generate(inputs, null, trace);
    }

    /**
     * Runs a batch whose pixels are in {@code images} (one tensor per image placeholder, in
     * request and placeholder order; the inputs come from {@link ModelInput#withImageCount}). On the
     * CPU the pixel tensor aliases the batch's buffer instead of copying it.
     */
    public List<ModelOutput> generate(List<ModelInput> inputs, ImageBatch images) {
        return generate(inputs, images, ForwardTrace.NONE);
    }

    /**
     * As {@link #generate(List, ImageBatch)}, reporting intermediate values to {@code trace};
     * {@code images} may be null when every input carries its pixels inline.
     */
    public List<ModelOutput> generate(List<ModelInput> inputs, ImageBatch images, ForwardTrace trace) {
        if (inputs.isEmpty()) {
            if (images != null && images.count() > 0) {
                throw new IllegalArgumentException("an image batch of " + images.count() + " image(s) came without requests");
            }
            return List.of();
        }
        try (NDManager scope = manager.newSubManager()) {
            return generator.generate(scope, inputs, images, trace);
        }
    }

    /**
     * Log-likelihood of each continuation (token ids) as the model's next tokens after each
     * prompt, with the prompt's routing statistics. The prompts' generation configs are ignored.
     */
    public List<ContinuationScores> score(List<ModelInput> inputs, List<int[]> continuations) {
        if (inputs.isEmpty()) {
            return List.of();
        }
        if (continuations.isEmpty()) {
            throw new IllegalArgumentException("nothing to score: no continuations given");
        }
        try (NDManager scope = manager.newSubManager()) {
            io.flinkcumo.engine.routing.RoutingRecorder[] routing = new io.flinkcumo.engine.routing.RoutingRecorder[1];
            List<double[]> scores = generator.score(scope, inputs, null, continuations, routing);
            List<ContinuationScores> out = new java.util.ArrayList<>();
            for (int r = 0; r < scores.size(); r++) {
                out.add(new ContinuationScores(scores.get(r), routing[0].statsOf(r)));
            }
            return out;
        }
    }

    /**
     * An iteration-level batch over this model ({@link io.flinkcumo.engine.model.ContinuousBatch}):
     * sequences join between decode steps and leave as soon as they stop. Its tensors live under
     * this model's manager; close it before the model.
     *
     * @param reuse the vision-feature and prompt-prefix caches its prefills may use
     */
    public <T> io.flinkcumo.engine.model.ContinuousBatch<T> newContinuousBatch(io.flinkcumo.engine.model.Generator.Reuse reuse) {
        return new io.flinkcumo.engine.model.ContinuousBatch<>(generator, manager, reuse);
    }

    /**
     * The next-token logits after each prompt (float32, [vocab] per input), prefilled with what
     * {@code reuse} holds: to check that a shared prefix or cached features change nothing.
     */
    public List<float[]> prefillLogits(List<ModelInput> inputs, io.flinkcumo.engine.model.Generator.Reuse reuse) {
        try (NDManager scope = manager.newSubManager()) {
            return generator.prefillLogits(scope, inputs, reuse);
        }
    }

    /** Per prompt: Σ log P of each continuation, in the order given, and the prompt's routing. */
    public record ContinuationScores(double[] logProbs, io.flinkcumo.engine.routing.RoutingStats routing) {}

    /** Human-readable engine description, e.g. for logs. */
    public String describe() {
        return config.modelType() + " on " + device + " (" + dataType + ", " + Engine.getEngine("PyTorch").getVersion() + ")";
    }

    @Override
    public void close() {
        manager.close();
    }
}
