package io.flinkcumo.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkcumo.engine.CumoConfig;
import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.LlavaModel;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.CumoResult;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.NativeAllocator;
import io.flinkcumo.engine.PhaseCost;
import io.flinkcumo.engine.Precision;
import io.flinkcumo.runtime.CumoRuntimeOptions;
import io.flinkcumo.runtime.core.ServingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code cumo bench}: the same work as the PyTorch eager peer ({@code shared/bench/pytorch_eager_bench.py}):
 * each request is one image with a short question, greedy decoding; prints one JSON line per batch
 * size with images/s, generated tokens/s and the time split. With the roofline (default) it first
 * measures the machine's fp32 GEMM rate and memory bandwidth ({@link Roofline}) and reports per phase
 * the achieved GFLOP/s (vision + projector, prefill; {@link PhaseCost}) or GB/s (decode) and the
 * fraction of that peak.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure images/s and tokens/s on a model.")
final class BenchCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--batch", split = ",", defaultValue = "1,8", description = "Batch sizes (default ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--requests", defaultValue = "8", description = "Requests per batch size (default ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--max-new-tokens", defaultValue = "32", description = "Default ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--images", description = "Directory of images (default: samples/images).")
    Path images;

    @Option(names = "--question", defaultValue = "Describe the image in one sentence.")
    String question;

    @Option(names = "--moe-layer", description = "Instead: time one top-2-of-4 CLIP-MoE layer against its dense MLP "
            + "(tokens = one image's 10 crops; sizes from --moe-hidden).")
    boolean moeLayer;

    @Option(names = "--moe-hidden", defaultValue = "1024", description = "Hidden size for --moe-layer (MLP is 4x; default ${DEFAULT-VALUE}).")
    int moeHidden;

    @Option(names = "--soak", defaultValue = "0", description = "Instead: run N consecutive requests and report native "
            + "tensors held, resident memory and heap at start and end.")
    int soak;

    @Option(names = "--roofline", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Measure the fp32 GEMM peak and memory bandwidth in the same run and report each phase's share "
                    + "of it (default on; --no-roofline skips it).")
    boolean roofline;

    @Option(names = "--serve", description = "Instead: load the shared model service with an open-loop Poisson mix of short "
            + "answers (1-3 tokens) and descriptions (30-60 tokens); static against iteration-level scheduling, and a "
            + "repeated-image workload with the vision cache on and off (see docs/benchmarks.md).")
    boolean serve;

    @Option(names = "--serve-requests", defaultValue = "48", description = "Requests per --serve measurement (default ${DEFAULT-VALUE}).")
    int serveRequests;

    @Option(names = "--serve-batch", defaultValue = "8", description = "max-batch-size of the service for --serve (default ${DEFAULT-VALUE}).")
    int serveBatch;

    @Option(names = "--serve-load", defaultValue = "0.7", description = "Poisson arrival rate for --serve as a fraction of the static "
            + "scheduler's saturation throughput (default ${DEFAULT-VALUE}).")
    double serveLoad;

    @Option(names = "--serve-short", defaultValue = "0.5", description = "Share of short answers in the --serve mix (default ${DEFAULT-VALUE}).")
    double serveShort;

    @Option(names = "--serve-parts", split = ",", defaultValue = "mix,repeated,long-prompt", description = "Which --serve "
            + "workloads: mix (scheduler comparison), repeated (vision cache on/off), long-prompt (long prompts arriving while "
            + "answers decode, chunked prefill on/off) (default ${DEFAULT-VALUE}).")
    List<String> serveParts;

    @Option(names = "--serve-long-positions", defaultValue = "1024", description = "Prompt positions of the long prompts of the "
            + "--serve long-prompt workload (default ${DEFAULT-VALUE}).")
    int serveLongPositions;

    @Option(names = "--serve-chunk", defaultValue = "-1", description = "prefill-chunk-size of the chunked side of the --serve "
            + "long-prompt workload (default: the option's default).")
    int serveChunk;

    @Option(names = "--serve-rounds", defaultValue = "3", description = "Rounds of the repeated-image workload, alternating cache on "
            + "and off (default ${DEFAULT-VALUE}).")
    int serveRounds;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the --serve workload (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--gemm-size", defaultValue = "2048", description = "n of the n³ matmul that measures the GEMM peak (default ${DEFAULT-VALUE}).")
    int gemmSize;

    @Override
    public Integer call() throws Exception {
        if (soak > 0) {
            return soak();
        }
        if (serve) {
            return new ServeBench(model, imageFiles(), serveRequests, serveBatch, serveLoad, serveShort, seed, serveParts, serveRounds)
                    .withLongPrompts(serveLongPositions, serveChunk < 0 ? CumoRuntimeOptions.PREFILL_CHUNK_SIZE.defaultValue() : serveChunk)
                    .run();
        }
        if (moeLayer) {
            MoeLayerBench.Result r = MoeLayerBench.run(10 * 577, moeHidden, 4 * moeHidden, 4, 2, 7);
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("bench", "moe-layer");
            o.put("tokens", r.tokens());
            o.put("hidden", r.hidden());
            o.put("intermediate", r.intermediate());
            o.put("experts", r.experts());
            o.put("top_k", r.topK());
            o.put("dense_ms", round(r.denseMs()));
            o.put("moe_ms", round(r.moeMs()));
            o.put("moe_over_dense", round(r.ratio()));
            System.out.println(new ObjectMapper().writeValueAsString(o));
            return 0;
        }
        List<byte[]> files = imageFiles();
        GenerationConfig config = GenerationConfig.greedy(maxNewTokens);
        long loadStart = System.nanoTime();
        try (CumoEngine engine = model.load()) {
            double loadS = (System.nanoTime() - loadStart) / 1e9;
            engine.answer(List.of(CumoRequest.of("warmup", files.get(0), question, GenerationConfig.greedy(2))));
            ObjectMapper json = new ObjectMapper();
            CumoConfig c = engine.model().config();
            int elementBytes = engine.model().dataType().getNumOfBytes();
            int linearBytes = model.precision().linearWeightBytes(model.djlDevice());
            boolean bf16 = model.precision().bf16Weights();
            Roofline peak = roofline ? Roofline.measure(gemmSize, 256L << 20, 5, bf16) : null;
            if (peak != null) {
                ObjectNode r = json.createObjectNode();
                r.put("bench", "roofline");
                r.put("cpu", peak.cpu());
                r.set("flags", json.valueToTree(peak.flags()));
                r.put("threads", peak.threads());
                r.put("gemm_n", peak.gemmSize());
                r.put("gemm_fp32_gflops", round(peak.gemmGflops()));
                if (bf16) {
                    r.put("gemm_bf16_gflops", round(peak.gemmBf16Gflops()));
                }
                r.put("memory_gbps", round(peak.memoryGbps()));
                r.put("allocator", NativeAllocator.preloaded().orElse("system"));
                r.put("vision_chunk_bytes", LlavaModel.visionChunkBytes());
                System.out.println(json.writeValueAsString(r));
            }
            for (int batch : batches) {
                double pre = 0, vision = 0, prefill = 0, decode = 0;
                long tokens = 0;
                long decodeTensors = 0;
                long decodeSteps = 0;
                double visionFlops = 0, prefillFlops = 0, decodeBytes = 0;
                int done = 0;
                long wall0 = System.nanoTime();
                while (done < requests) {
                    int b = Math.min(batch, requests - done);
                    List<CumoEngine.Prepared> prepared = new ArrayList<>();
                    for (int i = 0; i < b; i++) {
                        prepared.add(engine.prepare(CumoRequest.of("r" + (done + i), files.get((done + i) % files.size()), question, config)));
                    }
                    List<CumoResult> results = engine.run(prepared);
                    pre += prepared.stream().mapToLong(CumoEngine.Prepared::preprocessNanos).sum() / 1e9;
                    vision += results.get(0).timings().visionNanos() / 1e9;
                    prefill += results.get(0).timings().prefillNanos() / 1e9;
                    decode += results.get(0).timings().decodeNanos() / 1e9;
                    tokens += results.stream().mapToLong(r -> r.tokenIds().length).sum();
                    decodeTensors += results.get(0).timings().decodeTensors();
                    decodeSteps += results.get(0).timings().decodeSteps();
                    int longest = 0;
                    for (CumoResult r : results) {
                        visionFlops += PhaseCost.visionFlopsPerImage(c) + PhaseCost.projectorFlopsPerImage(c);
                        prefillFlops += PhaseCost.prefillFlops(c, r.promptPositions());
                        longest = Math.max(longest, r.promptPositions());
                    }
                    for (int step = 0; step < results.get(0).timings().decodeSteps(); step++) {
                        decodeBytes += PhaseCost.decodeBytesPerStep(c, b, longest + step, linearBytes, elementBytes);
                    }
                    done += b;
                }
                double wall = (System.nanoTime() - wall0) / 1e9;
                ObjectNode o = json.createObjectNode();
                o.put("impl", "flink-cumo-djl-" + (model.precision() == Precision.AUTO ? engine.model().dataType().toString() : model.precision().name())
                        .toLowerCase(java.util.Locale.ROOT));
                o.put("threads", Runtime.getRuntime().availableProcessors());
                o.put("model", engine.model().config().modelType() + ":" + model.modelDir().getFileName());
                o.put("batch", batch);
                o.put("requests", requests);
                o.put("max_new_tokens", maxNewTokens);
                o.put("load_s", round(loadS));
                o.put("wall_s", round(wall));
                o.put("images_per_s", round(requests / wall));
                o.put("generated_tokens", tokens);
                o.put("tokens_per_s", round(tokens / wall));
                o.put("native_tensors_per_decode_step", decodeSteps == 0 ? 0 : round((double) decodeTensors / decodeSteps));
                ObjectNode split = o.putObject("split_s");
                split.put("preprocess", round(pre));
                split.put("vision_projector", round(vision));
                split.put("prefill", round(prefill));
                split.put("decode", round(decode));
                if (peak != null) {
                    double gemmPeak = bf16 ? peak.gemmBf16Gflops() : peak.gemmGflops(); // the matmul the phases run
                    ObjectNode r = o.putObject("roofline");
                    r.put("vision_projector_gflops", round(visionFlops / vision / 1e9));
                    r.put("vision_projector_of_gemm_peak", round(visionFlops / vision / 1e9 / gemmPeak));
                    r.put("prefill_gflops", round(prefillFlops / prefill / 1e9));
                    r.put("prefill_of_gemm_peak", round(prefillFlops / prefill / 1e9 / gemmPeak));
                    r.put("decode_gbps", round(decode == 0 ? 0 : decodeBytes / decode / 1e9));
                    r.put("decode_of_memory_peak", round(decode == 0 ? 0 : decodeBytes / decode / 1e9 / peak.memoryGbps()));
                }
                System.out.println(json.writeValueAsString(o));
            }
        }
        return 0;
    }

    /** The PNG and JPEG files of {@code --images} (default samples/images), in name order. */
    private List<byte[]> imageFiles() throws java.io.IOException {
        Path dir = images != null ? images : ModelOptions.home().resolve("samples/images");
        List<byte[]> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.toString().matches("(?i).*\\.(png|jpe?g)$")).sorted().toList()) {
                files.add(Files.readAllBytes(p));
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no PNG or JPEG images in " + dir);
        }
        return files;
    }

    /** N consecutive single requests over the sample images; memory read before and after. */
    private int soak() throws Exception {
        Path dir = images != null ? images : ModelOptions.home().resolve("samples/images");
        List<byte[]> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.toString().matches("(?i).*\\.(png|jpe?g)$")).sorted().map(p -> {
                try {
                    return Files.readAllBytes(p);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
        ObjectMapper json = new ObjectMapper();
        try (CumoEngine engine = model.load()) {
            engine.answer(List.of(CumoRequest.of("warmup", files.get(0), question, GenerationConfig.greedy(maxNewTokens))));
            ObjectNode start = memory(engine);
            long t0 = System.nanoTime();
            for (int i = 0; i < soak; i++) {
                engine.answer(List.of(CumoRequest.of("r" + i, files.get(i % files.size()), question, GenerationConfig.greedy(maxNewTokens))));
                if ((i + 1) % 100 == 0) {
                    System.err.printf("soak: %d/%d requests, %d native tensors held, RSS %d MiB%n", i + 1, soak,
                            engine.model().manager().getManagedArrays().size(), rssMiB());
                }
            }
            ObjectNode o = json.createObjectNode();
            o.put("bench", "soak");
            o.put("requests", soak);
            o.put("wall_s", round((System.nanoTime() - t0) / 1e9));
            o.set("start", start);
            o.set("end", memory(engine));
            System.out.println(json.writeValueAsString(o));
        }
        return 0;
    }

    private static ObjectNode memory(CumoEngine engine) {
        System.gc();
        ObjectNode m = new ObjectMapper().createObjectNode();
        m.put("native_tensors_held", engine.model().manager().getManagedArrays().size());
        m.put("rss_mib", rssMiB());
        Runtime rt = Runtime.getRuntime();
        m.put("heap_used_mib", (rt.totalMemory() - rt.freeMemory()) >> 20);
        return m;
    }

    /** Resident set size of this process (Linux /proc), or -1. */
    private static long rssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
