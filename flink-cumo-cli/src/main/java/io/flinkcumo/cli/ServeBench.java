package io.flinkcumo.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.CumoResult;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.ModelInput;
import io.flinkcumo.engine.Precision;
import io.flinkcumo.engine.image.ImageDecoder;
import io.flinkcumo.runtime.BatcherConfig;
import io.flinkcumo.runtime.CumoService;
import io.flinkcumo.runtime.DeviceSpec;
import io.flinkcumo.runtime.ServingConfig;
import io.flinkcumo.runtime.ServingStats;

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
 * evaluation does) with the vision cache on and off.
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

    /** One request of the workload. */
    private record Item(String kind, CumoEngine.Prepared prepared) {}

    private record Config(String name, ServingConfig serving) {}

    int run() throws Exception {
        List<Config> configs = List.of(
                new Config("static", ServingConfig.staticBatches()),
                new Config("iteration-no-reuse", ServingConfig.defaults().withVisionCacheBytes(0).withSharedPrefix(false)),
                new Config("iteration", ServingConfig.defaults()));
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
        return 0;
    }

    private CumoService.Spec spec(ServingConfig serving) {
        return new CumoService.Spec(
                model.modelDir(),
                DeviceSpec.parse(model.device),
                model.precision == null ? Precision.AUTO : model.precision,
                ImageDecoder.Limits.DEFAULT,
                BatcherConfig.defaults(model.device)
                        .withMaxBatchSize(maxBatch)
                        .withMaxBatchWait(Duration.ofMillis(20))
                        .withQueueCapacity(Math.max(256, 8 * requests))
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
            CumoEngine.Prepared p = service.prepare(CumoRequest.of("r" + i, files.get(i % files.size()), question,
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
        try (CumoService on = CumoService.start(spec(ServingConfig.defaults()));
                CumoService off = CumoService.start(spec(ServingConfig.defaults().withVisionCacheBytes(0)))) {
            warmUp(on, mix(on, new Random(seed + 9)));
            warmUp(off, mix(off, new Random(seed + 9)));
            List<Double> ratios = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                Random random = new Random(seed + 100 + round);
                List<Item> items = new ArrayList<>();
                for (int i = 0; i < Math.max(1, requests / 4); i++) {
                    CumoEngine.Prepared first = null;
                    for (int q = 0; q < 4; q++) {
                        CumoEngine.Prepared p = on.prepare(CumoRequest.of("img" + i + "q" + q, files.get(i % files.size()),
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
