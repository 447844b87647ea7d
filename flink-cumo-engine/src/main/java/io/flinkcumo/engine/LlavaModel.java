package io.flinkcumo.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.flinkcumo.engine.model.ClipVisionTower;
import io.flinkcumo.engine.model.FeedForward;
import io.flinkcumo.engine.model.ForwardTrace;
import io.flinkcumo.engine.model.Generator;
import io.flinkcumo.engine.model.LanguageModel;
import io.flinkcumo.engine.model.MultiScaleVisionEncoder;
import io.flinkcumo.engine.model.ProjectorMlp;
import io.flinkcumo.engine.model.Weights;
import io.flinkcumo.engine.safetensors.Checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A loaded CuMo model (CLIP-MoE vision tower with S² input, MLP-MoE projector, and the language
 * model of its {@link ModelFamily}: Mistral or Mixtral) on one device, HF's LLaVA-style
 * {@code Llava*ForCausalLM}: it names its submodules ({@code model.vision_tower},
 * {@code model.mm_projector}), each block loads its own tensors. Load once, then call {@link #generate} from one thread at a time with batches
 * of requests; every temporary tensor lives in a per-call {@link NDManager} that is closed before
 * the call returns, and the weights live in the model's own manager, freed by {@link #close}.
 */
public final class LlavaModel implements AutoCloseable {

    /**
     * Largest intermediate of one vision-tower pass under glibc malloc, in bytes: crops are sent
     * through the tower in chunks below this size. 32 MiB is glibc malloc's largest request served
     * from its heap (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit): larger blocks are mmap'ed and unmapped
     * on every allocation, which costs one page fault per 4 KiB touched (the kernel time of the
     * vision tower with 10-20 crops at once).
     */
    public static final long DEFAULT_VISION_CHUNK_BYTES = 32L << 20;

    /**
     * The same budget when a caching allocator (tcmalloc, jemalloc) is preloaded: freed blocks are
     * reused whatever their size, so the chunk is sized for the GEMMs instead (mid-size model, AMD
     * EPYC: one CLIP crop per pass reaches 0.74 of the fp32 GEMM peak, six crops 0.88).
     */
    public static final long CACHING_ALLOCATOR_VISION_CHUNK_BYTES = 128L << 20;

    /** The vision chunk budget: {@code -Dcumo.vision.chunkBytes}, else by the process's allocator. */
    public static long visionChunkBytes() {
        return Long.getLong("cumo.vision.chunkBytes",
                NativeAllocator.keepsFreedPages() ? CACHING_ALLOCATOR_VISION_CHUNK_BYTES : DEFAULT_VISION_CHUNK_BYTES);
    }

    /** The submodule names of the LLaVA-style model (HF {@code LlavaMistralModel}): the rest belongs to the language model. */
    static final String VISION_TOWER = "model.vision_tower.vision_model.";
    static final String PROJECTOR = "model.mm_projector.";

    private final CumoConfig config;
    private final Device device;
    private final DataType dataType;
    private final NDManager manager;
    private final Generator generator;
    private final Map<String, NDArray> weights;

    private LlavaModel(
            CumoConfig config, Device device, DataType dataType, NDManager manager, Generator generator, Map<String, NDArray> weights) {
        this.config = config;
        this.device = device;
        this.dataType = dataType;
        this.manager = manager;
        this.generator = generator;
        this.weights = weights;
    }

    /** Loads {@code dir} (config.json + safetensors) onto {@code device} in {@code precision}. */
    public static LlavaModel load(Path dir, Device device, Precision precision) throws IOException {
        return load(dir, device, precision, false);
    }

    /**
     * As {@link #load(Path, Device, Precision)}; with {@code runLastVisionLayer} the CLIP layer
     * after the one the features come from is loaded too and run after them (its output unused),
     * so that its MoE routers report their logits. Outputs are the same either way.
     */
    public static LlavaModel load(Path dir, Device device, Precision precision, boolean runLastVisionLayer) throws IOException {
        CumoConfig config = CumoConfig.load(dir);
        if (!device.isGpu()) {
            CudaProbe.quietOnCpuOnlyHost();
        }
        DataType type = precision.dataType(device);
        NDManager manager = NDManager.newBaseManager(device, "PyTorch");
        manager.setName("cumo-weights:" + dir.getFileName());
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            Weights w = new Weights(checkpoint, manager, type, precision);
            Generator generator = build(config, w, manager, runLastVisionLayer);
            w.checkAllUsed();
            return new LlavaModel(config, device, type, manager, generator, w.loaded());
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Loads on the CPU in float32. */
    public static LlavaModel load(Path dir) throws IOException {
        return load(dir, Device.cpu(), Precision.AUTO);
    }

    /** Vision tower (S² over CLIP), projector and the family's language model, in checkpoint order. */
    private static Generator build(CumoConfig c, Weights w, NDManager manager, boolean runLastVisionLayer) {
        ClipVisionTower tower = ClipVisionTower.load(w, VISION_TOWER, c, runLastVisionLayer);
        MultiScaleVisionEncoder vision = new MultiScaleVisionEncoder(
                tower, c.scales(), c.vision().imageSize(), c.vision().gridSize(), manager, w.dataType(),
                MultiScaleVisionEncoder.cropsPerPass(c.vision(), w.dataType(), visionChunkBytes()));
        FeedForward projector = ProjectorMlp.loadConnector(w, PROJECTOR, c);
        LanguageModel llm = c.family().languageModel().load(w, c.llm());
        return new Generator(c, vision, projector, llm, w.dataType());
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

    /** The model family of its {@code model_type} (language model, template, tokenizer). */
    public ModelFamily family() {
        return config.family();
    }

    /**
     * The loaded tensors by checkpoint name, in load order (the model's own arrays, not copies; for
     * inspection and training). The patch embedding is held in its matmul form [3·p·p, D]
     * ({@link ClipVisionTower#patchEmbeddingAsStored} gives its checkpoint shape).
     */
    public Map<String, NDArray> weights() {
        return weights;
    }

    /**
     * Runs a batch of requests; results are in request order. {@code images} holds the pixels, one
     * tensor per image placeholder in request and placeholder order, when the inputs come from
     * {@link ModelInput#withImageCount} (on the CPU the pixel tensor aliases the batch's buffer);
     * it is null when every input carries its pixels inline. {@code trace} receives intermediate
     * values ({@link ForwardTrace#NONE} for none).
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
     * As {@link #newContinuousBatch(io.flinkcumo.engine.model.Generator.Reuse)}, prefilling a
     * prompt whose own positions exceed {@code chunkSize} in chunks of at most that many (0 = whole).
     */
    public <T> io.flinkcumo.engine.model.ContinuousBatch<T> newContinuousBatch(
            io.flinkcumo.engine.model.Generator.Reuse reuse, int chunkSize) {
        return new io.flinkcumo.engine.model.ContinuousBatch<>(generator, manager, reuse, chunkSize);
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
