package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.flinkcumo.engine.CumoConfig;
import io.flinkcumo.engine.ModelInput;
import io.flinkcumo.engine.ModelOutput;
import io.flinkcumo.engine.routing.RoutingRecorder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Iteration-level batching (Orca, vLLM): the running sequences decode together one token per
 * {@link #step}; a sequence leaves the batch as soon as it stops (EOS or its token budget) and
 * its cache rows are freed, and new requests {@link #admit join} between steps — their vision
 * and prefill run as their own call, then their cache rows are merged into the running cache.
 *
 * <h2>Cache layout</h2>
 *
 * One {@link KvCache} [B, kv_heads, capacity, d] per layer, in which all rows write the same slot
 * per step (the cache's filled length), as in {@link Generator#generate}. Row r holds its prompt
 * at slots [promptStart_r, promptStart_r + L_r) and its generated tokens from decodeStart_r on;
 * everything else in the row is masked. Merging right-aligns every block (the running rows from
 * the first slot any of them still reads, the newcomers' prefill caches from 0) at a common
 * length, so slots nobody reads are dropped on every merge; RoPE positions are per row, so a
 * row's slot numbers never change its numbers. Greedy outputs are those of running each request
 * alone, up to the summation order of masked (zero-weight) slots.
 *
 * <p>Not thread-safe: one thread (the model's dispatcher) calls it. Every tensor lives in a
 * sub-manager of the model's manager that is closed whenever the batch runs empty and by
 * {@link #close}.
 *
 * @param <T> the caller's tag of a sequence (e.g. a request id)
 */
public final class ContinuousBatch<T> implements AutoCloseable {

    /** A sequence that stopped, with its output. */
    public record Finished<T>(T tag, ModelOutput output) {}

    private static final class Seq<T> {
        final T tag;
        final Sampler sampler;
        final int budget;
        final boolean ignoreEos;
        final int promptLength; // L_r: prompt positions after splicing
        final int admittedWith; // size of the prefill call it joined with
        final List<Integer> generated = new ArrayList<>();
        final RoutingRecorder routing = new RoutingRecorder(1);
        final long visionNanos;
        final long prefillNanos;
        int promptStart;
        int decodeStart;
        long pending; // last generated id, fed at the next step
        boolean eos;
        long decodeNanos;
        int steps;
        long tensors;

        Seq(T tag, ModelInput input, int budget, int promptLength, int admittedWith, long visionNanos, long prefillNanos) {
            this.tag = tag;
            this.sampler = input.config().isGreedy() ? null : new Sampler(input.config());
            this.budget = budget;
            this.ignoreEos = input.config().ignoreEos();
            this.promptLength = promptLength;
            this.admittedWith = admittedWith;
            this.visionNanos = visionNanos;
            this.prefillNanos = prefillNanos;
        }

        /** Records {@code id}; true when the sequence stops with it. */
        boolean accept(long id, int eosId) {
            generated.add((int) id);
            pending = id;
            eos = id == eosId && !ignoreEos;
            return eos || generated.size() >= budget;
        }

        int remaining() {
            return budget - generated.size();
        }

        ModelOutput output() {
            int[] ids = generated.stream().mapToInt(Integer::intValue).toArray();
            return new ModelOutput(ids, eos, promptLength, routing.statsOf(0),
                    new ModelOutput.Timings(admittedWith, visionNanos, prefillNanos, decodeNanos, steps, tensors));
        }
    }

    private final Generator generator;
    private final NDManager parent;
    private final Generator.Reuse reuse;
    private final CumoConfig config;
    private final List<Seq<T>> running = new ArrayList<>();
    private NDManager session; // holds the cache while anything runs
    private long stepsRun;
    private long rowsStepped;
    private KvCache cache;

    /**
     * @param generator the model's blocks
     * @param parent the manager the batch's tensors live under (the model's)
     * @param reuse vision-feature and prompt-prefix caches the prefills may use
     */
    public ContinuousBatch(Generator generator, NDManager parent, Generator.Reuse reuse) {
        this.generator = generator;
        this.parent = parent;
        this.reuse = reuse;
        this.config = generator.config();
    }

    /** Sequences decoding now. */
    public int size() {
        return running.size();
    }

    /** Tags of the running sequences, in row order. */
    public List<T> tags() {
        return running.stream().map(s -> s.tag).toList();
    }

    /** Positions {@code input}'s prompt fills after splicing its image rows (what its prefill computes). */
    public int promptPositions(ModelInput input) {
        return generator.promptLength(input);
    }

    /** Bytes of one cache slot of one row (K and V of every layer). */
    public long bytesPerSlot() {
        CumoConfig.Llm l = config.llm();
        return 2L * l.numHiddenLayers() * l.numKeyValueHeads() * l.headDim() * generator.dataType().getNumOfBytes();
    }

    /** Bytes of the running cache now. */
    public long cacheBytes() {
        return cache == null ? 0 : cache.bytes();
    }

    /**
     * Cache bytes the batch would need at most if {@code extra} joined now: rows × (the slots the
     * running rows still read and may write, or the newcomers' prompt and budget if longer).
     */
    public long bytesIfAdmitted(List<ModelInput> extra) {
        long slots = cache == null ? 0 : (cache.length() - firstReadSlot()) + maxRemaining();
        for (ModelInput in : extra) {
            int length = generator.promptLength(in);
            slots = Math.max(slots, length + budgetOf(in, length));
        }
        return (running.size() + extra.size()) * slots * bytesPerSlot();
    }

    /**
     * Runs vision and prefill for {@code inputs} (grouped by shared prompt prefix) and picks their
     * first tokens; the ones that stop at once are returned, the others join the running batch.
     * If this throws, nothing changed: no input joined and the running batch is intact.
     */
    public List<Finished<T>> admit(List<T> tags, List<ModelInput> inputs) {
        if (tags.size() != inputs.size()) {
            throw new IllegalArgumentException(tags.size() + " tags for " + inputs.size() + " inputs");
        }
        Map<List<Integer>, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            int[] ids = inputs.get(i).inputIds();
            List<Integer> key = reuse.prefix() == null
                    ? List.of()
                    : Arrays.stream(ids, 0, Generator.prefixLength(ids)).boxed().toList();
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
        }
        List<NDManager> scopes = new ArrayList<>();
        List<Generator.Prefilled> prefills = new ArrayList<>();
        List<List<Seq<T>>> joining = new ArrayList<>();
        List<Finished<T>> finished = new ArrayList<>();
        int eosId = config.llm().eosTokenId();
        try {
            for (List<Integer> group : groups.values()) {
                NDManager scope = parent.newSubManager();
                scopes.add(scope);
                List<ModelInput> members = group.stream().map(inputs::get).toList();
                Generator.Prefilled pre = generator.prefill(scope, members, null, ForwardTrace.NONE, 0, reuse);
                prefills.add(pre);
                Sampler[] samplers = new Sampler[members.size()];
                List<Seq<T>> seqs = new ArrayList<>();
                for (int r = 0; r < members.size(); r++) {
                    ModelInput in = members.get(r);
                    int length = pre.lengths()[r];
                    Seq<T> seq = new Seq<>(tags.get(group.get(r)), in, budgetOf(in, length), length, members.size(),
                            pre.visionNanos(), pre.prefillNanos());
                    seq.routing.add(0, pre.recorder(), r);
                    samplers[r] = seq.sampler;
                    seqs.add(seq);
                }
                long[] first = Generator.pick(pre.lastLogits(), samplers, new boolean[members.size()]);
                for (int r = 0; r < seqs.size(); r++) {
                    if (seqs.get(r).accept(first[r], eosId)) {
                        finished.add(new Finished<>(seqs.get(r).tag, seqs.get(r).output()));
                        seqs.set(r, null); // leaves before decoding
                    }
                }
                joining.add(seqs);
            }
            // ---- merge the survivors into the running cache ----
            List<KvCache.Block> blocks = new ArrayList<>();
            List<Seq<T>> rows = new ArrayList<>();
            if (cache != null && !running.isEmpty()) {
                blocks.add(new KvCache.Block(cache, rowRange(running.size()), firstReadSlot()));
                rows.addAll(running);
            }
            for (int g = 0; g < prefills.size(); g++) {
                List<Seq<T>> seqs = joining.get(g);
                long[] keep = java.util.stream.IntStream.range(0, seqs.size()).filter(r -> seqs.get(r) != null).asLongStream().toArray();
                if (keep.length > 0) {
                    blocks.add(new KvCache.Block(prefills.get(g).cache(), keep, 0));
                    for (long r : keep) {
                        rows.add(seqs.get((int) r));
                    }
                }
            }
            if (rows.size() > running.size()) {
                int length = blocks.stream().mapToInt(b -> b.src().length() - b.from()).max().orElseThrow();
                int remaining = rows.stream().mapToInt(Seq::remaining).max().orElseThrow();
                if (session == null) {
                    session = parent.newSubManager();
                }
                KvCache merged = KvCache.assemble(session, length + remaining, length, blocks);
                for (Seq<T> s : running) { // shifted right-aligned with the block
                    int shift = length - cache.length();
                    s.promptStart += shift;
                    s.decodeStart += shift;
                }
                for (int g = 0; g < prefills.size(); g++) {
                    int shift = length - prefills.get(g).cache().length();
                    for (Seq<T> s : joining.get(g)) {
                        if (s != null) {
                            s.promptStart = shift;
                            s.decodeStart = length;
                        }
                    }
                }
                if (cache != null) {
                    cache.close();
                }
                cache = merged;
                running.clear();
                running.addAll(rows);
            }
        } finally {
            scopes.forEach(NDManager::close);
        }
        return finished;
    }

    /**
     * One decode step of every running sequence: feeds each its last token, picks the next, and
     * removes those that stopped (their rows leave the cache at once).
     */
    public List<Finished<T>> step() {
        if (running.isEmpty()) {
            return List.of();
        }
        long t0 = System.nanoTime();
        if (cache.length() + 1 > cache.capacity()) {
            compact(); // not reached while budgets hold; kept as a guard
        }
        int b = running.size();
        int c = cache.length(); // slot this step writes
        int slots = c + 1;
        long[] ids = new long[b];
        int[][] pos = new int[b][1];
        int[] owners = new int[b];
        float[] mask = new float[b * slots];
        Sampler[] samplers = new Sampler[b];
        for (int r = 0; r < b; r++) {
            Seq<T> s = running.get(r);
            ids[r] = s.pending;
            pos[r][0] = s.promptLength + s.generated.size() - 1;
            owners[r] = r;
            samplers[r] = s.sampler;
            for (int j = 0; j < slots; j++) {
                boolean visible = (j >= s.promptStart && j < s.promptStart + s.promptLength) || j >= s.decodeStart;
                mask[r * slots + j] = visible ? 0f : Float.NEGATIVE_INFINITY;
            }
        }
        RoutingRecorder stepRouting = new RoutingRecorder(b);
        long[] tensors = {0};
        NDManager scope = session;
        NDArray logits = Scopes.keep(() -> {
            int before = scope.getManagedArrays().size();
            NDArray h = generator.llm().forward(
                    generator.llm().embed(scope.create(ids, new Shape(b, 1))),
                    generator.llm().rotary().tables(scope, pos, generator.dataType()),
                    generator.maskArray(scope, mask, b, 1, slots),
                    cache,
                    new TokenOwners(owners, stepRouting, ForwardTrace.NONE),
                    false);
            NDArray out = generator.llm().logits(h.reshape(b, -1)); // [B, V]
            tensors[0] = scope.getManagedArrays().size() - before;
            return out;
        });
        long[] next;
        try {
            next = Generator.pick(logits, samplers, new boolean[b]);
        } finally {
            logits.close();
        }
        long nanos = System.nanoTime() - t0;
        stepsRun++;
        rowsStepped += b;
        int eosId = config.llm().eosTokenId();
        List<Finished<T>> finished = new ArrayList<>();
        List<Integer> keep = new ArrayList<>();
        for (int r = 0; r < b; r++) {
            Seq<T> s = running.get(r);
            s.routing.add(0, stepRouting, r);
            s.decodeNanos += nanos;
            s.steps++;
            s.tensors += tensors[0];
            if (s.accept(next[r], eosId)) {
                finished.add(new Finished<>(s.tag, s.output()));
            } else {
                keep.add(r);
            }
        }
        if (keep.size() < b) {
            retain(keep);
        }
        return finished;
    }

    /** Decode steps run so far. */
    public long stepsRun() {
        return stepsRun;
    }

    /** Rows decoded so far, summed over the steps (rows per step = running sequences). */
    public long rowsStepped() {
        return rowsStepped;
    }

    /** Removes the running sequence tagged {@code tag} (its request was cancelled); false if absent. */
    public boolean cancel(T tag) {
        List<Integer> keep = new ArrayList<>();
        for (int r = 0; r < running.size(); r++) {
            if (!running.get(r).tag.equals(tag)) {
                keep.add(r);
            }
        }
        if (keep.size() == running.size()) {
            return false;
        }
        retain(keep);
        return true;
    }

    /** Drops every sequence and frees the cache; returns the dropped tags. */
    public List<T> reset() {
        List<T> dropped = tags();
        running.clear();
        freeSession();
        return dropped;
    }

    @Override
    public void close() {
        reset();
    }

    /** Keeps rows {@code keep} (in order), dropping the slots none of them reads any more. */
    private void retain(List<Integer> keep) {
        if (keep.isEmpty()) {
            running.clear();
            freeSession();
            return;
        }
        List<Seq<T>> rows = keep.stream().map(running::get).toList();
        running.clear();
        running.addAll(rows);
        rebuild(keep.stream().mapToLong(Integer::longValue).toArray());
    }

    private void compact() {
        rebuild(rowRange(running.size()));
    }

    /** Re-assembles the cache from {@code rows} of the current one (the running sequences, in order). */
    private void rebuild(long[] rows) {
        int from = firstReadSlot();
        int length = cache.length() - from;
        KvCache rebuilt = KvCache.assemble(session, length + maxRemaining(), length, List.of(new KvCache.Block(cache, rows, from)));
        for (Seq<T> s : running) {
            s.promptStart -= from;
            s.decodeStart -= from;
        }
        cache.close();
        cache = rebuilt;
    }

    /** First slot any running row reads. */
    private int firstReadSlot() {
        return running.stream().mapToInt(s -> Math.min(s.promptStart, s.decodeStart)).min().orElse(cache == null ? 0 : cache.length());
    }

    private int maxRemaining() {
        return running.stream().mapToInt(Seq::remaining).max().orElse(0);
    }

    private int budgetOf(ModelInput in, int promptLength) {
        return Math.max(1, Math.min(in.config().maxNewTokens(), config.maxContext() - promptLength));
    }

    private void freeSession() {
        if (session != null) {
            session.close();
        }
        session = null;
        cache = null;
    }

    private static long[] rowRange(int n) {
        return java.util.stream.LongStream.range(0, n).toArray();
    }
}
