package io.flinkcumo.engine.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkcumo.engine.CumoConfig;
import io.flinkcumo.engine.LlavaModel;
import io.flinkcumo.engine.ModelInput;
import io.flinkcumo.engine.image.ClipImageProcessor;
import io.flinkcumo.engine.image.ImageDecoder;
import io.flinkcumo.engine.model.CausalMask;
import io.flinkcumo.engine.model.Generator;
import io.flinkcumo.engine.model.LanguageModel;
import io.flinkcumo.engine.model.Scopes;
import io.flinkcumo.engine.model.Splice;
import io.flinkcumo.engine.model.TokenOwners;
import io.flinkcumo.engine.routing.RoutingRecorder;
import io.flinkcumo.engine.safetensors.Dtype;
import io.flinkcumo.engine.safetensors.SafetensorsFile;
import io.flinkcumo.engine.safetensors.SafetensorsWriter;
import io.flinkcumo.engine.text.CumoTokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The three-stage CuMo recipe on DJL's autograd (PyTorch engine, float32):
 *
 * <ol>
 *   <li>stage 1 trains the projector only, on captions ({@code plain} template);</li>
 *   <li>stage 2 trains everything (dense CLIP, dense projector, LLM) on detailed captions;</li>
 *   <li>stage 3 trains the co-upcycled MoE model on visual questions, adding the auxiliary
 *       losses 0.1·Σ balance + 0.01·Σ z (see {@link ModelAuxLosses}) unless disabled.</li>
 * </ol>
 *
 * AdamW, linear warm-up then cosine decay to zero, next-token cross-entropy averaged over the
 * supervised positions. Checkpoints are written in the official layout (config.json,
 * model.safetensors, tokenizer files), loadable by {@link LlavaModel#load}; the optimizer state,
 * step and loss log go to {@code trainer/} inside the output directory, from which a run resumes.
 */
public final class Trainer {

    /** Training settings. */
    public record Options(
            int stage,
            Path model,
            Path data,
            Path out,
            int epochs,
            int maxSteps,
            int batchSize,
            float lr,
            float warmupRatio,
            float weightDecay,
            boolean aux,
            long seed,
            int saveEvery,
            boolean resume,
            float maxGradNorm) {

        public Options {
            if (stage < 1 || stage > 3) {
                throw new IllegalArgumentException("stage must be 1, 2 or 3, got " + stage);
            }
            if (batchSize < 1 || epochs < 1 || lr <= 0) {
                throw new IllegalArgumentException("need batch size >= 1, epochs >= 1, lr > 0");
            }
            if (!(maxGradNorm >= 0)) {
                throw new IllegalArgumentException("max gradient norm must be >= 0 (0 = no clipping), got " + maxGradNorm);
            }
        }
    }

    /** Losses of one step (host values). */
    public record StepLoss(int step, double loss, double ce, double balance, double z, double lr, double gradNorm) {}

    private static final String STATE_DIR = "trainer";
    /** The description requests of stages 2 and 3 (the first is also the caption job's default prompt). */
    static final String ONE_SENTENCE = "Describe the image in one sentence.";
    static final String IN_DETAIL = "Describe the image in detail.";

    private final Options options;
    private final PrintStream progress;

    public Trainer(Options options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    /** Runs the stage; returns the per-step losses of this run. */
    public List<StepLoss> run() throws IOException {
        Path stateDir = options.out().resolve(STATE_DIR);
        boolean resuming = options.resume() && Files.isRegularFile(stateDir.resolve("state.json"));
        Path source = resuming ? options.out() : options.model();
        List<StepLoss> losses = new ArrayList<>();
        try (TrainableModel trainable = TrainableModel.load(source, Device.cpu());
                CumoTokenizer tokenizer = trainable.model().family().tokenizer().load(options.model());
                NDManager optimizerManager = trainable.model().manager().newSubManager()) {
            LlavaModel model = trainable.model();
            CumoConfig config = model.config();
            if (options.stage() == 3 && !(config.clipMoe() || config.projectorMoe())) {
                // allowed: the dense baseline of equal activated parameters, trained on the same questions
                progress.println("note: stage 3 on a dense model (no MoE blocks, no auxiliary losses): the dense baseline");
            }
            List<ShapesDataset.Sample> samples = ShapesDataset.read(options.data(), "train");
            float[][] pixels = pixels(samples, config);
            Map<String, NDArray> params = trainable(trainable);
            AdamW optimizer = new AdamW(optimizerManager, 0.9f, 0.999f, 1e-8f, options.weightDecay());
            int perEpoch = (samples.size() + options.batchSize() - 1) / options.batchSize();
            int total = options.epochs() * perEpoch;
            if (options.maxSteps() > 0) {
                total = Math.min(total, options.maxSteps());
            }
            int warmup = (int) Math.ceil(total * options.warmupRatio());
            int start = 0;
            if (resuming) {
                JsonNode state = new ObjectMapper().readTree(stateDir.resolve("state.json").toFile());
                start = state.get("step").asInt();
                try (SafetensorsFile f = SafetensorsFile.open(stateDir.resolve("optimizer.safetensors"))) {
                    Map<String, float[]> arrays = new TreeMap<>();
                    for (String n : f.tensors().keySet()) {
                        arrays.put(n, f.readFloats(n));
                    }
                    optimizer.restore(arrays, params, state.get("optimizer_steps").asInt());
                }
                progress.println("resuming stage " + options.stage() + " at step " + start + "/" + total);
            } else {
                Files.createDirectories(stateDir);
                Files.deleteIfExists(stateDir.resolve("log.tsv"));
                Files.writeString(stateDir.resolve("log.tsv"), "step\tloss\tce\tbalance\tz\tlr\tgrad_norm\tseconds\n");
            }
            progress.printf("stage %d: %d samples, %d trainable tensors (%d values), %d steps of %d, warm-up %d, lr %g%s%n",
                    options.stage(), samples.size(), params.size(), params.values().stream().mapToLong(a -> a.getShape().size()).sum(),
                    total, options.batchSize(), warmup, options.lr(), options.stage() == 3 ? (options.aux() ? ", aux losses on" : ", aux losses OFF") : "");
            long t0 = System.nanoTime();
            for (int step = start; step < total; step++) {
                int epoch = step / perEpoch;
                int[] order = order(samples.size(), options.seed() + epoch);
                int from = (step % perEpoch) * options.batchSize();
                List<TrainingExample> batch = new ArrayList<>();
                for (int i = from; i < Math.min(from + options.batchSize(), order.length); i++) {
                    batch.add(example(order[i], samples.get(order[i]), tokenizer, new SplittableRandom(options.seed() * 31 + epoch * 1_000_003L + order[i])));
                }
                float lr = learningRate(step, total, warmup);
                StepLoss l = step(model, params, optimizer, batch, pixels, step + 1, lr);
                losses.add(l);
                double secs = (System.nanoTime() - t0) / 1e9;
                Files.writeString(stateDir.resolve("log.tsv"), String.format("%d\t%.5f\t%.5f\t%.5f\t%.5f\t%.3g\t%.4g\t%.1f%n",
                        l.step(), l.loss(), l.ce(), l.balance(), l.z(), l.lr(), l.gradNorm(), secs), StandardOpenOption.APPEND);
                progressBar(step + 1, total, start, l, secs);
                if ((options.saveEvery() > 0 && (step + 1) % options.saveEvery() == 0) || step + 1 == total) {
                    save(trainable, optimizer, step + 1, total);
                }
            }
            if (start >= total) {
                progress.println("nothing to do: already at step " + start + "/" + total);
            }
            progress.println();
        }
        return losses;
    }

    /** The sequence trained on for {@code sample} in this stage. */
    TrainingExample example(int index, ShapesDataset.Sample sample, CumoTokenizer tokenizer, SplittableRandom random) {
        return switch (options.stage()) {
            case 1 -> TrainingExample.plain(index, sample.caption(), tokenizer);
            case 2 -> TrainingExample.conversation(index, List.<String[]>of(new String[] {IN_DETAIL, sample.detail()}), tokenizer);
            default -> {
                // the rounds: the visual questions plus the two description requests (so that
                // instruction tuning keeps the model's captioning), a random 1..all of them in random order
                List<String[]> pool = new ArrayList<>();
                for (ShapesDataset.Qa qa : sample.qa()) {
                    pool.add(new String[] {qa.question(), qa.answer()});
                }
                pool.add(new String[] {ONE_SENTENCE, capitalised(sample.caption())});
                pool.add(new String[] {IN_DETAIL, sample.detail()});
                for (int i = pool.size() - 1; i > 0; i--) {
                    java.util.Collections.swap(pool, i, random.nextInt(i + 1));
                }
                List<String[]> rounds = pool.subList(0, 1 + random.nextInt(pool.size()));
                yield TrainingExample.conversation(index, rounds, tokenizer);
            }
        };
    }

    private StepLoss step(LlavaModel model, Map<String, NDArray> params, AdamW optimizer, List<TrainingExample> batch,
            float[][] pixels, int step, float lr) {
        try (NDManager scope = model.manager().newSubManager()) {
            double ce;
            double balance = 0;
            double z = 0;
            double total;
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                RouterLogitsCapture capture = new RouterLogitsCapture();
                // per-layer freeing off: backward needs every tensor the forward saved
                NDArray loss = Scopes.retaining(() -> crossEntropy(scope, model.generator(), batch, pixels, capture));
                ce = loss.getFloat();
                if (options.stage() == 3 && options.aux()) {
                    ModelAuxLosses aux = ModelAuxLosses.of(capture, model.config(), batch.size());
                    if (aux.total() != null) {
                        balance = aux.balance().getFloat();
                        z = aux.z().getFloat();
                        loss = loss.add(aux.total());
                    }
                }
                total = loss.getFloat();
                gc.backward(loss);
            }
            // global gradient norm over all trained tensors; clipped to maxGradNorm (HF's max_grad_norm)
            Map<String, NDArray> grads = new LinkedHashMap<>();
            NDArray[] squares = new NDArray[params.size()];
            int i = 0;
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray g = e.getValue().getGradient();
                g.attach(scope);
                grads.put(e.getKey(), g);
                squares[i++] = g.square().sum();
            }
            float[] perTensor = NDArrays.stack(new NDList(squares)).toFloatArray();
            double sum = 0;
            for (float sq : perTensor) {
                sum += sq;
            }
            double gradNorm = Math.sqrt(sum);
            boolean finite = Double.isFinite(total) && Double.isFinite(gradNorm);
            if (finite) {
                optimizer.beginStep();
                float scale = clipScale(gradNorm, options.maxGradNorm());
                grads.forEach((name, g) -> optimizer.update(name, params.get(name), scale == 1f ? g : g.mul(scale), lr));
            } else {
                List<String> bad = new ArrayList<>();
                int k = 0;
                for (String name : grads.keySet()) {
                    if (!Float.isFinite(perTensor[k++]) && bad.size() < 5) {
                        bad.add(name);
                    }
                }
                progress.printf("%nstep %d: non-finite loss %s or gradient norm %s (first tensors: %s), update skipped%n",
                        step, total, gradNorm, bad);
            }
            // PyTorch accumulates gradients: reset them for the next step (zero_(), so a NaN does not survive as NaN·0)
            params.values().forEach(w -> JniUtils.zeroGrad((PtNDArray) w));
            return new StepLoss(step, total, ce, balance, z, lr, gradNorm);
        }
    }

    /**
     * Forward of a batch with teacher forcing → mean next-token cross-entropy over the supervised
     * positions. Router logits of every MoE call go to {@code capture}.
     */
    static NDArray crossEntropy(NDManager scope, Generator g, List<TrainingExample> batch, float[][] pixels, RouterLogitsCapture capture) {
        CumoConfig config = g.config();
        int b = batch.size();
        int s = config.vision().imageSize();
        int h = config.llm().hiddenSize();
        float[] all = new float[b * 3 * s * s];
        int[] imageOwners = new int[b];
        for (int i = 0; i < b; i++) {
            System.arraycopy(pixels[batch.get(i).image()], 0, all, i * 3 * s * s, 3 * s * s);
            imageOwners[i] = i;
        }
        RoutingRecorder recorder = new RoutingRecorder(b);
        NDArray v = g.vision().forward(scope.create(all, new Shape(b, 3, s, s)), imageOwners, new TokenOwners(new int[0], recorder, capture));
        long p = v.getShape().get(1);
        NDArray rows = g.projector().forward(v.reshape(b * p, v.getShape().get(2)),
                new TokenOwners(TokenOwners.repeatEach(imageOwners, (int) p), recorder, capture)); // [B·P, H]

        // splice text embeddings and image rows into [B, L, H]; labels follow the spliced positions
        List<int[]> ids = new ArrayList<>();
        for (TrainingExample ex : batch) {
            if (Arrays.stream(ex.ids()).filter(id -> id == ModelInput.IMAGE_TOKEN_INDEX).count() != 1) {
                throw new IllegalArgumentException("training example " + ex.image() + " must hold exactly one image placeholder");
            }
            ids.add(ex.ids());
        }
        Splice splice = new Splice(ids, 0, (int) p);
        int[] lengths = splice.lengths();
        int lMax = splice.maxLength();
        List<Long> targetRows = new ArrayList<>();
        List<Long> targets = new ArrayList<>();
        for (int r = 0; r < b; r++) {
            TrainingExample ex = batch.get(r);
            int[] labels = new int[lengths[r]];
            for (int pos = 0; pos < lengths[r]; pos++) {
                int source = splice.sourceOf(r, pos);
                labels[pos] = source < 0 ? TrainingExample.IGNORE_INDEX : ex.labels()[source];
            }
            for (int t = 0; t + 1 < lengths[r]; t++) { // position t predicts label t+1
                if (labels[t + 1] != TrainingExample.IGNORE_INDEX) {
                    targetRows.add((long) r * lMax + t);
                    targets.add((long) labels[t + 1]);
                }
            }
        }
        LanguageModel llm = g.llm();
        NDArray x = splice.embed(scope, llm, rows, rows.getDataType()); // [B, L, H]
        int[][] positions = new int[b][lMax];
        int[] owners = new int[b * lMax];
        for (int r = 0; r < b; r++) {
            for (int t = 0; t < lMax; t++) {
                positions[r][t] = t;
                owners[r * lMax + t] = t < lengths[r] ? r : -1;
            }
        }
        NDArray mask = new CausalMask(b, lMax, 0).lengths(lengths).toArray(scope, x.getDataType()); // [B, 1, L, L]
        NDArray hidden = llm.forward(x, positions, mask, null, new TokenOwners(owners, recorder, capture), false);
        NDArray selected = hidden.reshape((long) b * lMax, h).get(scope.create(targetRows.stream().mapToLong(Long::longValue).toArray()));
        NDArray logProbs = llm.logits(selected).logSoftmax(-1); // [M, V]
        NDArray target = scope.create(targets.stream().mapToLong(Long::longValue).toArray()).reshape(-1, 1);
        return logProbs.gather(target, 1).mean().neg();
    }

    /** Parameters trained in this stage, by checkpoint name. */
    Map<String, NDArray> trainable(TrainableModel model) {
        CumoConfig c = model.model().config();
        String lastVision = "model.vision_tower.vision_model.encoder.layers." + c.vision().layersUsed() + ".";
        Map<String, NDArray> out = new LinkedHashMap<>();
        model.parameters().forEach((name, a) -> {
            boolean train = switch (options.stage()) {
                case 1 -> name.startsWith("model.mm_projector.");
                case 2 -> !name.startsWith(lastVision);
                default -> !name.startsWith(lastVision) || (options.aux() && name.equals(lastVision + "gate.weight"));
            };
            if (train) {
                a.setRequiresGradient(true);
                out.put(name, a);
            }
        });
        return out;
    }

    private static String capitalised(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** Every sample's image preprocessed once for the model's crop size. */
    static float[][] pixels(List<ShapesDataset.Sample> samples, CumoConfig config, Path data) throws IOException {
        ClipImageProcessor processor = new ClipImageProcessor(
                ClipImageProcessor.Options.DEFAULT.withImageSize(config.vision().imageSize()), new ImageDecoder(ImageDecoder.Limits.DEFAULT));
        float[][] out = new float[samples.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = processor.preprocess(Files.readAllBytes(data.resolve(samples.get(i).image()))).data();
        }
        return out;
    }

    private float[][] pixels(List<ShapesDataset.Sample> samples, CumoConfig config) throws IOException {
        return pixels(samples, config, options.data());
    }

    private static int[] order(int n, long seed) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) {
            o[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = o[i];
            o[i] = o[j];
            o[j] = t;
        }
        return o;
    }

    /** The factor that brings a gradient of global norm {@code norm} down to {@code max} (1 if already within; 0 = off). */
    static float clipScale(double norm, float max) {
        return max > 0 && norm > max ? (float) (max / (norm + 1e-6)) : 1f;
    }

    /** Linear warm-up to lr, then cosine decay to 0 (as HF's cosine schedule with warm-up). */
    float learningRate(int step, int total, int warmup) {
        if (step < warmup) {
            return options.lr() * (step + 1) / warmup;
        }
        double progress = (double) (step - warmup) / Math.max(1, total - warmup);
        return (float) (options.lr() * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }

    private void progressBar(int step, int total, int start, StepLoss l, double secs) {
        int width = 30;
        int filled = (int) ((long) width * step / total);
        double perStep = secs / Math.max(1, step - start);
        long eta = Math.round(perStep * (total - step));
        progress.printf("\r[%s%s] %d/%d loss %.4f (ce %.4f%s) |g| %.3g lr %.2e %.2fs/step eta %dm%02ds ",
                "#".repeat(filled), "-".repeat(width - filled), step, total, l.loss(), l.ce(),
                l.balance() != 0 ? String.format(", bal %.3f, z %.3f", l.balance(), l.z()) : "", l.gradNorm(), l.lr(), perStep, eta / 60, eta % 60);
        if (step == total || step % 50 == 0) {
            progress.println();
        }
        progress.flush();
    }

    /** Writes the model (official layout) and the trainer state. */
    private void save(TrainableModel model, AdamW optimizer, int step, int total) throws IOException {
        writeCheckpoint(model, options.model(), options.out());
        Path stateDir = options.out().resolve(STATE_DIR);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, NDArray> e : optimizer.stateArrays().entrySet()) {
            w.addFloats(e.getKey(), Dtype.F32, e.getValue().getShape().getShape(), e.getValue().toFloatArray());
        }
        w.write(stateDir.resolve("optimizer.safetensors"));
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode s = json.createObjectNode();
        s.put("stage", options.stage());
        s.put("step", step);
        s.put("total_steps", total);
        s.put("optimizer_steps", optimizer.steps());
        s.put("source_model", options.model().toString());
        s.put("data", options.data().toString());
        s.put("batch_size", options.batchSize());
        s.put("lr", options.lr());
        s.put("aux_losses", options.aux());
        s.put("seed", options.seed());
        json.writeValue(stateDir.resolve("state.json").toFile(), s);
    }

    /**
     * Writes {@code model}'s tensors (float32, one {@code model.safetensors}) with the config and
     * tokenizer of {@code source} into {@code out}.
     */
    public static void writeCheckpoint(TrainableModel model, Path source, Path out) throws IOException {
        Files.createDirectories(out);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        try (NDManager scope = model.model().manager().newSubManager()) {
            for (String name : new TreeMap<>(model.parameters()).keySet()) {
                NDArray t = model.checkpointTensor(name, scope);
                w.addFloats(name, Dtype.F32, t.getShape().getShape(), t.toFloatArray());
            }
        }
        if (!source.equals(out)) {
            Upcycler.clearWeights(out);
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode c = (ObjectNode) json.readTree(source.resolve("config.json").toFile());
            c.put("torch_dtype", "float32");
            json.writeValue(out.resolve("config.json").toFile(), c);
            Upcycler.copyTokenizer(source, out);
        }
        Path tmp = out.resolve("model.safetensors.tmp");
        w.write(tmp);
        Files.move(tmp, out.resolve("model.safetensors"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
