package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.BatcherConfig;
import io.flinkcumo.runtime.core.ModelKey;
import io.flinkcumo.runtime.core.ModelLoadException;
import io.flinkcumo.runtime.core.SharedModelRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkcumo.runtime.core.SharedModelRegistry.Lease;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SharedModelRegistryTest {

    private static final ModelKey KEY = new ModelKey("/models/cumo", "cuda:0", "fp16");

    private final SharedModelRegistry<ModelKey, FakeModel> registry =
            new SharedModelRegistry<>("test");
    private final AtomicInteger loads = new AtomicInteger();
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void shutdown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void concurrentAcquiresLoadOnceAndTheLastReleaseCloses() throws Exception {
        CountDownLatch loaderMayFinish = new CountDownLatch(1);
        List<Thread> threads = new CopyOnWriteArrayList<>();
        List<Future<Lease<FakeModel>>> leases = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            leases.add(
                    pool.submit(
                            () -> {
                                threads.add(Thread.currentThread());
                                return registry.acquire(KEY, key -> slowLoad(loaderMayFinish));
                            }));
        }
        Eventually.await("all four threads started", () -> threads.size() == 4);
        threads.forEach(Eventually::awaitWaiting); // the loader on the latch, the others on its load
        assertThat(loads).hasValue(1);
        loaderMayFinish.countDown();

        List<Lease<FakeModel>> held = new ArrayList<>();
        for (Future<Lease<FakeModel>> lease : leases) {
            held.add(lease.get(30, TimeUnit.SECONDS));
        }
        FakeModel model = held.get(0).get();
        assertThat(held).allSatisfy(lease -> assertThat(lease.get()).isSameAs(model));
        assertThat(loads).hasValue(1);
        assertThat(registry.loadCount()).isEqualTo(1);
        assertThat(registry.refCount(KEY)).isEqualTo(4);
        assertThat(registry.loadedCount()).isEqualTo(1);

        for (int i = 0; i < 3; i++) {
            held.get(i).close();
            held.get(i).close(); // idempotent: a double close must not steal another subtask's reference
        }
        assertThat(registry.refCount(KEY)).isEqualTo(1);
        assertThat(model.closeCount).hasValue(0);

        held.get(3).close();
        assertThat(model.closeCount).hasValue(1);
        assertThat(registry.refCount(KEY)).isZero();
        assertThat(registry.loadedCount()).isZero();
    }

    @Test
    void aCallerAskingForOtherSharedSettingsGetsTheLoadedModelAndOneWarningNamingBoth() throws Exception {
        BatcherConfig first = CumoRuntimeOptions.defaultBatcher("cuda:0");
        BatcherConfig other = first.withMaxBatchSize(32);
        try (io.flinkcumo.engine.LogCapture logs =
                io.flinkcumo.engine.LogCapture.of("WARN", SharedModelRegistry.class.getName())) {
            Lease<FakeModel> a = registry.acquire(KEY, first, key -> new FakeModel(loads));
            Lease<FakeModel> same = registry.acquire(KEY, first, key -> new FakeModel(loads));
            assertThat(logs.at("WARN")).as("the same settings share silently").isEmpty();

            Lease<FakeModel> b = registry.acquire(KEY, other, key -> new FakeModel(loads));
            Lease<FakeModel> b2 = registry.acquire(KEY, other, key -> new FakeModel(loads));
            Lease<FakeModel> unchecked = registry.acquire(KEY, key -> new FakeModel(loads));

            FakeModel loaded = a.get();
            assertThat(b.get()).as("the loaded model is shared as it is").isSameAs(loaded);
            assertThat(loads).hasValue(1);
            List<io.flinkcumo.engine.LogCapture.Event> warns = logs.at("WARN");
            assertThat(warns).as("one WARN per loaded model and distinct other settings").hasSize(1);
            assertThat(warns.get(0).message())
                    .contains(KEY.toString())
                    .contains("maxBatchSize=8")
                    .contains("maxBatchSize=32")
                    .contains(first.toString())
                    .contains(other.toString())
                    .doesNotContain("\n");
            for (Lease<FakeModel> lease : List.of(a, same, b, b2, unchecked)) {
                lease.close();
            }

            // after the last release the next caller loads again, with its own settings
            try (Lease<FakeModel> reloaded = registry.acquire(KEY, other, key -> new FakeModel(loads))) {
                assertThat(loads).hasValue(2);
                assertThat(reloaded.get()).isNotSameAs(loaded);
            }
            assertThat(logs.at("WARN")).hasSize(1);
        }
    }

    @Test
    void failedLoadReachesEveryWaiterAndIsNotCached() throws Exception {
        CountDownLatch loaderMayFail = new CountDownLatch(1);
        IOException boom = new IOException("weights missing");
        List<Thread> threads = new CopyOnWriteArrayList<>();
        List<Future<Lease<FakeModel>>> attempts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            attempts.add(
                    pool.submit(
                            () -> {
                                threads.add(Thread.currentThread());
                                return registry.acquire(
                                        KEY,
                                        key -> {
                                            loads.incrementAndGet();
                                            loaderMayFail.await();
                                            throw boom;
                                        });
                            }));
        }
        Eventually.await("all three threads started", () -> threads.size() == 3);
        threads.forEach(Eventually::awaitWaiting);
        loaderMayFail.countDown();

        for (Future<Lease<FakeModel>> attempt : attempts) {
            assertThatThrownBy(() -> attempt.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("weights missing")
                    .hasMessageContaining(KEY.toString())
                    .hasCause(boom);
        }
        assertThat(loads).hasValue(1);
        assertThat(registry.loadedCount()).isZero();
        assertThat(registry.refCount(KEY)).isZero();

        try (Lease<FakeModel> lease = registry.acquire(KEY, key -> new FakeModel(loads))) {
            assertThat(lease.get()).isNotNull();
            assertThat(loads).hasValue(2);
        }
    }

    @Test
    void differentKeysAreDifferentModels() throws Exception {
        ModelKey cpu = new ModelKey("/models/cumo", "cpu", "fp32");
        try (Lease<FakeModel> gpuLease = registry.acquire(KEY, key -> new FakeModel(loads));
                Lease<FakeModel> cpuLease = registry.acquire(cpu, key -> new FakeModel(loads))) {
            assertThat(gpuLease.get()).isNotSameAs(cpuLease.get());
            assertThat(registry.loadedCount()).isEqualTo(2);
            assertThat(registry.refCount(KEY)).isEqualTo(1);
            assertThat(registry.refCount(cpu)).isEqualTo(1);
        }
        assertThat(registry.loadedCount()).isZero();
    }

    @Test
    void reloadWaitsUntilThePreviousCopyHasClosed() throws Exception {
        CountDownLatch closeMayFinish = new CountDownLatch(1);
        Lease<FakeModel> first = registry.acquire(KEY, key -> new FakeModel(loads, closeMayFinish));
        FakeModel firstModel = first.get();
        Future<?> closing = pool.submit(first::close);
        Eventually.await("the first copy is closing", () -> firstModel.closeCount.get() == 1);

        List<Thread> reloader = new CopyOnWriteArrayList<>();
        Future<Lease<FakeModel>> second =
                pool.submit(
                        () -> {
                            reloader.add(Thread.currentThread());
                            return registry.acquire(KEY, key -> new FakeModel(loads));
                        });
        Eventually.await("the reloader started", () -> reloader.size() == 1);
        Eventually.awaitWaiting(reloader.get(0));
        assertThat(loads).as("no second copy while the first is still closing").hasValue(1);

        closeMayFinish.countDown();
        closing.get(30, TimeUnit.SECONDS);
        try (Lease<FakeModel> lease = second.get(30, TimeUnit.SECONDS)) {
            assertThat(lease.get()).isNotSameAs(firstModel);
            assertThat(loads).hasValue(2);
        }
    }

    @Test
    void closedLeaseRefusesAccess() throws Exception {
        Lease<FakeModel> lease = registry.acquire(KEY, key -> new FakeModel(loads));
        lease.close();
        assertThatThrownBy(lease::get)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void nullFromTheLoaderIsAFailedLoad() {
        assertThatThrownBy(() -> registry.acquire(KEY, key -> null))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("returned null");
        assertThat(registry.loadedCount()).isZero();
    }

    @Test
    void oneRegistryPerModelType() {
        assertThat(SharedModelRegistry.forModelType(FakeModel.class))
                .isSameAs(SharedModelRegistry.forModelType(FakeModel.class))
                .isNotSameAs(SharedModelRegistry.forModelType(AutoCloseable.class));
    }

    private FakeModel slowLoad(CountDownLatch mayFinish) throws InterruptedException {
        FakeModel model = new FakeModel(loads);
        mayFinish.await();
        return model;
    }

    /** A model that counts its loads and closes; closing can be held on a latch. */
    static final class FakeModel implements AutoCloseable {
        final AtomicInteger closeCount = new AtomicInteger();
        private final CountDownLatch closeMayFinish;

        FakeModel(AtomicInteger loads) {
            this(loads, new CountDownLatch(0));
        }

        FakeModel(AtomicInteger loads, CountDownLatch closeMayFinish) {
            loads.incrementAndGet();
            this.closeMayFinish = closeMayFinish;
        }

        @Override
        public void close() throws InterruptedException {
            closeCount.incrementAndGet();
            closeMayFinish.await();
        }
    }
}
