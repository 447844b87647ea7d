package io.flinkcumo.engine;

import ai.djl.Device;
import io.flinkcumo.engine.image.ClipImageProcessor;
import io.flinkcumo.engine.image.ImageDecoder;
import io.flinkcumo.engine.image.PixelValues;
import io.flinkcumo.engine.model.ForwardTrace;
import io.flinkcumo.engine.text.CumoTokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The whole CuMo pipeline behind one object a Flink operator can hold: load once, then
 * {@link #prepare} requests on any thread (image decoding, CLIP preprocessing, tokenisation — the
 * CPU work that should run in parallel subtasks) and {@link #run} prepared batches on the model's
 * single device thread.
 */
public final class CumoEngine implements AutoCloseable {

    /** A request turned into model input, with the caller-side time it took. */
    public record Prepared(String id, ModelInput input, long preprocessNanos) {}

    private final LlavaModel model;
    private final CumoTokenizer tokenizer;
    private final ClipImageProcessor imageProcessor;

    public CumoEngine(LlavaModel model, CumoTokenizer tokenizer, ClipImageProcessor imageProcessor) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.imageProcessor = imageProcessor;
    }

    /** Loads model, tokenizer and image processor from a CuMo model directory. */
    public static CumoEngine load(Path dir, Device device, Precision precision, ImageDecoder.Limits limits) throws IOException {
        // a directory without a CuMo config.json is reported as such first
        CumoTokenizer tokenizer = CumoConfig.load(dir).family().tokenizer().load(dir);
        try {
            LlavaModel model = LlavaModel.load(dir, device, precision);
            if (tokenizer.vocabSize() > model.config().llm().vocabSize()) {
                model.close();
                throw new IllegalArgumentException(
                        "the tokenizer has " + tokenizer.vocabSize() + " tokens but the model's vocabulary is "
                                + model.config().llm().vocabSize());
            }
            ClipImageProcessor.Options options = ClipImageProcessor.Options.DEFAULT
                    .withImageSize(model.config().vision().imageSize())
                    .withAspectMode("square".equals(model.config().imageAspectRatio())
                            ? ClipImageProcessor.AspectMode.SQUARE
                            : ClipImageProcessor.AspectMode.PAD);
            return new CumoEngine(model, tokenizer, new ClipImageProcessor(options, new ImageDecoder(limits)));
        } catch (IOException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** Loads on the CPU in float32 with default image limits. */
    public static CumoEngine load(Path dir) throws IOException {
        return load(dir, Device.cpu(), Precision.AUTO, ImageDecoder.Limits.DEFAULT);
    }

    public LlavaModel model() {
        return model;
    }

    public CumoTokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * Decodes and preprocesses the images and tokenises the prompt. Thread-safe; throws
     * {@link io.flinkcumo.engine.image.InvalidImageException} or {@link IllegalArgumentException}
     * naming what is wrong with this request.
     */
    public Prepared prepare(CumoRequest request) {
        long t0 = System.nanoTime();
        List<float[]> pixels = new ArrayList<>(request.images().size());
        for (byte[] image : request.images()) {
            pixels.add(imageProcessor.preprocess(image).data());
        }
        int[] ids = tokenizer.encodeImagePrompt(request.conversation().prompt());
        return new Prepared(request.id(), new ModelInput(ids, pixels, request.config()), System.nanoTime() - t0);
    }

    /**
     * As {@link #prepare(CumoRequest)}, but hands each image's pixels to {@code pixelSink} (for
     * example an off-heap Arrow tensor vector) instead of keeping them in the model input; run the
     * prepared requests with {@link #run(List, ImageBatch)} and a batch over what the sink
     * collected. The sink sees the images in placeholder order, so prepare a batch's requests in
     * batch order on one thread.
     */
    public Prepared prepare(CumoRequest request, Consumer<PixelValues> pixelSink) {
        long t0 = System.nanoTime();
        List<PixelValues> pixels = new ArrayList<>(request.images().size());
        for (byte[] image : request.images()) {
            pixels.add(imageProcessor.preprocess(image));
        }
        int[] ids = tokenizer.encodeImagePrompt(request.conversation().prompt());
        pixels.forEach(pixelSink);
        return new Prepared(
                request.id(), ModelInput.withImageCount(ids, pixels.size(), request.config()), System.nanoTime() - t0);
    }

    /** Runs a batch of prepared requests together; results in order. */
    public List<CumoResult> run(List<Prepared> batch) {
        return run(batch, null);
    }

    /**
     * Runs a batch whose pixels are in {@code images} (see {@link #prepare(CumoRequest, Consumer)});
     * {@code images} may be null when every request carries its pixels inline.
     */
    public List<CumoResult> run(List<Prepared> batch, ImageBatch images) {
        List<ModelOutput> outputs = model.generate(batch.stream().map(Prepared::input).toList(), images, ForwardTrace.NONE);
        List<CumoResult> results = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            results.add(result(batch.get(i), outputs.get(i)));
        }
        return results;
    }

    /** The result of a prepared request from the model's output (the answer detokenised). */
    public CumoResult result(Prepared p, ModelOutput o) {
        return new CumoResult(
                p.id(),
                tokenizer.decode(o.tokenIds(), true),
                o.tokenIds(),
                o.stoppedOnEos(),
                o.promptPositions(),
                o.routing(),
                o.timings(),
                p.preprocessNanos());
    }

    /** prepare + run for a batch. */
    public List<CumoResult> answer(List<CumoRequest> requests) {
        return run(requests.stream().map(this::prepare).toList());
    }

    /**
     * How likely each label is as the model's whole answer to each request: the label's tokens
     * followed by EOS, scored by log-likelihood (no text is generated or parsed), then normalised
     * over the labels with a softmax. Used for classification such as moderation.
     */
    public List<LabelScores> scoreLabels(List<CumoRequest> requests, List<String> labels) {
        List<int[]> continuations = labelContinuations(labels);
        return score(requests.stream().map(this::prepare).toList(), labels, continuations);
    }

    /**
     * {@link #scoreLabels} for requests already {@link #prepare prepared} (on the callers' threads),
     * run together as one batch: the batched scoring path of a model service. Like {@link #run},
     * call it from the model's single device thread.
     */
    public List<LabelScores> scorePrepared(List<Prepared> batch, List<String> labels) {
        return score(batch, labels, labelContinuations(labels));
    }

    /** Each label's tokens (without BOS) followed by EOS. */
    private List<int[]> labelContinuations(List<String> labels) {
        if (labels == null || labels.isEmpty()) {
            throw new IllegalArgumentException("no labels to score");
        }
        List<int[]> continuations = new ArrayList<>();
        for (String label : labels) {
            if (label == null || label.isBlank()) {
                throw new IllegalArgumentException("labels must not be empty");
            }
            int[] ids = tokenizer.encode(label.strip());
            int skip = ids.length > 0 && ids[0] == tokenizer.bosId() ? 1 : 0;
            int[] cont = java.util.Arrays.copyOfRange(ids, skip, ids.length + 1);
            cont[cont.length - 1] = tokenizer.eosId();
            continuations.add(cont);
        }
        return continuations;
    }

    private List<LabelScores> score(List<Prepared> prepared, List<String> labels, List<int[]> continuations) {
        List<LlavaModel.ContinuationScores> scores =
                model.score(prepared.stream().map(Prepared::input).toList(), continuations);
        List<LabelScores> out = new ArrayList<>();
        for (int i = 0; i < prepared.size(); i++) {
            double[] logp = scores.get(i).logProbs();
            double max = java.util.Arrays.stream(logp).max().orElseThrow();
            double[] prob = new double[logp.length];
            double sum = 0;
            for (int k = 0; k < logp.length; k++) {
                prob[k] = Math.exp(logp[k] - max);
                sum += prob[k];
            }
            for (int k = 0; k < logp.length; k++) {
                prob[k] /= sum;
            }
            out.add(new LabelScores(prepared.get(i).id(), List.copyOf(labels), logp, prob, scores.get(i).routing()));
        }
        return out;
    }

    @Override
    public void close() {
        try {
            tokenizer.close();
        } catch (Exception e) {
            // the tokenizer holds at most a native handle; closing the model matters more
        }
        model.close();
    }
}
