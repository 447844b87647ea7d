package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.CumoService;
import io.flinkcumo.runtime.core.DeviceSpec;
import io.flinkcumo.runtime.core.ServingConfig;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.CumoResult;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.Precision;
import io.flinkcumo.engine.image.ImageDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.metrics.Gauge;
import org.junit.jupiter.api.Test;

/**
 * The shared model service with the iteration-level scheduler, the vision-feature cache and the
 * shared prefix (the defaults) answers exactly as the static scheduler without reuse, for requests
 * of different lengths arriving together and one after another; repeated images hit the cache;
 * the caches' counters reach the metrics; nothing native is left after close.
 */
class ServingSchedulerTest {

    private static CumoService.Spec spec(ServingConfig serving, int maxBatchSize) {
        return new CumoService.Spec(
                CumoTestData.modelDir(),
                DeviceSpec.parse("cpu"),
                Precision.FP32,
                ImageDecoder.Limits.DEFAULT,
                CumoRuntimeOptions.defaultBatcher("cpu").withMaxBatchSize(maxBatchSize).withMaxBatchWait(java.time.Duration.ofMillis(30)),
                serving);
    }

    /** Each image asked twice, with answers of 1 to 9 tokens. */
    private static List<CumoRequest> requests() {
        List<CumoRequest> out = new ArrayList<>();
        int i = 0;
        for (int round = 0; round < 2; round++) {
            for (Map.Entry<String, byte[]> image : CumoTestData.images().entrySet()) {
                String question = round == 0 ? CumoTestData.QUESTION : "Describe the picture.";
                out.add(CumoRequest.of(image.getKey() + "/" + round, image.getValue(), question,
                        GenerationConfig.greedy(1 + (i++ * 3) % 9)));
            }
        }
        return out;
    }

    private static List<CumoResult> answer(CumoService service, List<CumoRequest> requests, boolean staggered) throws Exception {
        List<CompletableFuture<CumoResult>> futures = new ArrayList<>();
        for (CumoRequest r : requests) {
            futures.add(service.submit(r));
            if (staggered) {
                Thread.sleep(15); // arrive while others decode
            }
        }
        List<CumoResult> out = new ArrayList<>();
        for (CompletableFuture<CumoResult> f : futures) {
            out.add(f.get(120, TimeUnit.SECONDS));
        }
        return out;
    }

    @Test
    void iterationLevelServingAnswersAsStaticBatches() throws Exception {
        int baseline = CumoTestData.liveNativeArrays();
        List<CumoRequest> requests = requests();
        List<CumoResult> expected;
        try (CumoService old = CumoService.start(spec(CumoRuntimeOptions.defaultServing().withStaticBatches(), 4))) {
            expected = answer(old, requests, false);
        }
        try (CumoService service = CumoService.start(spec(CumoRuntimeOptions.defaultServing(), 4))) {
            RecordingMetricGroup group = new RecordingMetricGroup();
            CumoMetrics.register(group, service::queueDepth).registerServing(service.stats());
            for (boolean staggered : new boolean[] {false, true}) {
                List<CumoResult> actual = answer(service, requests, staggered);
                for (int i = 0; i < requests.size(); i++) {
                    assertThat(actual.get(i).id()).isEqualTo(expected.get(i).id());
                    assertThat(actual.get(i).tokenIds()).as(actual.get(i).id()).containsExactly(expected.get(i).tokenIds());
                    assertThat(actual.get(i).answer()).isEqualTo(expected.get(i).answer());
                    assertThat(actual.get(i).promptPositions()).isEqualTo(expected.get(i).promptPositions());
                }
            }
            int distinct = CumoTestData.images().size();
            // every image went through the vision tower once; its other 3 requests hit the cache
            assertThat(service.stats().visionCacheMisses()).isEqualTo(distinct);
            assertThat(service.stats().visionCacheHits()).isEqualTo(3L * distinct);
            assertThat(service.stats().visionCacheBytes()).isPositive();
            assertThat(service.stats().prefixCacheHits()).isPositive();
            assertThat(((Gauge<Long>) group.get("cumo.visionCacheHits")).getValue()).isEqualTo(3L * distinct);
            assertThat(((Gauge<Long>) group.get("cumo.visionCacheMisses")).getValue()).isEqualTo(distinct);
            assertThat(((Gauge<Integer>) group.get("cumo.runningSequences")).getValue()).isZero();
        }
        assertThat(CumoTestData.liveNativeArrays()).isEqualTo(baseline);
    }

    @Test
    void whileOthersDecodeAGroupJoinsOnlyUpToMaxPrefillPositions() throws Exception {
        byte[] image = CumoTestData.images().values().iterator().next();
        try (CumoService service = CumoService.start(spec(CumoRuntimeOptions.defaultServing().withMaxPrefillPositions(1), 4))) {
            RecordingListener listener = new RecordingListener();
            try (AutoCloseable ignored = service.attach(listener)) {
                CompletableFuture<CumoResult> running = service.submit(CumoRequest.of("long", image, "Describe the picture.",
                        GenerationConfig.greedy(400).withIgnoreEos()));
                Eventually.await("the long request decodes", () -> service.stats().runningSequences() == 1);
                List<CompletableFuture<CumoResult>> joining = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    joining.add(service.submit(CumoRequest.of("j" + i, image, CumoTestData.QUESTION, GenerationConfig.greedy(2))));
                }
                for (CompletableFuture<CumoResult> f : joining) {
                    assertThat(f.get(120, TimeUnit.SECONDS).tokenIds()).isNotEmpty();
                }
                assertThat(running).isNotDone(); // the short ones did not wait for it
                assertThat(running.get(120, TimeUnit.SECONDS).tokenIds()).hasSize(400);
                Eventually.await("all reported", () -> listener.batchSizes.size() == 4);
                // one prefill per admission while the long one decodes: each joined alone
                assertThat(listener.batchSizes).containsOnly(1);
            }
        }
    }
}
