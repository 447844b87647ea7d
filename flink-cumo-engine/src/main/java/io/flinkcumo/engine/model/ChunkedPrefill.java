package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import io.flinkcumo.engine.CumoConfig;
import io.flinkcumo.engine.ModelInput;
import io.flinkcumo.engine.routing.RoutingRecorder;

import java.util.Arrays;
import java.util.List;

/**
 * One prompt's prefill split into chunks of at most C positions (chunked prefill, as in vLLM and
 * Sarathi-Serve), so that a {@link ContinuousBatch} can run a decode step of its running
 * sequences between two chunks.
 *
 * <p>The first {@link #next} encodes the prompt's images (once, or from the vision-feature cache),
 * primes the cache with the shared prefix if one is reused, and splices the rest of the prompt
 * into embeddings x [1, L_own, H]. Chunk k then runs positions [kC, kC + c) of x through the
 * decoder at RoPE positions L_p + kC + t, writing the cache and attending to every slot before it
 * (the prefix and the earlier chunks: a causal mask with a past offset). After the last chunk the
 * logits at the prompt's last position pick its first token. The result is the unchunked prefill's
 * up to the summation order of the attention.
 *
 * <p>Every tensor lives in the prefill's own sub-manager; {@link #close} frees them all, whether
 * the prompt finished, failed or was cancelled between chunks.
 */
final class ChunkedPrefill implements AutoCloseable {

    private final Generator generator;
    private final ModelInput input;
    private final Generator.Reuse reuse;
    private final int chunk; // C
    private final NDManager scope;
    private final RoutingRecorder recorder = new RoutingRecorder(1);
    private final int length; // L: prompt positions after splicing
    private final int prefix; // L_p: reused shared-prefix positions (0 without a prefix cache)
    private NDArray embeddings; // [1, L − L_p, H], null before the first chunk
    private KvCache cache; // [1, kv_heads, L, d]
    private NDArray lastLogits; // [1, V] once done
    private int done; // own positions prefilled so far
    private int chunks;
    private long visionNanos;
    private long prefillNanos;

    /**
     * Checks the prompt (vocabulary, context) at once, so a bad request fails before its first
     * chunk; no tensor is created until {@link #next}.
     */
    ChunkedPrefill(Generator generator, NDManager parent, ModelInput input, Generator.Reuse reuse, int chunk) {
        if (chunk < 1) {
            throw new IllegalArgumentException("a prefill chunk holds at least one position, got " + chunk);
        }
        CumoConfig config = generator.config();
        for (int id : input.inputIds()) {
            if (id != ModelInput.IMAGE_TOKEN_INDEX && (id < 0 || id >= config.llm().vocabSize())) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + config.llm().vocabSize());
            }
        }
        this.length = generator.promptLength(input);
        if (length >= config.maxContext()) {
            throw new IllegalArgumentException(
                    "the prompt fills " + length + " positions after splicing " + config.imageTokens() + " rows per image, but the"
                            + " context holds " + config.maxContext() + " (with room for at least one new token)");
        }
        this.generator = generator;
        this.input = input;
        this.reuse = reuse;
        this.chunk = chunk;
        this.prefix = reuse.prefix() == null ? 0 : Generator.prefixLength(input.inputIds());
        this.scope = parent.newSubManager();
    }

    /** Positions the prompt's own prefill computes (after the reused prefix), what is chunked. */
    static int ownPositions(Generator generator, ModelInput input, Generator.Reuse reuse) {
        int lp = reuse.prefix() == null ? 0 : Generator.prefixLength(input.inputIds());
        return generator.promptLength(input) - lp;
    }

    /** Runs the next chunk (preceded by the vision and splice on the first); true once the prompt is prefilled. */
    boolean next() {
        if (isDone()) {
            throw new IllegalStateException("the prompt is prefilled already");
        }
        if (embeddings == null) {
            start();
        }
        long t0 = System.nanoTime();
        LanguageModel llm = generator.llm();
        int own = length - prefix;
        int c = Math.min(chunk, own - done);
        int past = prefix + done; // slots already in the cache
        int[][] positions = new int[1][c];
        for (int t = 0; t < c; t++) {
            positions[0][t] = past + t;
        }
        boolean last = done + c == own;
        try (NDScope temporaries = new NDScope()) { // the chunk's activations, masks and cache views
            NDArray x = embeddings.get(new NDIndex(":, {}:{}, :", done, done + c)); // [1, c, H]
            NDArray h = llm.forward(x, positions,
                    new CausalMask(1, c, past).toArray(scope, generator.dataType()), cache, // the past, then causal
                    new TokenOwners(new int[c], recorder, ForwardTrace.NONE), false); // [1, c, H]
            if (last) {
                lastLogits = llm.logits(h.get(new NDIndex(":, {}, :", c - 1))); // [1, V]
                NDScope.unregister(lastLogits);
            }
            h.close(); // the decoder's output escapes its per-layer scopes when c > 1
        }
        done += c;
        chunks++;
        prefillNanos += System.nanoTime() - t0;
        if (last) {
            embeddings.close();
        }
        return last;
    }

    /** Vision (or the cache), the shared prefix into the cache, and the splice of the rest into x. */
    private void start() {
        long t0 = System.nanoTime();
        CumoConfig config = generator.config();
        LanguageModel llm = generator.llm();
        cache = new KvCache(scope, llm.numLayers(), 1, config.llm().numKeyValueHeads(), length, config.llm().headDim(),
                generator.dataType());
        if (prefix > 0) {
            PromptPrefixCache.Entry entry = reuse.prefix().get(Arrays.copyOf(input.inputIds(), prefix), generator);
            cache.prime(entry.keys(), entry.values());
            recorder.add(0, entry.routing(), 0);
        }
        try (NDManager tmp = scope.newSubManager()) { // vision activations and the splice table go at once
            NDArray imageRows = generator.imageRows(tmp, List.of(input), recorder, reuse); // [N_img·P, H] or null
            embeddings = new Splice(List.of(input.inputIds()), prefix, config.imageTokens())
                    .embed(tmp, llm, imageRows, generator.dataType()); // [1, L - prefix, H]
            embeddings.attach(scope);
        }
        visionNanos = System.nanoTime() - t0;
    }

    boolean isDone() {
        return lastLogits != null;
    }

    /** Own positions prefilled so far. */
    int prefilled() {
        return done;
    }

    int chunksRun() {
        return chunks;
    }

    int length() {
        return length;
    }

    ModelInput input() {
        return input;
    }

    KvCache cache() {
        return cache;
    }

    NDArray lastLogits() {
        return lastLogits;
    }

    RoutingRecorder recorder() {
        return recorder;
    }

    long visionNanos() {
        return visionNanos;
    }

    long prefillNanos() {
        return prefillNanos;
    }

    /** Frees every tensor of this prefill (cache, embeddings, logits). */
    @Override
    public void close() {
        scope.close();
    }
}
