package io.flinkcumo.runtime.core;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reference-counted models shared by all subtasks of a JVM, so that a multi-GB checkpoint is loaded
 * once per key (model path, device, precision) however many subtasks run in the TaskManager.
 *
 * <p>Semantics:
 *
 * <ul>
 *   <li>{@link #acquire} loads the model on first use and returns a {@link Lease}; closing the lease
 *       releases one reference, and the last release closes the model.
 *   <li>Concurrent acquires of the same key load exactly once: one caller runs the loader, the others
 *       wait for it. Different keys load in parallel.
 *   <li>A failed load is not cached. Every caller that waited for it gets a {@link
 *       ModelLoadException} with the loader's error as cause; the next acquire tries again.
 *   <li>A new load of a key waits until a previous copy of that key has finished closing, so a
 *       restart does not hold two copies of the weights on one GPU.
 *   <li>What the callers of one model share (for {@link CumoService}: batcher, serving and image
 *       settings) is set by the caller that loads it. A later caller asking for other settings
 *       ({@link #acquire(Object, Object, ModelLoader)}) shares the loaded model as it is, and a WARN
 *       names both settings, once per loaded model and distinct settings asked for.
 * </ul>
 *
 * <p>"Per JVM" means per class loader that loaded this class: with the connector in a job jar, each
 * job has its own registry. Put the connector in Flink's {@code lib/} for true per-JVM sharing.
 *
 * @param <K> the key type, normally {@link ModelKey}
 * @param <M> the model type; closing it frees its memory
 */
public final class SharedModelRegistry<K, M extends AutoCloseable> {

    private static final Logger LOG = LoggerFactory.getLogger(SharedModelRegistry.class);

    private static final ConcurrentMap<Class<?>, SharedModelRegistry<ModelKey, ?>> BY_MODEL_TYPE =
            new ConcurrentHashMap<>();

    private final String name;
    private final Object lock = new Object();
    private final Map<K, Entry<M>> live = new HashMap<>();
    private final Map<K, CompletableFuture<Void>> closing = new HashMap<>();
    private final AtomicLong loads = new AtomicLong();

    /**
     * Creates a registry; most code should use {@link #forModelType} instead.
     *
     * @param name used in log messages
     */
    public SharedModelRegistry(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /**
     * The process-wide registry for one model type, keyed by {@link ModelKey}.
     *
     * @param modelType the class of the shared model
     * @param <M> the model type
     * @return the same registry for every call with the same class
     */
    @SuppressWarnings("unchecked")
    public static <M extends AutoCloseable> SharedModelRegistry<ModelKey, M> forModelType(
            Class<M> modelType) {
        return (SharedModelRegistry<ModelKey, M>)
                BY_MODEL_TYPE.computeIfAbsent(
                        modelType, type -> new SharedModelRegistry<ModelKey, M>(type.getSimpleName()));
    }

    /**
     * Returns a lease on the model for {@code key}, loading it with {@code loader} if no live copy
     * exists. Blocks while another caller loads the same key.
     *
     * @param key the model identity
     * @param loader called at most once per load, on the calling thread
     * @return a lease; close it exactly once when done (further closes are ignored)
     * @throws ModelLoadException if the load failed, in this call or in the one it waited for
     * @throws InterruptedException if interrupted while waiting for another caller's load
     */
    public Lease<M> acquire(K key, ModelLoader<? super K, ? extends M> loader)
            throws InterruptedException {
        return acquire(key, null, loader);
    }

    /**
     * {@link #acquire(Object, ModelLoader)}, with the settings the callers of one model share: the
     * first caller's settings apply; a caller asking for other settings (by {@code equals}) gets the
     * loaded model as it is, and a WARN names both.
     *
     * @param settings what this caller asks the shared model to run with, or null for no check
     */
    public Lease<M> acquire(K key, Object settings, ModelLoader<? super K, ? extends M> loader)
            throws InterruptedException {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(loader, "loader");
        while (true) {
            Entry<M> entry;
            boolean mustLoad = false;
            synchronized (lock) {
                entry = live.get(key);
                if (entry == null) {
                    entry = new Entry<>(closing.getOrDefault(key, CompletableFuture.completedFuture(null)), settings);
                    entry.refs = 1;
                    live.put(key, entry);
                    mustLoad = true;
                } else if (entry.isLoaded()) {
                    entry.refs++;
                    warnIfOther(key, entry, settings);
                    return lease(key, entry);
                }
            }
            if (mustLoad) {
                return load(key, entry, loader);
            }
            awaitLoad(key, entry);
            synchronized (lock) {
                // The loader may already have released its reference; then the entry is gone: start over.
                if (live.get(key) == entry) {
                    entry.refs++;
                    warnIfOther(key, entry, settings);
                    return lease(key, entry);
                }
            }
        }
    }

    /** Called holding {@code lock}. */
    private void warnIfOther(K key, Entry<M> entry, Object settings) {
        if (settings != null && entry.settings != null && !settings.equals(entry.settings)
                && entry.warned.add(settings)) {
            LOG.warn("{}: model {} is already loaded with the settings {}; a caller asking for {} shares it with the"
                            + " loaded settings (give every job and function using this model in one TaskManager the"
                            + " same batcher, serving and image options)",
                    name, key, entry.settings, settings);
        }
    }

    private Lease<M> load(K key, Entry<M> entry, ModelLoader<? super K, ? extends M> loader)
            throws InterruptedException {
        M model;
        try {
            entry.previousClose.get();
            loads.incrementAndGet();
            LOG.info("{}: loading model {}", name, key);
            model = Objects.requireNonNull(loader.load(key), "model loader returned null");
        } catch (Throwable t) {
            synchronized (lock) {
                live.remove(key, entry);
            }
            entry.model.completeExceptionally(t);
            if (t instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            throw new ModelLoadException(key, t);
        }
        entry.model.complete(model);
        LOG.info("{}: loaded model {}", name, key);
        return lease(key, entry);
    }

    private Lease<M> lease(K key, Entry<M> entry) {
        return new Lease<>(entry.model.join(), () -> release(key, entry));
    }

    /** Number of keys with a loaded model that has at least one lease. */
    public int loadedCount() {
        synchronized (lock) {
            return (int) live.values().stream().filter(Entry::isLoaded).count();
        }
    }

    /** Number of loads started since this registry was created, failed ones included. */
    public long loadCount() {
        return loads.get();
    }

    /** Number of open leases on {@code key}, 0 if it is not loaded. */
    public int refCount(K key) {
        synchronized (lock) {
            Entry<M> entry = live.get(key);
            return entry == null || !entry.isLoaded() ? 0 : entry.refs;
        }
    }

    @Override
    public String toString() {
        return "SharedModelRegistry[" + name + "]";
    }

    private void awaitLoad(K key, Entry<M> entry) throws InterruptedException {
        try {
            entry.model.get();
        } catch (ExecutionException e) {
            throw new ModelLoadException(key, e.getCause());
        }
    }

    private void release(K key, Entry<M> entry) {
        CompletableFuture<Void> closed;
        synchronized (lock) {
            if (live.get(key) != entry || --entry.refs > 0) {
                return;
            }
            live.remove(key);
            closed = new CompletableFuture<>();
            closing.put(key, closed);
        }
        try {
            entry.model.join().close();
            LOG.info("{}: closed model {}", name, key);
        } catch (Exception e) {
            LOG.warn("{}: closing model {} failed", name, key, e);
        } finally {
            synchronized (lock) {
                closing.remove(key, closed);
            }
            closed.complete(null);
        }
    }

    /**
     * Loads a model for a key.
     *
     * @param <K> the key type
     * @param <M> the model type
     */
    @FunctionalInterface
    public interface ModelLoader<K, M> {
        /**
         * Loads the model; may take minutes.
         *
         * @param key what to load
         * @return the loaded model, never null
         * @throws Exception any load failure; it reaches every waiting caller
         */
        M load(K key) throws Exception;
    }

    /**
     * A reference to a shared model. Closing it releases the reference; the last release closes the
     * model.
     *
     * @param <M> the model type
     */
    public static final class Lease<M> implements AutoCloseable {
        private final M model;
        private final Runnable release;
        private final AtomicBoolean closed = new AtomicBoolean();

        Lease(M model, Runnable release) {
            this.model = model;
            this.release = release;
        }

        /**
         * The shared model.
         *
         * @throws IllegalStateException if this lease was closed
         */
        public M get() {
            if (closed.get()) {
                throw new IllegalStateException("model lease already closed");
            }
            return model;
        }

        /** Releases the reference; idempotent. */
        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                release.run();
            }
        }
    }

    private static final class Entry<M> {
        final CompletableFuture<M> model = new CompletableFuture<>();
        final CompletableFuture<Void> previousClose;
        final Object settings; // the loader's, or null
        final Set<Object> warned = new HashSet<>(); // other settings already warned about
        int refs;

        Entry(CompletableFuture<Void> previousClose, Object settings) {
            this.previousClose = previousClose;
            this.settings = settings;
        }

        boolean isLoaded() {
            return model.isDone() && !model.isCompletedExceptionally();
        }
    }
}
