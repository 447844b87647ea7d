package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.CumoService;
import io.flinkcumo.runtime.core.DeviceSpec;
import io.flinkcumo.runtime.core.ServingConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.CumoResult;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.Precision;
import io.flinkcumo.engine.image.ImageDecoder;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Chunked prefill in the shared model service: long prompts arriving while others decode are
 * prefilled a chunk per decode step and every answer equals the static scheduler's; a request
 * cancelled between its chunks frees its tensors at once and the service goes on.
 */
class ChunkedPrefillServingTest {

    private static final String LONG_QUESTION =
            "Describe every shape in the picture, its colour, its size and its position, and compare them.";

    private static CumoService.Spec spec(ServingConfig serving) {
        return new CumoService.Spec(
                CumoTestData.modelDir(),
                DeviceSpec.parse("cpu"),
                Precision.FP32,
                ImageDecoder.Limits.DEFAULT,
                CumoRuntimeOptions.defaultBatcher("cpu").withMaxBatchSize(4).withMaxBatchWait(Duration.ofMillis(10)),
                serving);
    }

    private static List<CumoRequest> requests() {
        List<CumoRequest> out = new ArrayList<>();
        int i = 0;
        for (var image : CumoTestData.images().entrySet()) {
            boolean isLong = i % 2 == 1;
            out.add(CumoRequest.of(image.getKey(), image.getValue(), isLong ? LONG_QUESTION : CumoTestData.QUESTION,
                    GenerationConfig.greedy(isLong ? 4 : 12).withIgnoreEos()));
            i++;
        }
        return out;
    }

    @Test
    void longPromptsArrivingWhileOthersDecodeAnswerAsStaticBatches() throws Exception {
        List<CumoRequest> requests = requests();
        List<CumoResult> expected = new ArrayList<>();
        try (CumoService old = CumoService.start(spec(CumoRuntimeOptions.defaultServing().withStaticBatches()))) {
            for (CumoRequest r : requests) {
                expected.add(old.submit(r).get(120, TimeUnit.SECONDS));
            }
        }
        try (CumoService service = CumoService.start(spec(CumoRuntimeOptions.defaultServing().withPrefillChunkSize(5)))) {
            List<CompletableFuture<CumoResult>> futures = new ArrayList<>();
            for (CumoRequest r : requests) {
                futures.add(service.submit(r));
                Thread.sleep(20); // arrive while others decode
            }
            for (int i = 0; i < requests.size(); i++) {
                CumoResult actual = futures.get(i).get(120, TimeUnit.SECONDS);
                assertThat(actual.tokenIds()).as(actual.id()).containsExactly(expected.get(i).tokenIds());
                assertThat(actual.promptPositions()).isEqualTo(expected.get(i).promptPositions());
            }
            assertThat(service.stats().prefillingSequences()).isZero();
            assertThat(service.stats().maxDecodeGapNanos()).isPositive();
        }
    }

    @Test
    void aRequestCancelledBetweenItsChunksFreesItsTensors() throws Exception {
        byte[] image = CumoTestData.images().values().iterator().next();
        ServingConfig serving = CumoRuntimeOptions.defaultServing().withVisionCacheBytes(0).withSharedPrefix(false).withPrefillChunkSize(1);
        try (CumoService service = CumoService.start(spec(serving))) {
            GenerationConfig two = GenerationConfig.greedy(2).withIgnoreEos();
            CumoResult warm = service.submit(CumoRequest.of("warm", image, CumoTestData.QUESTION, two)).get(120, TimeUnit.SECONDS);
            Eventually.await("idle", () -> service.stats().runningSequences() == 0);
            int idle = CumoTestData.liveNativeArrays();
            CompletableFuture<CumoResult> cancelled = service.submit(CumoRequest.of("long", image, LONG_QUESTION, two));
            Eventually.await("prefilling in chunks", () -> service.stats().prefillingSequences() == 1);
            cancelled.cancel(true);
            // the dispatcher drops it before its next chunk
            Eventually.await("dropped", () -> service.stats().prefillingSequences() == 0);
            Eventually.await("its tensors freed", () -> CumoTestData.liveNativeArrays() == idle);
            assertThatThrownBy(() -> cancelled.get(1, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
            CumoResult after = service.submit(CumoRequest.of("after", image, CumoTestData.QUESTION, two)).get(120, TimeUnit.SECONDS);
            assertThat(after.tokenIds()).containsExactly(warm.tokenIds());
        }
    }
}
