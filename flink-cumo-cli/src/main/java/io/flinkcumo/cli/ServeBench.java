package io.flinkcumo.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.CumoResult;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.ModelInput;
import io.flinkcumo.engine.image.ImageDecoder;
import io.flinkcumo.runtime.core.BatcherConfig;
import io.flinkcumo.runtime.CumoRuntimeOptions;
import io.flinkcumo.runtime.core.CumoService;
import io.flinkcumo.runtime.core.DeviceSpec;
import io.flinkcumo.runtime.core.ServingConfig;
import io.flinkcumo.runtime.core.ServingStats;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code cumo bench --serve}: the shared model service under load, old scheduler against new in
 * one run. Requests are a mix of short answers (1–3 tokens) and descriptions (30–60 tokens,
 * generated to length with EOS ignored, as vLLM's benchmarks do), each on its own image (the pixels
 * of the sample images perturbed per request, so that the vision cache cannot help). For each
 * service configuration — {@code static} (batch by batch, no reuse: the service before issue 15),
 * {@code iteration} without reuse, and {@code iteration} with the vision cache and shared prefix
 * (the default) — it measures the saturation throughput (all requests at once) and then an
 * open-loop Poisson arrival process at a fraction of the static saturation rate: throughput, p50
 * and p99 latency per request kind (from scheduled arrival to result) and decode-slot occupancy.
 * Then a repeated-image workload (each image asked 4 short questions, as MMBench's circular
 * evaluation does) with the vision cache on and off. Then long prompts arriving while answers
 * decode, chunked prefill on and off: the largest gap between two decode steps and the latency of
 * short answers asked meanwhile.
 */
final class ServeBench {

    private final ModelOptions model;
    private final List<byte[]> files;
    private final int requests;
    private final int maxBatch;
    private final double load;
    private final double shortFraction;
    private final long seed;
    private final List<String> parts;
    private final int rounds;
    private final ObjectMapper json = new ObjectMapper();
    private int longPositions = 1024;
    private int chunk = CumoRuntimeOptions.PREFILL_CHUNK_SIZE.defaultValue();

    ServeBench(ModelOptions model, List<byte[]> files, int requests, int maxBatch, double load, double shortFraction, long seed,
               List<String> parts, int rounds) {
        this.parts = parts;
        this.rounds = rounds;
        this.model = model;
        this.files = files;
        this.requests = requests;
        this.maxBatch = maxBatch;
        this.load = load;
        this.shortFraction = shortFraction;
        this.seed = seed;
    }

    /** The long-prompt workload: prompts of about {@code positions} positions, chunks of {@code chunkSize} when on. */
    ServeBench withLongPrompts(int positions, int chunkSize) {
        this.longPositions = positions;
        this.chunk = chunkSize;
        return this;
    }

    /** One request of the workload. */
    private record Item(String kind, CumoEngine.Prepared prepared) {}

    private record Config(String name, ServingConfig serving) {}

    int run() throws Exception {
        List<Config> configs = List.of(
                new Config("static", CumoRuntimeOptions.defaultServing().withStaticBatches()),
                new Config("iteration-no-reuse",
                        CumoRuntimeOptions.defaultServing().withVisionCacheBytes(0).withSharedPrefix(false)),
                new Config("iteration", CumoRuntimeOptions.defaultServing()));
        double staticSaturation = 0;
        for (Config config : parts.contains("mix") ? configs : List.<Config>of()) {
            try (CumoService service = CumoService.start(spec(config.serving()))) {
                warmUp(service, mix(service, new Random(seed + 100)));
                List<Item> mix = mix(service, new Random(seed));
                Run burst = measure(service, mix, 0, new Random(seed + 1));
                if (config.name().equals("static")) {
                    staticSaturation = burst.throughput();
                }
                print("saturation", config.name(), burst, 0);
                double rate = load * staticSaturation;
                Run open = measure(service, mix(service, new Random(seed + 2)), rate, new Random(seed + 3));
                print("open-loop", config.name(), open, rate);
                Run single = sequential(service, mix(service, new Random(seed + 4)).subList(0, Math.min(8, requests)));
                print("single", config.name(), single, 0);
            }
        }
        if (parts.contains("repeated")) {
            repeatedImages();
        }
        if (parts.contains("long-prompt")) {
            longPrompts();
        }
        return 0;
    }

    private CumoService.Spec spec(ServingConfig serving) {
        DeviceSpec device = model.device();
        BatcherConfig defaults = CumoRuntimeOptions.defaultBatcher(device.toString());
        return new CumoService.Spec(
                model.modelDir(),
                device,
                model.precision(),
                ImageDecoder.Limits.DEFAULT,
                defaults.withMaxBatchSize(maxBatch)
                        .withQueueCapacity(Math.max(defaults.queueCapacity(), 8 * requests))
                        .withRequestTimeout(Duration.ofMinutes(30)),
                serving);
    }

    /** {@code requests} requests, short or long at random, each on distinct pixels. */
    private List<Item> mix(CumoService service, Random random) {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            boolean isShort = random.nextDouble() < shortFraction;
            int tokens = isShort ? 1 + random.nextInt(3) : 30 + random.nextInt(31);
            String question = isShort ? "Is there a red shape? Answer yes or no." : "Describe the image in detail.";
            CumoEngine.Prepared p = service.engine().prepare(CumoRequest.of("r" + i, files.get(i % files.size()), question,
                    GenerationConfig.greedy(tokens).withIgnoreEos()));
            items.add(new Item(isShort ? "short" : "description", distinct(p, random)));
        }
        return items;
    }

    /** The request with its pixels nudged by a random offset: a different image to the cache, the same work. */
    private static CumoEngine.Prepared distinct(CumoEngine.Prepared p, Random random) {
        List<float[]> pixels = new ArrayList<>();
        for (float[] px : p.input().pixelValues()) {
            float[] copy = px.clone();
            float offset = (random.nextFloat() - 0.5f) * 1e-3f;
            for (int k = 0; k < copy.length; k++) {
                copy[k] += offset;
            }
            pixels.add(copy);
        }
        ModelInput in = new ModelInput(p.input().inputIds(), pixels, p.input().config());
        return new CumoEngine.Prepared(p.id(), in, p.preprocessNanos());
    }

    private void warmUp(CumoService service, List<Item> mix) throws Exception {
        List<CompletableFuture<CumoResult>> futures = new ArrayList<>();
        for (int i = 0; i < Math.min(4, mix.size()); i++) {
            CumoEngine.Prepared p = mix.get(i).prepared();
            futures.add(service.submit(new CumoEngine.Prepared("warmup" + i, p.input(), 0)));
        }
        for (CompletableFuture<CumoResult> f : futures) {
            f.get(30, TimeUnit.MINUTES);
        }
    }

    /** Latencies (ms) per kind, wall time and the scheduler's decode statistics of one run. */
    private record Run(int requests, double wallS, List<Double> shortMs, List<Double> longMs, long usefulRows, double steps,
                       long tokens, ServingStatsDelta stats) {
        double throughput() {
            return requests / wallS;
        }
    }

    private record ServingStatsDelta(long hits, long misses, long prefixHits) {}

    /** Submits {@code items} at Poisson arrivals of {@code rate} per second (all at once if 0) and waits for all. */
    private Run measure(CumoService service, List<Item> items, double rate, Random random) throws Exception {
        ServingStats stats = service.stats();
        long steps0 = stats.decodeSteps();
        long hits0 = stats.visionCacheHits();
        long misses0 = stats.visionCacheMisses();
        long prefix0 = stats.prefixCacheHits();
        long[] due = new long[items.size()];
        List<CompletableFuture<CumoResult>> futures = new ArrayList<>();
        long[] done = new long[items.size()];
        long t0 = System.nanoTime();
        long next = t0;
        for (int i = 0; i < items.size(); i++) {
            if (rate > 0) {
                next += (long) (-Math.log(1 - random.nextDouble()) / rate * 1e9);
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            due[i] = rate > 0 ? next : t0;
            int index = i;
            futures.add(service.submit(items.get(i).prepared()).whenComplete((r, e) -> done[index] = System.nanoTime()));
        }
        List<CumoResult> results = new ArrayList<>();
        for (CompletableFuture<CumoResult> f : futures) {
            results.add(f.get(30, TimeUnit.MINUTES));
        }
        long end = Arrays.stream(done).max().orElse(t0);
        List<Double> shortMs = new ArrayList<>();
        List<Double> longMs = new ArrayList<>();
        long useful = 0;
        double staticSteps = 0;
        long tokens = 0;
        for (int i = 0; i < items.size(); i++) {
            double ms = (done[i] - due[i]) / 1e6;
            (items.get(i).kind().equals("short") ? shortMs : longMs).add(ms);
            CumoResult r = results.get(i);
            tokens += r.tokenIds().length;
            useful += r.tokenIds().length - 1; // decode steps that produced this request's tokens
            staticSteps += (double) r.timings().decodeSteps() / r.timings().batchSize();
        }
        long iterSteps = stats.decodeSteps() - steps0;
        double steps = iterSteps > 0 ? iterSteps : staticSteps;
        return new Run(items.size(), (end - t0) / 1e9, shortMs, longMs, useful, steps, tokens,
                new ServingStatsDelta(stats.visionCacheHits() - hits0, stats.visionCacheMisses() - misses0,
                        stats.prefixCacheHits() - prefix0));
    }

    /** One request at a time (each submitted when the previous one finished): the no-regression check for single requests. */
    private Run sequential(CumoService service, List<Item> items) throws Exception {
        List<Double> shortMs = new ArrayList<>();
        List<Double> longMs = new ArrayList<>();
        long tokens = 0;
        long t0 = System.nanoTime();
        for (Item item : items) {
            long start = System.nanoTime();
            CumoResult r = service.submit(item.prepared()).get(30, TimeUnit.MINUTES);
            (item.kind().equals("short") ? shortMs : longMs).add((System.nanoTime() - start) / 1e6);
            tokens += r.tokenIds().length;
        }
        return new Run(items.size(), (System.nanoTime() - t0) / 1e9, shortMs, longMs, 0, 0, tokens, new ServingStatsDelta(0, 0, 0));
    }

    private void print(String bench, String scheduler, Run run, double rate) throws Exception {
        ObjectNode o = json.createObjectNode();
        o.put("bench", "serve-" + bench);
        o.put("config", scheduler);
        o.put("model", model.modelDir().getFileName().toString());
        o.put("max_batch_size", maxBatch);
        o.put("requests", run.requests());
        if (rate > 0) {
            o.put("offered_rate_per_s", round(rate));
        }
        o.put("wall_s", round(run.wallS()));
        o.put("requests_per_s", round(run.throughput()));
        o.put("tokens_per_s", round(run.tokens() / run.wallS()));
        percentiles(o.putObject("short_ms"), run.shortMs());
        percentiles(o.putObject("description_ms"), run.longMs());
        o.put("decode_steps", round(run.steps()));
        o.put("useful_rows_per_step", round(run.usefulRows() / Math.max(1, run.steps())));
        o.put("decode_slot_occupancy", round(run.usefulRows() / Math.max(1, run.steps()) / maxBatch));
        long lookups = run.stats().hits() + run.stats().misses();
        o.put("vision_cache_hit_rate", lookups == 0 ? 0 : round((double) run.stats().hits() / lookups));
        o.put("prefix_cache_hits", run.stats().prefixHits());
        System.out.println(json.writeValueAsString(o));
    }

    /**
     * Each image asked 4 short questions in a row, the vision cache on against off: both services
     * open side by side, {@code rounds} rounds alternating between them on fresh images (so the
     * cache starts cold every round), the median of the per-round ratios reported.
     */
    private void repeatedImages() throws Exception {
        String[] questions = {"Is there a red shape? Answer yes or no.", "Is there a circle? Answer yes or no.",
                "How many shapes are there?", "Is the background white? Answer yes or no."};
        try (CumoService on = CumoService.start(spec(CumoRuntimeOptions.defaultServing()));
                CumoService off = CumoService.start(spec(CumoRuntimeOptions.defaultServing().withVisionCacheBytes(0)))) {
            warmUp(on, mix(on, new Random(seed + 9)));
            warmUp(off, mix(off, new Random(seed + 9)));
            List<Double> ratios = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                Random random = new Random(seed + 100 + round);
                List<Item> items = new ArrayList<>();
                for (int i = 0; i < Math.max(1, requests / 4); i++) {
                    CumoEngine.Prepared first = null;
                    for (int q = 0; q < 4; q++) {
                        CumoEngine.Prepared p = on.engine().prepare(CumoRequest.of("img" + i + "q" + q, files.get(i % files.size()),
                                questions[q], GenerationConfig.greedy(1 + random.nextInt(3)).withIgnoreEos()));
                        if (first == null) {
                            p = distinct(p, random);
                            first = p;
                        } else { // the same (perturbed) pixels as the image's first question
                            p = new CumoEngine.Prepared(p.id(),
                                    new ModelInput(p.input().inputIds(), first.input().pixelValues(), p.input().config()), 0);
                        }
                        items.add(new Item("short", p));
                    }
                }
                Run withCache = measure(on, items, 0, random);
                Run without = measure(off, items, 0, random);
                print("repeated-image", "iteration+vision-cache", withCache, 0);
                print("repeated-image", "iteration,vision-cache-off", without, 0);
                ratios.add(without.wallS() / withCache.wallS());
            }
            ObjectNode o = json.createObjectNode();
            o.put("bench", "serve-repeated-image-speedup");
            o.put("model", model.modelDir().getFileName().toString());
            o.set("cache_on_over_off_per_round", json.valueToTree(ratios.stream().map(ServeBench::round).toList()));
            o.put("cache_on_over_off_median", round(ratios.stream().sorted().toList().get(ratios.size() / 2)));
            System.out.println(json.writeValueAsString(o));
        }
    }

    /**
     * Long prompts arriving while answers decode, chunked prefill on against off (each on its own
     * service, {@code rounds} rounds alternating): {@code maxBatch / 2} descriptions (60 tokens)
     * start decoding, then two long prompts (an image and a question of about {@code longPositions}
     * positions) arrive one after the other, while a client asks short questions one at a time
     * until everything finished. Reports the largest gap between two decode steps, the short
     * answers' latencies and the long prompts' own latency.
     */
    private void longPrompts() throws Exception {
        try (CumoService on = CumoService.start(spec(CumoRuntimeOptions.defaultServing().withPrefillChunkSize(chunk)));
                CumoService off = CumoService.start(spec(CumoRuntimeOptions.defaultServing().withPrefillChunkSize(0)))) {
            List<Item> longs = longItems(on);
            for (CumoService service : List.of(on, off)) {
                warmUp(service, mix(service, new Random(seed + 20)));
                warmUp(service, longs.subList(0, 1)); // the long prompt's shapes compiled before the first round
            }
            for (int round = 0; round < rounds; round++) {
                longRound(on, "chunked-" + chunk, longs, new Random(seed + 30 + round));
                longRound(off, "unchunked", longs, new Random(seed + 30 + round));
            }
        }
    }

    /** Two long prompts: an image and a question repeated up to about {@code longPositions} prompt positions. */
    private List<Item> longItems(CumoService service) {
        imageTokens = service.engine().model().config().imageTokens();
        List<Item> items = new ArrayList<>();
        String sentence = "Describe every shape, its colour and its position once more, then compare it with the others. ";
        for (int i = 0; i < 2; i++) {
            StringBuilder question = new StringBuilder();
            CumoEngine.Prepared p;
            do {
                question.append(sentence);
                p = service.engine().prepare(CumoRequest.of("long" + i, files.get(i % files.size()), question.toString(),
                        GenerationConfig.greedy(8).withIgnoreEos()));
            } while (positions(p.input()) < longPositions);
            items.add(new Item("long", p));
        }
        return items;
    }

    private int imageTokens;

    private int positions(ModelInput in) {
        int images = in.imageCount() > 0 ? in.imageCount() : in.pixelValues().size();
        return in.inputIds().length - images + images * imageTokens;
    }

    private void longRound(CumoService service, String config, List<Item> longs, Random random) throws Exception {
        ServingStats stats = service.stats();
        List<CompletableFuture<CumoResult>> background = new ArrayList<>();
        for (int i = 0; i < Math.max(1, maxBatch / 2); i++) {
            CumoEngine.Prepared p = service.engine().prepare(CumoRequest.of("d" + i, files.get(i % files.size()),
                    "Describe the image in detail.", GenerationConfig.greedy(60).withIgnoreEos()));
            background.add(service.submit(distinct(p, random)));
        }
        while (stats.runningSequences() < Math.max(1, maxBatch / 2) && !background.stream().allMatch(CompletableFuture::isDone)) {
            Thread.sleep(1); // the descriptions decode before the long prompts arrive
        }
        stats.resetMaxDecodeGap();
        long t0 = System.nanoTime();
        List<Double> shortMs = new ArrayList<>();
        List<Double> longMs = new ArrayList<>();
        List<Long> longStart = new ArrayList<>();
        List<CompletableFuture<CumoResult>> longFutures = new ArrayList<>();
        int asked = 0;
        while (!(background.stream().allMatch(CompletableFuture::isDone) && longFutures.size() == longs.size()
                && longFutures.stream().allMatch(CompletableFuture::isDone))) {
            if (longFutures.size() < longs.size() && asked >= 2 * longFutures.size()) { // a long prompt after every 2 short ones
                Item item = longs.get(longFutures.size());
                int index = longFutures.size();
                longStart.add(System.nanoTime());
                longFutures.add(service.submit(new CumoEngine.Prepared("long" + index, distinct(item.prepared(), random).input(), 0))
                        .whenComplete((r, e) -> {
                            synchronized (longMs) {
                                longMs.add((System.nanoTime() - longStart.get(index)) / 1e6);
                            }
                        }));
            }
            CumoEngine.Prepared q = service.engine().prepare(CumoRequest.of("s" + asked, files.get(asked % files.size()),
                    "Is there a red shape? Answer yes or no.", GenerationConfig.greedy(1 + random.nextInt(3)).withIgnoreEos()));
            long start = System.nanoTime();
            service.submit(distinct(q, random)).get(30, TimeUnit.MINUTES);
            shortMs.add((System.nanoTime() - start) / 1e6);
            asked++;
        }
        for (CompletableFuture<CumoResult> f : background) {
            f.get(30, TimeUnit.MINUTES);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        ObjectNode o = json.createObjectNode();
        o.put("bench", "serve-long-prompt");
        o.put("config", config);
        o.put("model", model.modelDir().getFileName().toString());
        o.put("max_batch_size", maxBatch);
        o.put("long_prompt_positions", positions(longs.get(0).prepared().input()));
        o.put("wall_s", round(wall));
        o.put("max_decode_gap_ms", round(stats.maxDecodeGapNanos() / 1e6));
        percentiles(o.putObject("short_ms"), shortMs);
        synchronized (longMs) {
            percentiles(o.putObject("long_prompt_ms"), longMs);
        }
        System.out.println(json.writeValueAsString(o));
    }

    private static void percentiles(ObjectNode o, List<Double> ms) {
        if (ms.isEmpty()) {
            return;
        }
        List<Double> sorted = ms.stream().sorted().toList();
        o.put("n", sorted.size());
        o.put("p50", round(at(sorted, 0.50)));
        o.put("p99", round(at(sorted, 0.99)));
        o.put("mean", round(sorted.stream().mapToDouble(Double::doubleValue).average().orElse(0)));
    }

    /** Nearest-rank percentile. */
    private static double at(List<Double> sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
