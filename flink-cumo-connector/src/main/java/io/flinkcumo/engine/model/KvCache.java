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

    /** Marks {@code n} more slots as filled (after every layer has written them). */
    public void advance(int n) {
        length += n;
    }
}
