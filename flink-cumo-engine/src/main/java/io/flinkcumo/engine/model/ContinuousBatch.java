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
    private final int chunkSize; // C: most positions of one prefill chunk; 0 = prefill whole
    private final java.util.ArrayDeque<Pending<T>> prefilling = new java.util.ArrayDeque<>(); // oldest first
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
        this(generator, parent, reuse, 0);
    }

    /**
     * @param chunkSize C: a prompt whose own prefill (after a reused prefix) exceeds C positions is
     *     prefilled in chunks of at most C positions, one per {@link #prefillChunk}; 0 prefills
     *     every prompt whole in {@link #admit}
     */
    public ContinuousBatch(Generator generator, NDManager parent, Generator.Reuse reuse, int chunkSize) {
        if (chunkSize < 0) {
            throw new IllegalArgumentException("the prefill chunk size must be >= 0 (0 = whole prompts), got " + chunkSize);
        }
        this.generator = generator;
        this.parent = parent;
        this.reuse = reuse;
        this.config = generator.config();
        this.chunkSize = chunkSize;
    }

    /** A request admitted with a long prompt, prefilled chunk by chunk before it joins the running batch. */
    private record Pending<T>(T tag, ChunkedPrefill prefill) {}

    /** Sequences decoding now. */
    public int size() {
        return running.size();
    }

    /** Requests admitted whose prompt is still being prefilled in chunks (not yet decoding). */
    public int prefilling() {
        return prefilling.size();
    }

    /** Tag of the request whose chunk {@link #prefillChunk} runs next, null if none. */
    public T nextPrefilling() {
        return prefilling.isEmpty() ? null : prefilling.peekFirst().tag();
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
        LanguageModel l = generator.llm();
        return 2L * l.numLayers() * l.numKeyValueHeads() * l.headDim() * generator.dataType().getNumOfBytes();
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
        List<ModelInput> joining = new ArrayList<>(extra);
        prefilling.forEach(p -> joining.add(p.prefill().input()));
        for (ModelInput in : joining) {
            int length = generator.promptLength(in);
            slots = Math.max(slots, length + budgetOf(in, length));
        }
        return (running.size() + joining.size()) * slots * bytesPerSlot();
    }

    /**
     * Runs vision and prefill for {@code inputs} (grouped by shared prompt prefix) and picks their
     * first tokens; the ones that stop at once are returned, the others join the running batch.
     * An input whose own prefill exceeds the chunk size is only checked here and queued: its
     * vision and prefill run later, one chunk per {@link #prefillChunk}. If this throws, nothing
     * changed: no input joined or was queued and the running batch is intact.
     */
    public List<Finished<T>> admit(List<T> tags, List<ModelInput> inputs) {
        if (tags.size() != inputs.size()) {
            throw new IllegalArgumentException(tags.size() + " tags for " + inputs.size() + " inputs");
        }
        List<Pending<T>> chunked = new ArrayList<>();
        Map<List<Integer>, List<Integer>> groups = new LinkedHashMap<>();
        try {
            for (int i = 0; i < inputs.size(); i++) {
                if (chunkSize > 0 && ChunkedPrefill.ownPositions(generator, inputs.get(i), reuse) > chunkSize) {
                    chunked.add(new Pending<>(tags.get(i), new ChunkedPrefill(generator, parent, inputs.get(i), reuse, chunkSize)));
                    continue;
                }
                int[] ids = inputs.get(i).inputIds();
                List<Integer> key = reuse.prefix() == null
                        ? List.of()
                        : Arrays.stream(ids, 0, Generator.prefixLength(ids)).boxed().toList();
                groups.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
            }
            List<Finished<T>> finished = admitWhole(tags, inputs, groups);
            prefilling.addAll(chunked);
            chunked.clear();
            return finished;
        } finally {
            chunked.forEach(p -> p.prefill().close()); // only when admission failed
        }
    }

    /** Prefills the {@code groups} of inputs whole (each group in one call) and merges the survivors. */
    private List<Finished<T>> admitWhole(List<T> tags, List<ModelInput> inputs, Map<List<Integer>, List<Integer>> groups) {
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
            join(prefills.stream().map(Generator.Prefilled::cache).toList(), joining);
        } finally {
            scopes.forEach(NDManager::close);
        }
        return finished;
    }

    /**
     * Merges the rows of {@code caches} (one per prefill call; row r of cache g is {@code
     * joining.get(g).get(r)}, null if it already stopped) into the running cache, right-aligned.
     */
    private void join(List<KvCache> caches, List<List<Seq<T>>> joining) {
        List<KvCache.Block> blocks = new ArrayList<>();
        List<Seq<T>> rows = new ArrayList<>();
        if (cache != null && !running.isEmpty()) {
            blocks.add(new KvCache.Block(cache, rowRange(running.size()), firstReadSlot()));
            rows.addAll(running);
        }
        for (int g = 0; g < caches.size(); g++) {
            List<Seq<T>> seqs = joining.get(g);
            long[] keep = java.util.stream.IntStream.range(0, seqs.size()).filter(r -> seqs.get(r) != null).asLongStream().toArray();
            if (keep.length > 0) {
                blocks.add(new KvCache.Block(caches.get(g), keep, 0));
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
            for (int g = 0; g < caches.size(); g++) {
                int shift = length - caches.get(g).length();
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
    }

    /**
     * Runs one chunk of the oldest queued long prompt (its vision and shared prefix come first, with
     * its first chunk). When that was its last chunk, its first token is picked and it joins the
     * running batch, or is returned if it stopped at once. If this throws, that request is dropped
     * and everything it held is freed; the running batch and the other queued prompts are intact.
     */
    public List<Finished<T>> prefillChunk() {
        Pending<T> p = prefilling.peekFirst();
        if (p == null) {
            return List.of();
        }
        ChunkedPrefill prefill = p.prefill();
        try {
            if (!prefill.next()) {
                return List.of();
            }
            prefilling.removeFirst();
            ModelInput in = prefill.input();
            int length = prefill.length();
            Seq<T> seq = new Seq<>(p.tag(), in, budgetOf(in, length), length, 1, prefill.visionNanos(), prefill.prefillNanos());
            seq.routing.add(0, prefill.recorder(), 0);
            long first = Generator.pick(prefill.lastLogits(), new Sampler[] {seq.sampler}, new boolean[1])[0];
            if (seq.accept(first, config.llm().eosTokenId())) {
                prefill.close();
                return List.of(new Finished<>(seq.tag, seq.output()));
            }
            List<Seq<T>> rows = new ArrayList<>();
            rows.add(seq);
            join(List.of(prefill.cache()), List.of(rows));
            prefill.close();
            return List.of();
        } catch (RuntimeException | Error e) {
            prefilling.remove(p);
            prefill.close();
            throw e;
        }
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
        long[] ids = new long[b];
        int[][] pos = new int[b][1];
        int[] owners = new int[b];
        CausalMask mask = new CausalMask(b, 1, c);
        Sampler[] samplers = new Sampler[b];
        for (int r = 0; r < b; r++) {
            Seq<T> s = running.get(r);
            ids[r] = s.pending;
            pos[r][0] = s.promptLength + s.generated.size() - 1;
            owners[r] = r;
            samplers[r] = s.sampler;
            mask.seePast(r, s.promptStart, s.promptStart + s.promptLength, s.decodeStart, c); // its prompt and its tokens
        }
        RoutingRecorder stepRouting = new RoutingRecorder(b);
        long[] tensors = {0};
        NDManager scope = session;
        NDArray logits = Scopes.keep(() -> {
            int before = scope.getManagedArrays().size();
            LanguageModel llm = generator.llm();
            NDArray h = llm.forward(
                    llm.embed(scope.create(ids, new Shape(b, 1))),
                    pos,
                    mask.toArray(scope, generator.dataType()),
                    cache,
                    new TokenOwners(owners, stepRouting, ForwardTrace.NONE),
                    false);
            NDArray out = llm.logits(h.reshape(b, -1)); // [B, V]
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

    /**
     * Removes the sequence tagged {@code tag} (its request was cancelled), running or still being
     * prefilled in chunks (its tensors are freed at once); false if absent.
     */
    public boolean cancel(T tag) {
        for (Pending<T> p : prefilling) {
            if (p.tag().equals(tag)) {
                prefilling.remove(p);
                p.prefill().close();
                return true;
            }
        }
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

    /** Drops every sequence (running or prefilling) and frees the cache; returns the dropped tags. */
    public List<T> reset() {
        List<T> dropped = new ArrayList<>(tags());
        prefilling.forEach(p -> dropped.add(p.tag()));
        prefilling.forEach(p -> p.prefill().close());
        prefilling.clear();
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
