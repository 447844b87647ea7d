package io.flinkcumo.engine.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.flinkcumo.engine.routing.RoutingRecorder;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The key/value cache of shared prompt prefixes — the system prompt and template tokens before a
 * request's first image — computed once per model and copied into each request's cache before
 * its own prefill (SGLang's RadixAttention and vLLM's prefix caching, reduced to the one prefix
 * every CuMo request repeats). Keyed by the prefix's token ids; at most {@code maxEntries}
 * prefixes are kept, least recently used evicted. Tensors live in the cache's own manager and are
 * closed on eviction and {@link #close}. Thread-safe.
 */
public final class PromptPrefixCache implements AutoCloseable {

    /**
     * One prefix: per layer K and V [1, kv_heads, L_p, d], and the routing its tokens took
     * (request 0 of {@code routing}).
     */
    public record Entry(int[] ids, NDArray[] keys, NDArray[] values, RoutingRecorder routing) {
        public int length() {
            return ids.length;
        }

        void close() {
            for (NDArray a : keys) {
                a.close();
            }
            for (NDArray a : values) {
                a.close();
            }
        }
    }

    private final int maxEntries;
    private final NDManager manager;
    private final LinkedHashMap<List<Integer>, Entry> entries = new LinkedHashMap<>(8, 0.75f, true);
    private long hits;
    private long misses;
    private boolean closed;

    public PromptPrefixCache(int maxEntries, Device device) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("a prefix cache holds at least one prefix, got " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.manager = NDManager.newBaseManager(device, "PyTorch");
        manager.setName("cumo-prefix-cache");
    }

    /** The entry for {@code ids}, computed by {@code generator} on a miss. */
    public synchronized Entry get(int[] ids, Generator generator) {
        if (closed) {
            throw new IllegalStateException("prefix cache closed");
        }
        List<Integer> key = Arrays.stream(ids).boxed().toList();
        Entry e = entries.get(key);
        if (e != null) {
            hits++;
            return e;
        }
        misses++;
        e = generator.prefixEntry(manager, ids);
        entries.put(key, e);
        Iterator<Map.Entry<List<Integer>, Entry>> lru = entries.entrySet().iterator();
        while (entries.size() > maxEntries) {
            Entry old = lru.next().getValue();
            lru.remove();
            old.close();
        }
        return e;
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }

    public synchronized int entries() {
        return entries.size();
    }

    /** Native arrays held (2 per layer and prefix), for leak checks. */
    public synchronized int nativeArrays() {
        return closed ? 0 : manager.getManagedArrays().size();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            entries.clear();
            manager.close();
        }
    }
}
