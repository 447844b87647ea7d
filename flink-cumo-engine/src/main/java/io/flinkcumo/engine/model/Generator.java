package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.flinkcumo.engine.CumoConfig;
import io.flinkcumo.engine.ImageBatch;
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
 *   <li>{@link Splice}: every prompt's text embeddings and image rows gathered into a right-padded
 *       [B, L_max, H] batch with one gather;</li>
 *   <li>prefill with a {@link CausalMask} that also hides padding keys; each row's logits are read at its
 *       own last real position;</li>
 *   <li>decode: all rows write the same cache slot per step, row b at RoPE position L_b + i, with
 *       the padding slots [L_b, L_max) masked, until EOS or the row's token budget.</li>
 * </ol>
 */
public final class Generator {

    private final CumoConfig config;
    private final MultiScaleVisionEncoder vision;
    private final FeedForward projector;
    private final LanguageModel llm;
    private final DataType type;

    public Generator(CumoConfig config, MultiScaleVisionEncoder vision, FeedForward projector, LanguageModel llm, DataType type) {
        this.config = config;
        this.vision = vision;
        this.projector = projector;
        this.llm = llm;
        this.type = type;
    }

    public CumoConfig config() {
        return config;
    }

    /** The tensors' data type. */
    public DataType dataType() {
        return type;
    }

    /** The S² vision encoder (CLIP tower inside). */
    public MultiScaleVisionEncoder vision() {
        return vision;
    }

    /** The projector (dense {@code mlp2x_gelu} or MLP-MoE). */
    public FeedForward projector() {
        return projector;
    }

    /** The language model (of the config's model family). */
    public LanguageModel llm() {
        return llm;
    }

    /**
     * Generates for a batch; {@code images} holds the pixels of {@link ModelInput#withImageCount}
     * inputs in placeholder order, or is null when every input carries its pixels inline.
     */
    public List<ModelOutput> generate(NDManager scope, List<ModelInput> inputs, ImageBatch images, ForwardTrace trace) {
        int b = inputs.size();
        int[] budget = new int[b];
        int maxBudget = 0;
        for (int r = 0; r < b; r++) {
            budget[r] = Math.min(inputs.get(r).config().maxNewTokens(), config.maxContext() - promptLength(inputs.get(r)));
            maxBudget = Math.max(maxBudget, budget[r]);
        }
        Prefilled pre = prefill(scope, inputs, images, trace, maxBudget);
        int lMax = pre.lMax();
        int[] lengths = pre.lengths();
        KvCache cache = pre.cache();
        RoutingRecorder recorder = pre.recorder();
        NDArray logits = pre.lastLogits();
        long t2 = System.nanoTime();
        long[] decodeTensors = {0}; // tensors created by the decode steps: one native call each

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
                if (id == eosId && !inputs.get(r).config().ignoreEos()) {
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
            int past = lMax + step; // cache slots before this step's write
            int[][] pos = new int[b][1];
            int[] stepOwners = new int[b];
            CausalMask stepMask = new CausalMask(b, 1, past);
            for (int r = 0; r < b; r++) {
                pos[r][0] = lengths[r] + step;
                stepOwners[r] = done[r] ? -1 : r;
                stepMask.seePast(r, 0, lengths[r], lMax, past); // its prompt and its generated tokens, not the padding
            }
            NDArray previous = logits;
            logits = Scopes.keep(() -> { // the step's temporaries (masks, rope tables, cache views) are freed here
                int before = scope.getManagedArrays().size();
                NDArray ids = scope.create(next, new Shape(b, 1));
                NDArray h = llm.forward(
                        llm.embed(ids),
                        pos,
                        stepMask.toArray(scope, type),
                        cache,
                        new TokenOwners(stepOwners, recorder, trace),
                        false);
                NDArray stepLogits = llm.logits(h.reshape(b, -1));
                decodeTensors[0] += scope.getManagedArrays().size() - before;
                return stepLogits;
            });
            previous.close();
            trace.logits(step + 1, logits);
        }
        long t3 = System.nanoTime();

        ModelOutput.Timings timings = new ModelOutput.Timings(b, pre.visionNanos(), pre.prefillNanos(), t3 - t2, steps, decodeTensors[0]);
        List<ModelOutput> out = new ArrayList<>(b);
        for (int r = 0; r < b; r++) {
            int[] ids = generated.get(r).stream().mapToInt(Integer::intValue).toArray();
            out.add(new ModelOutput(ids, eos[r], lengths[r], recorder.statsOf(r), timings));
        }
        return out;
    }

    /** State after prefill: the cache holds every prompt, logits are at each row's last real position. */
    record Prefilled(
            int[] lengths, int lMax, KvCache cache, NDArray lastLogits, RoutingRecorder recorder, long visionNanos, long prefillNanos) {}

    /** Positions a prompt fills after splicing (each placeholder becomes the image's rows). */
    int promptLength(ModelInput input) {
        int n = 0;
        for (int id : input.inputIds()) {
            n += id == ModelInput.IMAGE_TOKEN_INDEX ? config.imageTokens() : 1;
        }
        return n;
    }

    /** What a prefill may reuse: cached vision features and shared prompt prefixes (either may be null). */
    public record Reuse(VisionFeatureCache vision, PromptPrefixCache prefix) {
        public static final Reuse NONE = new Reuse(null, null);
    }

    /** Vision, splice and prefill of a batch into a cache with {@code extraSlots} free slots after the longest prompt. */
    private Prefilled prefill(NDManager scope, List<ModelInput> inputs, ImageBatch images, ForwardTrace trace, int extraSlots) {
        return prefill(scope, inputs, images, trace, extraSlots, Reuse.NONE);
    }

    /**
     * As above, reusing what {@code reuse} holds: with a prefix cache and a shared prefix (the same
     * tokens before every input's first image), the prefix's K/V are copied into slots [0, L_p) of
     * every row and only the rest of each prompt is prefilled, at positions L_p, L_p+1, ….
     */
    Prefilled prefill(NDManager scope, List<ModelInput> inputs, ImageBatch images, ForwardTrace trace, int extraSlots, Reuse reuse) {
        int b = inputs.size();
        RoutingRecorder recorder = new RoutingRecorder(b);
        long t0 = System.nanoTime();
        NDArray imageRows = reuse.vision() != null && reuse.vision().enabled()
                ? encodeImagesCached(scope, inputs, images, recorder, reuse.vision())
                : encodeImages(scope, inputs, images, recorder, trace); // [N_img·P, H] or null
        long t1 = System.nanoTime();
        int lp = reuse.prefix() == null ? 0 : sharedPrefixLength(inputs);
        PromptPrefixCache.Entry prefix = lp == 0 ? null : reuse.prefix().get(Arrays.copyOf(inputs.get(0).inputIds(), lp), this);

        // ---- splice (the part of each prompt after the shared prefix) ----
        int p = config.imageTokens();
        int[] lengths = new int[b];
        for (int r = 0; r < b; r++) {
            checkVocabulary(inputs.get(r).inputIds(), lp);
            lengths[r] = promptLength(inputs.get(r));
            if (lengths[r] >= config.maxContext()) {
                throw new IllegalArgumentException(
                        "the prompt fills " + lengths[r] + " positions after splicing " + p + " rows per image, but the context holds "
                                + config.maxContext() + " (with room for at least one new token)");
            }
        }
        Splice splice = new Splice(inputs.stream().map(ModelInput::inputIds).toList(), lp, p);
        int[] own = splice.lengths(); // positions each row prefills itself: lengths − L_p
        int lOwn = splice.maxLength(); // L_own: rows prefilled this call
        int lMax = lp + lOwn;
        NDArray x = splice.embed(scope, llm, imageRows, type); // [B, L_own, H]
        trace.llmHidden(0, x);

        // ---- prefill: row r's own tokens at positions L_p + t, seeing the prefix and its own earlier tokens ----
        KvCache cache = new KvCache(scope, llm.numLayers(), b, llm.numKeyValueHeads(), lMax + extraSlots, llm.headDim(), type);
        if (prefix != null) {
            cache.prime(prefix.keys(), prefix.values());
            for (int r = 0; r < b; r++) {
                recorder.add(r, prefix.routing(), 0);
            }
        }
        int[][] positions = new int[b][lOwn];
        int[] owners = new int[b * lOwn];
        for (int r = 0; r < b; r++) {
            for (int t = 0; t < lOwn; t++) {
                positions[r][t] = lp + t;
                owners[r * lOwn + t] = t < own[r] ? r : -1;
            }
        }
        NDArray mask = new CausalMask(b, lOwn, lp).lengths(own).toArray(scope, type); // [B, 1, L_own, L_max]
        TokenOwners prefillTokens = new TokenOwners(owners, recorder, trace);
        NDArray hidden = llm.forward(x, positions, mask, cache, prefillTokens, true);
        long[] last = new long[b];
        for (int r = 0; r < b; r++) {
            last[r] = (long) r * lOwn + own[r] - 1;
        }
        NDArray logits = llm.logits(hidden.reshape((long) b * lOwn, -1).get(scope.create(last))); // [B, V]
        trace.logits(0, logits);
        return new Prefilled(lengths, lMax, cache, logits, recorder, t1 - t0, System.nanoTime() - t1);
    }

    /** Token ids (from index {@code from}, placeholders aside) must lie in the vocabulary. */
    private void checkVocabulary(int[] ids, int from) {
        for (int k = from; k < ids.length; k++) {
            int id = ids[k];
            if (id != ModelInput.IMAGE_TOKEN_INDEX && (id < 0 || id >= llm.vocabSize())) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + llm.vocabSize());
            }
        }
    }

    /**
     * The projected image rows of {@code inputs} in placeholder order, [N_img·P, H] (null without
     * images), through the vision-feature cache when {@code reuse} has one; routing into
     * {@code recorder}. Used by {@link ChunkedPrefill}, which encodes a prompt's images once before
     * its chunks.
     */
    NDArray imageRows(NDManager scope, List<ModelInput> inputs, RoutingRecorder recorder, Reuse reuse) {
        return reuse.vision() != null && reuse.vision().enabled()
                ? encodeImagesCached(scope, inputs, null, recorder, reuse.vision())
                : encodeImages(scope, inputs, null, recorder, ForwardTrace.NONE);
    }

    /** The next-token logits after each prompt, prefilled with {@code reuse} (for equivalence checks). */
    public List<float[]> prefillLogits(NDManager scope, List<ModelInput> inputs, Reuse reuse) {
        NDArray logits = prefill(scope, inputs, null, ForwardTrace.NONE, 0, reuse).lastLogits().toType(DataType.FLOAT32, false);
        List<float[]> out = new ArrayList<>();
        for (int r = 0; r < inputs.size(); r++) {
            out.add(logits.get(r).toFloatArray());
        }
        return out;
    }

    /**
     * Length of the prompt prefix every input shares and may take from a prefix cache: the tokens
     * before the first image placeholder, when they are the same in all inputs; 0 otherwise (no
     * image, or different prefixes).
     */
    static int sharedPrefixLength(List<ModelInput> inputs) {
        int[] first = inputs.get(0).inputIds();
        int lp = prefixLength(first);
        for (ModelInput in : inputs) {
            int[] ids = in.inputIds();
            if (prefixLength(ids) != lp || !Arrays.equals(ids, 0, lp, first, 0, lp)) {
                return 0;
            }
        }
        return lp;
    }

    /** Tokens before the first image placeholder, 0 without one. */
    static int prefixLength(int[] ids) {
        for (int k = 0; k < ids.length; k++) {
            if (ids[k] == ModelInput.IMAGE_TOKEN_INDEX) {
                return k;
            }
        }
        return 0;
    }

    /**
     * Prefills {@code ids} alone (positions 0 … L_p−1) and returns its K/V per layer, [1, kv_heads,
     * L_p, d], in {@code owner}, with the routing its tokens took.
     */
    PromptPrefixCache.Entry prefixEntry(NDManager owner, int[] ids) {
        int lp = ids.length;
        for (int id : ids) {
            if (id < 0 || id >= llm.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + llm.vocabSize());
            }
        }
        RoutingRecorder routing = new RoutingRecorder(1);
        try (NDManager scope = owner.newSubManager()) {
            KvCache cache = new KvCache(scope, llm.numLayers(), 1, llm.numKeyValueHeads(), lp, llm.headDim(), type);
            int[][] positions = new int[1][lp];
            for (int t = 0; t < lp; t++) {
                positions[0][t] = t;
            }
            NDArray x = llm.embed(scope.create(Arrays.stream(ids).mapToLong(i -> i).toArray(), new Shape(1, lp)));
            llm.forward(x, positions, CausalMask.causal(lp).toArray(scope, type), cache,
                    new TokenOwners(new int[lp], routing, ForwardTrace.NONE), false);
            NDArray[] k = new NDArray[llm.numLayers()];
            NDArray[] v = new NDArray[llm.numLayers()];
            for (int l = 0; l < k.length; l++) {
                k[l] = keep(cache.keys(l), owner);
                v[l] = keep(cache.values(l), owner);
            }
            return new PromptPrefixCache.Entry(ids.clone(), k, v, routing);
        }
    }

    private static NDArray keep(NDArray a, NDManager owner) {
        NDArray copy = a.duplicate();
        copy.attach(owner);
        ai.djl.ndarray.NDScope.unregister(copy);
        return copy;
    }

    /**
     * Log-likelihood of each continuation after each prompt: Σ_j log P(c_j | prompt, c_<j), the
     * prompt's image and text prefilled once, its cache copied per continuation, and all
     * continuations teacher-forced together in one forward pass.
     *
     * @return per input, one log-probability per continuation; routing of the prompts in {@code routing}
     */
    public List<double[]> score(
            NDManager scope, List<ModelInput> inputs, ImageBatch images, List<int[]> continuations, RoutingRecorder[] routing) {
        int b = inputs.size();
        int c = continuations.size();
        int m = 0;
        for (int[] cont : continuations) {
            if (cont.length == 0) {
                throw new IllegalArgumentException("a continuation to score is empty");
            }
            for (int id : cont) {
                if (id < 0 || id >= llm.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + llm.vocabSize());
                }
            }
            m = Math.max(m, cont.length);
        }
        Prefilled pre = prefill(scope, inputs, images, ForwardTrace.NONE, m);
        routing[0] = pre.recorder();
        int rows = b * c;
        long[] rowOf = new long[rows]; // expanded row (r, k) = r·C + k reads prompt r's cache
        for (int i = 0; i < rows; i++) {
            rowOf[i] = i / c;
        }
        KvCache cache = pre.cache().selectRows(scope.create(rowOf));
        // feed c_0..c_{m-1}: the output at position j predicts c_{j+1}; c_0 comes from the prefill logits
        long[] ids = new long[rows * m];
        int[][] pos = new int[rows][m];
        int[] owners = new int[rows * m];
        CausalMask mask = new CausalMask(rows, m, pre.lMax()); // each continuation after its prompt (not the padding)
        for (int i = 0; i < rows; i++) {
            int r = i / c;
            int[] cont = continuations.get(i % c);
            mask.seePast(i, 0, pre.lengths()[r]);
            for (int j = 0; j < m; j++) {
                ids[i * m + j] = j < cont.length ? cont[j] : 0;
                pos[i][j] = pre.lengths()[r] + j;
                owners[i * m + j] = j < cont.length ? i : -1; // routed, but recorded apart from the prompts' statistics
            }
        }
        NDArray h = llm.forward(
                llm.embed(scope.create(ids, new Shape(rows, m))),
                pos,
                mask.toArray(scope, type),
                cache,
                new TokenOwners(owners, new RoutingRecorder(rows), ForwardTrace.NONE),
                false);
        float[] next = logProbsAt(llm.logits(h.reshape((long) rows * m, -1)), ids, rows, m, continuations, c);
        float[] first = logProbsAt(pre.lastLogits(), null, b, 1, continuations, c);
        List<double[]> out = new ArrayList<>(b);
        for (int r = 0; r < b; r++) {
            double[] scores = new double[c];
            for (int k = 0; k < c; k++) {
                int i = r * c + k;
                double sum = first[i];
                for (int j = 1; j < continuations.get(k).length; j++) {
                    sum += next[i * m + j - 1];
                }
                scores[k] = sum;
            }
            out.add(scores);
        }
        return out;
    }

    /**
     * log softmax of {@code logits} gathered at the scoring targets. With {@code fed == null} the
     * logits are the prefill's [B, V] and the target of row (r, k) is continuation k's first id;
     * otherwise [rows·m, V] and position j's target is the fed id at j+1.
     */
    private float[] logProbsAt(NDArray logits, long[] fed, int rowsOrB, int m, List<int[]> continuations, int c) {
        int n = fed == null ? rowsOrB * c : rowsOrB * m;
        long[] src = new long[n];
        long[] target = new long[n];
        for (int i = 0; i < n; i++) {
            if (fed == null) {
                src[i] = i / c;
                target[i] = continuations.get(i % c)[0];
            } else {
                src[i] = i;
                target[i] = (i % m) + 1 < m ? fed[i + 1] : 0;
            }
        }
        NDManager scope = logits.getManager();
        NDArray logp = logits.toType(DataType.FLOAT32, false).logSoftmax(-1).get(scope.create(src));
        return logp.gather(scope.create(target, new Shape(n, 1)), 1).toFloatArray();
    }

    /**
     * Vision tower + projector over every image of every request → [N_img·P, H], or null without
     * images. The pixels come from {@code images} when given (aliased on the CPU, not copied),
     * else from the inputs' inline arrays.
     */
    private NDArray encodeImages(
            NDManager scope, List<ModelInput> inputs, ImageBatch images, RoutingRecorder recorder, ForwardTrace trace) {
        int s = config.vision().imageSize();
        List<Integer> owners = new ArrayList<>();
        for (int r = 0; r < inputs.size(); r++) {
            ModelInput in = inputs.get(r);
            checkPixelSource(in, r, images);
            for (int i = 0; i < in.imageCount(); i++) {
                owners.add(r);
            }
        }
        int n = owners.size();
        checkImageBatch(images, n, s);
        if (n == 0) {
            return null;
        }
        Shape shape = new Shape(n, 3, s, s);
        NDArray pixels = images != null
                ? scope.create(images.data(), shape, DataType.FLOAT32)
                : scope.create(inlinePixels(inputs, n, s), shape);
        int[] imageOwners = owners.stream().mapToInt(Integer::intValue).toArray();
        TokenOwners context = new TokenOwners(new int[0], recorder, trace);
        NDArray v = vision.forward(pixels.toType(type, false), imageOwners, context); // [N, P, D·scales]
        trace.visionFeatures(v);
        long p = v.getShape().get(1);
        NDArray rows = projector.forward(
                v.reshape(n * p, v.getShape().get(2)),
                new TokenOwners(TokenOwners.repeatEach(imageOwners, (int) p), recorder, trace));
        trace.projectorOutput(rows.reshape(n, p, -1));
        return rows;
    }

    /** Request {@code r}'s pixels come from exactly one place: inline, or the image batch. */
    private static void checkPixelSource(ModelInput in, int r, ImageBatch images) {
        if (images == null && !in.hasInlinePixels()) {
            throw new IllegalArgumentException("request " + r + " has no pixels inline and no image batch was given");
        }
        if (images != null && in.imageCount() > 0 && !in.pixelValues().isEmpty()) {
            throw new IllegalArgumentException("request " + r + " carries pixels inline although an image batch was given");
        }
    }

    /** The image batch, if given, holds one image of size {@code s} per placeholder ({@code n}). */
    private static void checkImageBatch(ImageBatch images, int n, int s) {
        if (images != null && (images.count() != n || images.size() != s)) {
            throw new IllegalArgumentException(
                    "the requests have " + n + " image placeholder(s) of size " + s + " but the image batch holds "
                            + images.count() + " of size " + images.size());
        }
    }

    /**
     * {@link #encodeImages} through a feature cache: each image's [P, H] rows are looked up by the
     * hash of its pixels, only the missing images go through the vision tower and projector (once
     * per distinct image), and their rows and routing are stored for the next request.
     */
    private NDArray encodeImagesCached(
            NDManager scope, List<ModelInput> inputs, ImageBatch images, RoutingRecorder recorder, VisionFeatureCache cache) {
        int s = config.vision().imageSize();
        int perImage = ImageBatch.floatsPerImage(s);
        List<Integer> owners = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<float[]> inline = new ArrayList<>();
        for (int r = 0; r < inputs.size(); r++) {
            ModelInput in = inputs.get(r);
            checkPixelSource(in, r, images);
            for (int i = 0; i < in.imageCount(); i++) {
                owners.add(r);
                if (images == null) {
                    float[] px = in.pixelValues().get(i);
                    if (px.length != perImage) {
                        throw new IllegalArgumentException("pixel values hold " + px.length + " floats, expected 3x" + s + "x" + s);
                    }
                    inline.add(px);
                }
            }
        }
        int n = owners.size();
        checkImageBatch(images, n, s);
        if (n == 0) {
            return null;
        }
        java.nio.ByteBuffer all = images == null ? null : images.data();
        for (int i = 0; i < n; i++) {
            if (images == null) {
                keys.add(cache.key(inline.get(i)));
            } else {
                int bytes = perImage * Float.BYTES;
                keys.add(cache.key(all.duplicate().position(i * bytes).limit((i + 1) * bytes).slice()));
            }
        }
        NDArray[] rows = new NDArray[n];
        java.util.Map<String, Integer> missIndex = new java.util.LinkedHashMap<>(); // distinct missing image → pass index
        List<Integer> missSource = new ArrayList<>(); // pass index → placeholder index of its pixels
        for (int i = 0; i < n; i++) {
            if (missIndex.containsKey(keys.get(i))) {
                cache.countRepeat(); // encoded once for this call: a hit as far as the vision tower is concerned
                continue;
            }
            VisionFeatureCache.Hit hit = cache.get(keys.get(i), scope);
            if (hit != null) {
                rows[i] = hit.rows();
                recorder.add(owners.get(i), hit.routing(), 0);
            } else {
                missIndex.put(keys.get(i), missSource.size());
                missSource.add(i);
            }
        }
        int m = missSource.size();
        if (m > 0) {
            float[] px = new float[m * perImage];
            for (int j = 0; j < m; j++) {
                int i = missSource.get(j);
                if (images == null) {
                    System.arraycopy(inline.get(i), 0, px, j * perImage, perImage);
                } else {
                    all.duplicate().position(i * perImage * Float.BYTES).asFloatBuffer().get(px, j * perImage, perImage);
                }
            }
            RoutingRecorder local = new RoutingRecorder(m);
            int[] passOwners = java.util.stream.IntStream.range(0, m).toArray();
            NDArray v = vision.forward(scope.create(px, new Shape(m, 3, s, s)).toType(type, false), passOwners,
                    new TokenOwners(new int[0], local, ForwardTrace.NONE)); // [M, P, D·scales]
            long p = v.getShape().get(1);
            NDArray projected = projector.forward(
                    v.reshape(m * p, v.getShape().get(2)),
                    new TokenOwners(TokenOwners.repeatEach(passOwners, (int) p), local, ForwardTrace.NONE)); // [M·P, H]
            for (int j = 0; j < m; j++) {
                int i = missSource.get(j);
                NDArray one = projected.get(new ai.djl.ndarray.index.NDIndex("{}:{}", j * p, (j + 1) * p));
                RoutingRecorder single = new RoutingRecorder(1);
                single.add(0, local, j);
                cache.put(keys.get(i), one, single);
                rows[i] = one;
            }
            for (int i = 0; i < n; i++) { // repeated images of this batch and fresh misses take the pass's routing
                Integer j = missIndex.get(keys.get(i));
                if (j != null) {
                    recorder.add(owners.get(i), local, j);
                    rows[i] = rows[missSource.get(j)];
                }
            }
        }
        return n == 1 ? rows[0] : NDArrays.concat(new NDList(rows), 0);
    }

    /** The inputs' inline pixels concatenated in placeholder order. */
    private static float[] inlinePixels(List<ModelInput> inputs, int n, int s) {
        int perImage = ImageBatch.floatsPerImage(s);
        float[] all = new float[n * perImage];
        int i = 0;
        for (ModelInput in : inputs) {
            for (float[] px : in.pixelValues()) {
                if (px.length != perImage) {
                    throw new IllegalArgumentException("pixel values hold " + px.length + " floats, expected 3x" + s + "x" + s);
                }
                System.arraycopy(px, 0, all, i++ * perImage, perImage);
            }
        }
        return all;
    }

    /** Next token of every row: argmax on the device for greedy rows, host sampling for the others. */
    static long[] pick(NDArray logits, Sampler[] samplers, boolean[] done) {
        long[] next = logits.argMax(-1).toLongArray();
        for (int r = 0; r < samplers.length; r++) {
            if (samplers[r] != null && !done[r]) {
                next[r] = samplers[r].sample(logits.get(r).toType(DataType.FLOAT32, false).toFloatArray());
            }
        }
        return next;
    }
}
