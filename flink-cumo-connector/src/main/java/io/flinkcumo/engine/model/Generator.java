package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.flinkcumo.engine.CumoConfig;
import io.flinkcumo.engine.ModelInput;
import io.flinkcumo.engine.ModelOutput;
import io.flinkcumo.engine.routing.RoutingRecorder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Batched generation for requests of different lengths, equal to running each alone:
 * <ol>
 *   <li>all crops of all images in one S² vision pass, then the projector;</li>
 *   <li>splice: every prompt's text embeddings and image rows gathered into a right-padded
 *       [B, L_max, H] batch with one gather;</li>
 *   <li>prefill with a causal mask that also hides padding keys; each row's logits are read at its
 *       own last real position;</li>
 *   <li>decode: all rows write the same cache slot per step, row b at RoPE position L_b + i, with
 *       the padding slots [L_b, L_max) masked, until EOS or the row's token budget.</li>
 * </ol>
 */
public final class Generator {

    private final CumoConfig config;
    private final MultiScaleVisionEncoder vision;
    private final FeedForward projector;
    private final MistralModel llm;
    private final DataType type;

    public Generator(CumoConfig config, MultiScaleVisionEncoder vision, FeedForward projector, MistralModel llm, DataType type) {
        this.config = config;
        this.vision = vision;
        this.projector = projector;
        this.llm = llm;
        this.type = type;
    }

    public CumoConfig config() {
        return config;
    }

    /** The S² vision encoder (CLIP tower inside). */
    public MultiScaleVisionEncoder vision() {
        return vision;
    }

    /** The projector (dense {@code mlp2x_gelu} or MLP-MoE). */
    public FeedForward projector() {
        return projector;
    }

    /** The language model. */
    public MistralModel llm() {
        return llm;
    }

    public List<ModelOutput> generate(NDManager scope, List<ModelInput> inputs, ForwardTrace trace) {
        int b = inputs.size();
        RoutingRecorder recorder = new RoutingRecorder(b);
        long t0 = System.nanoTime();
        NDArray imageRows = encodeImages(scope, inputs, recorder, trace); // [N_img·P, H] or null
        long t1 = System.nanoTime();

        // ---- splice ----
        int p = config.imageTokens();
        int[] lengths = new int[b];
        List<Integer> textIds = new ArrayList<>();
        for (int r = 0; r < b; r++) {
            for (int id : inputs.get(r).inputIds()) {
                if (id == ModelInput.IMAGE_TOKEN_INDEX) {
                    lengths[r] += p;
                } else {
                    if (id < 0 || id >= config.llm().vocabSize()) {
                        throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + config.llm().vocabSize());
                    }
                    textIds.add(id);
                    lengths[r]++;
                }
            }
            if (lengths[r] >= config.maxContext()) {
                throw new IllegalArgumentException(
                        "the prompt fills " + lengths[r] + " positions after splicing " + p + " rows per image, but the context holds "
                                + config.maxContext() + " (with room for at least one new token)");
            }
        }
        int lMax = Arrays.stream(lengths).max().orElseThrow();
        int textCount = textIds.size();
        int imageCount = imageRows == null ? 0 : (int) imageRows.getShape().get(0);
        int zeroRow = textCount + imageCount;
        long[] gather = new long[b * lMax];
        Arrays.fill(gather, zeroRow);
        int text = 0;
        int image = 0;
        for (int r = 0; r < b; r++) {
            int pos = 0;
            for (int id : inputs.get(r).inputIds()) {
                if (id == ModelInput.IMAGE_TOKEN_INDEX) {
                    for (int i = 0; i < p; i++) {
                        gather[r * lMax + pos++] = textCount + image++;
                    }
                } else {
                    gather[r * lMax + pos++] = text++;
                }
            }
        }
        NDList table = new NDList();
        table.add(llm.embed(scope.create(textIds.stream().mapToLong(Integer::longValue).toArray())));
        if (imageRows != null) {
            table.add(imageRows);
        }
        table.add(scope.zeros(new Shape(1, config.llm().hiddenSize()), type));
        NDArray x = NDArrays.concat(table, 0).get(scope.create(gather)).reshape(b, lMax, config.llm().hiddenSize());
        trace.llmHidden(0, x);

        // ---- prefill ----
        int[] budget = new int[b];
        int maxBudget = 0;
        for (int r = 0; r < b; r++) {
            budget[r] = Math.min(inputs.get(r).config().maxNewTokens(), config.maxContext() - lengths[r]);
            maxBudget = Math.max(maxBudget, budget[r]);
        }
        KvCache cache = new KvCache(
                scope, llm.numLayers(), b, config.llm().numKeyValueHeads(), lMax + maxBudget, config.llm().headDim(), type);
        int[][] positions = new int[b][lMax];
        int[] owners = new int[b * lMax];
        float[] mask = new float[b * lMax * lMax];
        for (int r = 0; r < b; r++) {
            for (int t = 0; t < lMax; t++) {
                positions[r][t] = t;
                owners[r * lMax + t] = t < lengths[r] ? r : -1;
                for (int j = 0; j < lMax; j++) {
                    boolean visible = j <= t && j < lengths[r];
                    mask[(r * lMax + t) * lMax + j] = visible ? 0f : Float.NEGATIVE_INFINITY;
                }
            }
        }
        TokenOwners prefillTokens = new TokenOwners(owners, recorder, trace);
        NDArray hidden = llm.forward(
                x, llm.rotary().tables(scope, positions, type), maskArray(scope, mask, b, lMax, lMax), cache, prefillTokens, true);
        long[] last = new long[b];
        for (int r = 0; r < b; r++) {
            last[r] = (long) r * lMax + lengths[r] - 1;
        }
        NDArray logits = llm.logits(hidden.reshape((long) b * lMax, -1).get(scope.create(last))); // [B, V]
        trace.logits(0, logits);
        long t2 = System.nanoTime();

        // ---- decode ----
        Sampler[] samplers = new Sampler[b];
        List<List<Integer>> generated = new ArrayList<>();
        boolean[] done = new boolean[b];
        boolean[] eos = new boolean[b];
        for (int r = 0; r < b; r++) {
            generated.add(new ArrayList<>());
            if (!inputs.get(r).config().isGreedy()) {
                samplers[r] = new Sampler(inputs.get(r).config());
            }
        }
        int eosId = config.llm().eosTokenId();
        int steps = 0;
        for (int step = 0; ; step++) {
            long[] next = pick(logits, samplers, done);
            boolean allDone = true;
            for (int r = 0; r < b; r++) {
                if (done[r]) {
                    continue;
                }
                int id = (int) next[r];
                generated.get(r).add(id);
                if (id == eosId) {
                    eos[r] = true;
                    done[r] = true;
                } else if (generated.get(r).size() >= budget[r]) {
                    done[r] = true;
                }
                allDone &= done[r];
            }
            if (allDone) {
                break;
            }
            steps++;
            int slots = lMax + step + 1; // cache slots after this step's write
            int[][] pos = new int[b][1];
            int[] stepOwners = new int[b];
            float[] stepMask = new float[b * slots];
            for (int r = 0; r < b; r++) {
                pos[r][0] = lengths[r] + step;
                stepOwners[r] = done[r] ? -1 : r;
                for (int j = 0; j < slots; j++) {
                    boolean visible = j < lengths[r] || j >= lMax;
                    stepMask[r * slots + j] = visible ? 0f : Float.NEGATIVE_INFINITY;
                }
            }
            NDArray ids = scope.create(next, new Shape(b, 1));
            NDArray h = llm.forward(
                    llm.embed(ids),
                    llm.rotary().tables(scope, pos, type),
                    maskArray(scope, stepMask, b, 1, slots),
                    cache,
                    new TokenOwners(stepOwners, recorder, trace),
                    false);
            logits = llm.logits(h.reshape(b, -1));
            trace.logits(step + 1, logits);
        }
        long t3 = System.nanoTime();

        ModelOutput.Timings timings = new ModelOutput.Timings(b, t1 - t0, t2 - t1, t3 - t2, steps);
        List<ModelOutput> out = new ArrayList<>(b);
        for (int r = 0; r < b; r++) {
            int[] ids = generated.get(r).stream().mapToInt(Integer::intValue).toArray();
            out.add(new ModelOutput(ids, eos[r], lengths[r], recorder.statsOf(r), timings));
        }
        return out;
    }

    /** Vision tower + projector over every image of every request → [N_img·P, H], or null without images. */
    private NDArray encodeImages(NDManager scope, List<ModelInput> inputs, RoutingRecorder recorder, ForwardTrace trace) {
        int s = config.vision().imageSize();
        int perImage = 3 * s * s;
        List<Integer> owners = new ArrayList<>();
        for (int r = 0; r < inputs.size(); r++) {
            for (float[] px : inputs.get(r).pixelValues()) {
                if (px.length != perImage) {
                    throw new IllegalArgumentException(
                            "pixel values hold " + px.length + " floats, expected 3x" + s + "x" + s);
                }
                owners.add(r);
            }
        }
        if (owners.isEmpty()) {
            return null;
        }
        float[] all = new float[owners.size() * perImage];
        int i = 0;
        for (ModelInput in : inputs) {
            for (float[] px : in.pixelValues()) {
                System.arraycopy(px, 0, all, i++ * perImage, perImage);
            }
        }
        int[] imageOwners = owners.stream().mapToInt(Integer::intValue).toArray();
        NDArray pixels = scope.create(all, new Shape(owners.size(), 3, s, s)).toType(type, false);
        TokenOwners context = new TokenOwners(new int[0], recorder, trace);
        NDArray v = vision.forward(pixels, imageOwners, context); // [N, P, D·scales]
        trace.visionFeatures(v);
        long n = v.getShape().get(0);
        long p = v.getShape().get(1);
        NDArray rows = projector.forward(
                v.reshape(n * p, v.getShape().get(2)),
                new TokenOwners(TokenOwners.repeatEach(imageOwners, (int) p), recorder, trace));
        trace.projectorOutput(rows.reshape(n, p, -1));
        return rows;
    }

    private NDArray maskArray(NDManager scope, float[] mask, int b, int l, int t) {
        return scope.create(mask, new Shape(b, 1, l, t)).toType(type, false);
    }

    /** Next token of every row: argmax on the device for greedy rows, host sampling for the others. */
    private static long[] pick(NDArray logits, Sampler[] samplers, boolean[] done) {
        long[] next = logits.argMax(-1).toLongArray();
        for (int r = 0; r < samplers.length; r++) {
            if (samplers[r] != null && !done[r]) {
                next[r] = samplers[r].sample(logits.get(r).toType(DataType.FLOAT32, false).toFloatArray());
            }
        }
        return next;
    }
}
