package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Preallocated key/value cache for a batch: per layer [B, kv_heads, capacity, head_dim]. All rows
 * append at the same slot (rows of different lengths are handled by the attention mask), so one
 * in-place write per layer and step suffices.
 */
public final class KvCache {

    private final NDArray[] keys;
    private final NDArray[] values;
    private final int capacity;
    private int length;

    public KvCache(NDManager m, int layers, int batch, int kvHeads, int capacity, int headDim, DataType type) {
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.capacity = capacity;
        Shape shape = new Shape(batch, kvHeads, capacity, headDim);
        for (int l = 0; l < layers; l++) {
            keys[l] = m.zeros(shape, type);
            values[l] = m.zeros(shape, type);
        }
    }

    /** Slots filled so far. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Writes k, v [B, kv_heads, L, d] at slots [length, length+L) of {@code layer} and returns the
     * keys and values of slots [0, length+L).
     */
    public NDList update(int layer, NDArray k, NDArray v) {
        long n = k.getShape().get(2);
        if (length + n > capacity) {
            throw new IllegalStateException("KV cache capacity " + capacity + " exceeded");
        }
        NDIndex slots = new NDIndex(":, :, {}:{}, :", length, length + n);
        keys[layer].set(slots, k);
        values[layer].set(slots, v);
        NDIndex filled = new NDIndex(":, :, :{}, :", length + n);
        return new NDList(keys[layer].get(filled), values[layer].get(filled));
    }

    /**
     * A cache whose row i is this cache's row {@code rows[i]} (e.g. one prompt's cache copied for
     * several continuations), with the same filled length.
     */
    public KvCache selectRows(NDArray rows) {
        KvCache copy = new KvCache(keys.length, capacity, length);
        for (int l = 0; l < keys.length; l++) {
            copy.keys[l] = keys[l].get(rows);
            copy.values[l] = values[l].get(rows);
        }
        return copy;
    }

    private KvCache(int layers, int capacity, int length) {
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.capacity = capacity;
        this.length = length;
    }

    /** Rows in this cache. */
    public long rows() {
        return keys[0].getShape().get(0);
    }

    /** Layers in this cache. */
    public int layers() {
        return keys.length;
    }

    /** Keys of {@code layer}, [B, kv_heads, capacity, d] (the cache's own array). */
    NDArray keys(int layer) {
        return keys[layer];
    }

    /** Values of {@code layer}, [B, kv_heads, capacity, d] (the cache's own array). */
    NDArray values(int layer) {
        return values[layer];
    }

    /**
     * Writes {@code k}, {@code v} (per layer [1 or B, kv_heads, n, d], broadcast over the rows) at
     * slots [0, n) of every row and marks them filled: a shared prompt prefix.
     */
    public void prime(NDArray[] k, NDArray[] v) {
        if (length != 0) {
            throw new IllegalStateException("only an empty cache can be primed");
        }
        long n = k[0].getShape().get(2);
        if (n > capacity) {
            throw new IllegalStateException("KV cache capacity " + capacity + " exceeded");
        }
        NDIndex slots = new NDIndex(":, :, 0:{}, :", n);
        for (int l = 0; l < keys.length; l++) {
            try (NDArray kb = k[l].broadcast(rows(), k[l].getShape().get(1), n, k[l].getShape().get(3));
                    NDArray vb = v[l].broadcast(rows(), v[l].getShape().get(1), n, v[l].getShape().get(3))) {
                keys[l].set(slots, kb); // the broadcasts live in the prefix's manager: freed here
                values[l].set(slots, vb);
            }
        }
        length = (int) n;
    }

    /**
     * A new cache in {@code m} of {@code capacity} slots and filled length {@code length} holding
     * the given blocks one after the other along the rows: block i's rows {@code rows} and slots
     * [from, src.length) land right-aligned at slots [length − (src.length − from), length).
     * Everything else is zero. Used to merge sequences that joined a running batch, drop the ones
     * that left, and compact slots no row reads any more.
     */
    public static KvCache assemble(NDManager m, int capacity, int length, java.util.List<Block> blocks) {
        long total = blocks.stream().mapToLong(b -> b.rows().length).sum();
        KvCache first = blocks.get(0).src();
        KvCache out = new KvCache(first.keys.length, capacity, length);
        Shape shape = new Shape(total, first.keys[0].getShape().get(1), capacity, first.keys[0].getShape().get(3));
        DataType type = first.keys[0].getDataType();
        for (int l = 0; l < first.keys.length; l++) {
            out.keys[l] = m.zeros(shape, type);
            out.values[l] = m.zeros(shape, type);
        }
        long row = 0;
        for (Block b : blocks) {
            int n = b.src().length - b.from();
            if (n > length) {
                throw new IllegalArgumentException("a block of " + n + " slots does not fit in " + length);
            }
            if (n > 0 && b.rows().length > 0) {
                try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
                    NDArray rows = m.create(b.rows());
                    NDIndex src = new NDIndex(":, :, {}:{}, :", b.from(), b.src().length);
                    NDIndex dst = new NDIndex("{}:{}, :, {}:{}, :", row, row + b.rows().length, length - n, length);
                    for (int l = 0; l < first.keys.length; l++) {
                        out.keys[l].set(dst, b.src().keys[l].get(rows).get(src));
                        out.values[l].set(dst, b.src().values[l].get(rows).get(src));
                    }
                }
            }
            row += b.rows().length;
        }
        return out;
    }

    /** Rows {@code rows} of {@code src} from slot {@code from} on, for {@link #assemble}. */
    public record Block(KvCache src, long[] rows, int from) {}

    /** Bytes held by this cache's tensors. */
    public long bytes() {
        long n = 0;
        for (int l = 0; l < keys.length; l++) {
            n += 2 * keys[l].getShape().size() * keys[l].getDataType().getNumOfBytes();
        }
        return n;
    }

    /** Frees the cache's tensors now. */
    public void close() {
        for (int l = 0; l < keys.length; l++) {
            keys[l].close();
            values[l].close();
        }
    }

    /** Marks {@code n} more slots as filled (after every layer has written them). */
    public void advance(int n) {
        length += n;
    }
}
