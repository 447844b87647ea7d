package io.flinkcumo.engine.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.flinkcumo.engine.routing.RoutingRecorder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Projected image features ([P, H] per image: vision tower + projector output) keyed by the
 * SHA-256 of the preprocessed pixel tensor's bytes and the model's identity, bounded by bytes
 * with least-recently-used eviction. A hit skips the image's S² vision pass and projector
 * (10 CLIP passes for CuMo); the request's routing statistics still count the image's experts,
 * because each entry keeps the routing recorded when it was computed.
 *
 * <p>The cached tensors live in a manager owned by the cache: evicted entries are closed at
 * once and {@link #close} frees the rest. Lookups hand out copies in the caller's scope, so an
 * eviction never frees a tensor still in use. Thread-safe.
 */
public final class VisionFeatureCache implements AutoCloseable {

    /** What a lookup found: the features (a copy in the caller's scope) and their routing. */
    public record Hit(NDArray rows, RoutingRecorder routing) {}

    private record Entry(NDArray rows, RoutingRecorder routing, long bytes) {}

    private final String modelId;
    private final long maxBytes;
    private final NDManager manager;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    private long hits;
    private long misses;
    private long evictions;
    private boolean closed;

    /**
     * @param modelId identity of the model whose features are cached (e.g. checkpoint path,
     *     device and precision): part of every key
     * @param maxBytes bound on the cached tensors' bytes; 0 caches nothing
     * @param device where the cached tensors live (the model's device)
     */
    public VisionFeatureCache(String modelId, long maxBytes, Device device) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("vision-cache-size must be >= 0, got " + maxBytes);
        }
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        this.maxBytes = maxBytes;
        this.manager = maxBytes == 0 ? null : NDManager.newBaseManager(device, "PyTorch");
        if (manager != null) {
            manager.setName("cumo-vision-cache");
        }
    }

    /** Whether the cache stores anything (size > 0). */
    public boolean enabled() {
        return maxBytes > 0;
    }

    /** The key of one image: SHA-256 over the model identity and the pixels' float32 bytes. */
    public String key(ByteBuffer pixels) {
        MessageDigest sha = sha256();
        sha.update(modelId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(pixels.duplicate());
        return HexFormat.of().formatHex(sha.digest());
    }

    /** {@link #key(ByteBuffer)} of inline pixels (little-endian float32, as in an image batch). */
    public String key(float[] pixels) {
        ByteBuffer buf = ByteBuffer.allocate(pixels.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(pixels);
        return key(buf);
    }

    /** The features of {@code key} copied into {@code scope}, or null (counted as a miss). */
    public synchronized Hit get(String key, NDManager scope) {
        Entry e = closed ? null : entries.get(key);
        if (e == null) {
            misses++;
            return null;
        }
        hits++;
        NDArray copy = e.rows().duplicate();
        copy.attach(scope);
        return new Hit(copy, e.routing());
    }

    /** Counts a hit served without a lookup: the same image again within one prefill call. */
    public synchronized void countRepeat() {
        hits++;
    }

    /**
     * Stores a copy of {@code rows} ([P, H]) with the routing recorded for it (request 0 of
     * {@code routing}), evicting least-recently-used entries until it fits; an entry larger than
     * the whole cache is not stored.
     */
    public synchronized void put(String key, NDArray rows, RoutingRecorder routing) {
        long size = rows.getShape().size() * rows.getDataType().getNumOfBytes();
        if (closed || size > maxBytes || entries.containsKey(key)) {
            return;
        }
        Iterator<Map.Entry<String, Entry>> lru = entries.entrySet().iterator();
        while (bytes + size > maxBytes && lru.hasNext()) {
            Entry old = lru.next().getValue();
            lru.remove();
            old.rows().close();
            bytes -= old.bytes();
            evictions++;
        }
        NDArray copy = rows.duplicate();
        copy.attach(manager);
        ai.djl.ndarray.NDScope.unregister(copy); // owned by the cache, not by a step scope that may be open
        entries.put(key, new Entry(copy, routing, size));
        bytes += size;
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }

    public synchronized long evictions() {
        return evictions;
    }

    /** Bytes of the cached tensors. */
    public synchronized long bytes() {
        return bytes;
    }

    public synchronized int entries() {
        return entries.size();
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Native arrays the cache holds (for leak checks: equals {@link #entries()}). */
    public synchronized int nativeArrays() {
        return manager == null ? 0 : manager.getManagedArrays().size();
    }

    /** Frees every cached tensor; later lookups miss and stores are ignored. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        entries.clear();
        bytes = 0;
        if (manager != null) {
            manager.close();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
