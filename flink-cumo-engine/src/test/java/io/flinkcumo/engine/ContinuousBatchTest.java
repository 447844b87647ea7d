package io.flinkcumo.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flinkcumo.engine.model.ContinuousBatch;
import io.flinkcumo.engine.model.Generator;
import io.flinkcumo.engine.model.PromptPrefixCache;
import io.flinkcumo.engine.model.VisionFeatureCache;
import io.flinkcumo.engine.routing.LayerRouting;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Iteration-level batching, the vision-feature cache and the shared prompt prefix give what
 * running each request alone gives: admission between steps, early exit, cache rows freed, cache
 * bounds and eviction, prefix reuse equal to a full prefill — and no native tensor left behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContinuousBatchTest {

    private CumoEngine engine;

    @BeforeAll
    void load() throws IOException {
        engine = CumoEngine.load(Conformance.modelDir("tiny-mixtral"));
    }

    @AfterAll
    void close() {
        engine.close();
    }

    private ModelInput input(List<String> images, String question, int maxNewTokens) throws IOException {
        return engine.prepare(Conformance.request("r", images, question, GenerationConfig.greedy(maxNewTokens))).input();
    }

    private ModelOutput alone(ModelInput in) {
        return engine.model().generate(List.of(in), null, io.flinkcumo.engine.model.ForwardTrace.NONE).get(0);
    }

    private int managed() {
        return engine.model().manager().getManagedArrays().size();
    }

    @Test
    void requestsAdmittedBetweenStepsDecodeAsIfAlone() throws IOException {
        ModelInput a = input(List.of("chelsea.png"), "What is this?", 8);
        ModelInput b = input(List.of(), "Say something.", 5);
        ModelInput c = input(List.of("camera_gray.png", "tiny_97x31.jpg"), "Compare the pictures.", 7);
        ModelInput d = input(List.of("chelsea.png"), "Describe the colours in detail.", 3);
        int baseline = managed();
        Map<String, ModelOutput> out = new HashMap<>();
        try (ContinuousBatch<String> batch = engine.model().newContinuousBatch(Generator.Reuse.NONE)) {
            collect(out, batch.admit(List.of("a", "b"), List.of(a, b)));
            assertThat(batch.size()).isEqualTo(2);
            collect(out, batch.step());
            collect(out, batch.step());
            collect(out, batch.admit(List.of("c"), List.of(c))); // joins while a and b are mid-answer
            assertThat(batch.tags()).containsExactly("a", "b", "c");
            collect(out, batch.step());
            collect(out, batch.admit(List.of("d"), List.of(d)));
            while (batch.size() > 0) {
                collect(out, batch.step());
            }
        }
        assertThat(managed()).isEqualTo(baseline);
        Map<String, ModelInput> inputs = Map.of("a", a, "b", b, "c", c, "d", d);
        assertThat(out).containsOnlyKeys("a", "b", "c", "d");
        for (String tag : inputs.keySet()) {
            ModelOutput single = alone(inputs.get(tag));
            assertThat(out.get(tag).tokenIds()).as(tag).containsExactly(single.tokenIds());
            assertThat(out.get(tag).stoppedOnEos()).isEqualTo(single.stoppedOnEos());
            assertThat(out.get(tag).promptPositions()).isEqualTo(single.promptPositions());
            assertSameRouting(single.routing().layers(), out.get(tag).routing().layers());
        }
    }

    @Test
    void aFinishedSequenceLeavesAtOnceAndFreesItsRows() throws IOException {
        ModelInput shortOne = input(List.of("chelsea.png"), "Yes or no?", 2);
        ModelInput longOne = input(List.of("chelsea.png"), "Describe it.", 12);
        ModelOutput shortAlone = alone(shortOne);
        ModelOutput longAlone = alone(longOne);
        try (ContinuousBatch<String> batch = engine.model().newContinuousBatch(Generator.Reuse.NONE)) {
            assertThat(batch.admit(List.of("short", "long"), List.of(shortOne, longOne))).isEmpty();
            long twoRows = batch.cacheBytes();
            List<ContinuousBatch.Finished<String>> first = batch.step(); // short's 2nd and last token
            assertThat(first).extracting(ContinuousBatch.Finished::tag).containsExactly("short");
            assertThat(first.get(0).output().tokenIds()).containsExactly(shortAlone.tokenIds());
            assertThat(first.get(0).output().timings().decodeSteps()).isEqualTo(1);
            assertThat(batch.tags()).containsExactly("long");
            assertThat(batch.cacheBytes()).isLessThan(twoRows);
            // the freed row is taken by the next request
            ModelInput next = input(List.of("camera_gray.png"), "What is this?", 4);
            assertThat(batch.admit(List.of("next"), List.of(next))).isEmpty();
            assertThat(batch.tags()).containsExactly("long", "next");
            Map<String, ModelOutput> out = new HashMap<>();
            while (batch.size() > 0) {
                collect(out, batch.step());
            }
            assertThat(out.get("long").tokenIds()).containsExactly(longAlone.tokenIds());
            assertThat(out.get("next").tokenIds()).containsExactly(alone(next).tokenIds());
            assertThat(batch.cacheBytes()).isZero();
        }
    }

    @Test
    void aCancelledSequenceLeavesTheOthersUntouched() throws IOException {
        ModelInput a = input(List.of("chelsea.png"), "What is this?", 6);
        ModelInput b = input(List.of("camera_gray.png"), "What is this?", 6);
        int baseline = managed();
        Map<String, ModelOutput> out = new HashMap<>();
        try (ContinuousBatch<String> batch = engine.model().newContinuousBatch(Generator.Reuse.NONE)) {
            batch.admit(List.of("a", "b"), List.of(a, b));
            batch.step();
            assertThat(batch.cancel("a")).isTrue();
            assertThat(batch.cancel("a")).isFalse();
            while (batch.size() > 0) {
                collect(out, batch.step());
            }
        }
        assertThat(out).containsOnlyKeys("b");
        assertThat(out.get("b").tokenIds()).containsExactly(alone(b).tokenIds());
        assertThat(managed()).isEqualTo(baseline);
    }

    @Test
    void aCachedImageGivesTheSameAnswerWithoutAnotherVisionPass() throws IOException {
        ModelInput q1 = input(List.of("chelsea.png"), "What is this?", 6);
        ModelInput q2 = input(List.of("chelsea.png"), "What colour is it?", 6);
        ModelInput other = input(List.of("camera_gray.png"), "What is this?", 6);
        try (VisionFeatureCache cache = new VisionFeatureCache("tiny", 64L << 20, engine.model().device())) {
            Generator.Reuse reuse = new Generator.Reuse(cache, null);
            Map<String, ModelOutput> out = new HashMap<>();
            try (ContinuousBatch<String> batch = engine.model().newContinuousBatch(reuse)) {
                collect(out, batch.admit(List.of("q1"), List.of(q1)));
                assertThat(cache.misses()).isEqualTo(1);
                assertThat(cache.hits()).isZero();
                collect(out, batch.admit(List.of("q2", "other"), List.of(q2, other)));
                assertThat(cache.hits()).isEqualTo(1); // same pixels
                assertThat(cache.misses()).isEqualTo(2); // distinct pixels miss
                while (batch.size() > 0) {
                    collect(out, batch.step());
                }
            }
            assertThat(cache.entries()).isEqualTo(2);
            assertThat(cache.nativeArrays()).isEqualTo(2);
            long perImage = (long) engine.model().config().imageTokens() * engine.model().config().llm().hiddenSize() * 4;
            assertThat(cache.bytes()).isEqualTo(2 * perImage);
            for (Map.Entry<String, ModelInput> e : Map.of("q1", q1, "q2", q2, "other", other).entrySet()) {
                ModelOutput single = alone(e.getValue());
                assertThat(out.get(e.getKey()).tokenIds()).as(e.getKey()).containsExactly(single.tokenIds());
                assertSameRouting(single.routing().layers(), out.get(e.getKey()).routing().layers());
            }
        }
    }

    @Test
    void theSameImageTwiceInOneCallGoesThroughTheVisionTowerOnce() throws IOException {
        ModelInput q1 = input(List.of("tiny_97x31.jpg"), "What is this?", 4);
        ModelInput q2 = input(List.of("tiny_97x31.jpg"), "Is it small?", 4);
        try (VisionFeatureCache cache = new VisionFeatureCache("tiny", 64L << 20, engine.model().device());
                ContinuousBatch<String> batch = engine.model().newContinuousBatch(new Generator.Reuse(cache, null))) {
            Map<String, ModelOutput> out = new HashMap<>();
            collect(out, batch.admit(List.of("q1", "q2"), List.of(q1, q2)));
            assertThat(cache.misses()).isEqualTo(1);
            assertThat(cache.hits()).isEqualTo(1);
            assertThat(cache.entries()).isEqualTo(1);
            while (batch.size() > 0) {
                collect(out, batch.step());
            }
            assertThat(out.get("q1").tokenIds()).containsExactly(alone(q1).tokenIds());
            assertThat(out.get("q2").tokenIds()).containsExactly(alone(q2).tokenIds());
            assertSameRouting(alone(q2).routing().layers(), out.get("q2").routing().layers());
        }
    }

    @Test
    void theVisionCacheEvictsTheLeastRecentlyUsedImageByBytes() throws IOException {
        long perImage = (long) engine.model().config().imageTokens() * engine.model().config().llm().hiddenSize() * 4;
        ModelInput cat = input(List.of("chelsea.png"), "What is this?", 1);
        ModelInput camera = input(List.of("camera_gray.png"), "What is this?", 1);
        try (VisionFeatureCache cache = new VisionFeatureCache("tiny", perImage + perImage / 2, engine.model().device());
                ContinuousBatch<String> batch = engine.model().newContinuousBatch(new Generator.Reuse(cache, null))) {
            batch.admit(List.of("1"), List.of(cat));
            batch.admit(List.of("2"), List.of(camera)); // evicts the cat
            assertThat(cache.evictions()).isEqualTo(1);
            assertThat(cache.entries()).isEqualTo(1);
            assertThat(cache.bytes()).isEqualTo(perImage);
            assertThat(cache.nativeArrays()).isEqualTo(1);
            batch.admit(List.of("3"), List.of(camera));
            batch.admit(List.of("4"), List.of(cat));
            assertThat(cache.hits()).isEqualTo(1);
            assertThat(cache.misses()).isEqualTo(3);
            cache.close();
            assertThat(cache.nativeArrays()).isZero();
        }
        try (VisionFeatureCache off = new VisionFeatureCache("tiny", 0, engine.model().device());
                ContinuousBatch<String> batch = engine.model().newContinuousBatch(new Generator.Reuse(off, null))) {
            assertThat(off.enabled()).isFalse();
            batch.admit(List.of("1"), List.of(cat));
            batch.admit(List.of("2"), List.of(cat));
            assertThat(off.entries()).isZero();
            assertThat(off.hits() + off.misses()).isZero();
        }
    }

    @Test
    void theSharedPrefixGivesTheLogitsOfAFullPrefill() throws IOException {
        List<ModelInput> inputs = List.of(
                input(List.of("chelsea.png"), "What is this?", 6),
                input(List.of("camera_gray.png"), "Describe the picture in one long sentence, please.", 6));
        int lp = java.util.stream.IntStream.range(0, inputs.get(0).inputIds().length)
                .filter(k -> inputs.get(0).inputIds()[k] == ModelInput.IMAGE_TOKEN_INDEX).findFirst().orElseThrow();
        assertThat(lp).isGreaterThan(1);
        List<float[]> full = engine.model().prefillLogits(inputs, Generator.Reuse.NONE);
        try (PromptPrefixCache prefixes = new PromptPrefixCache(4, engine.model().device())) {
            Generator.Reuse reuse = new Generator.Reuse(null, prefixes);
            List<float[]> reused = engine.model().prefillLogits(inputs, reuse);
            List<float[]> again = engine.model().prefillLogits(inputs, reuse);
            assertThat(prefixes.misses()).isEqualTo(1);
            assertThat(prefixes.hits()).isEqualTo(1);
            assertThat(prefixes.nativeArrays()).isEqualTo(2 * engine.model().config().llm().numHiddenLayers());
            for (int r = 0; r < inputs.size(); r++) {
                for (int v = 0; v < full.get(r).length; v++) {
                    assertThat(reused.get(r)[v]).isCloseTo(full.get(r)[v], within(1e-4f));
                }
                assertThat(again.get(r)).containsExactly(reused.get(r));
            }
            Map<String, ModelOutput> out = new HashMap<>();
            try (ContinuousBatch<String> batch = engine.model().newContinuousBatch(reuse)) {
                collect(out, batch.admit(List.of("0", "1"), inputs));
                while (batch.size() > 0) {
                    collect(out, batch.step());
                }
            }
            for (int r = 0; r < inputs.size(); r++) {
                ModelOutput single = alone(inputs.get(r));
                assertThat(out.get(String.valueOf(r)).tokenIds()).containsExactly(single.tokenIds());
                assertThat(out.get(String.valueOf(r)).routing().layers())
                        .extracting(LayerRouting::tokens)
                        .containsExactlyElementsOf(single.routing().layers().stream().map(LayerRouting::tokens).toList());
            }
        }
    }

    private static void collect(Map<String, ModelOutput> out, List<ContinuousBatch.Finished<String>> finished) {
        for (ContinuousBatch.Finished<String> f : finished) {
            assertThat(out.put(f.tag(), f.output())).as("finished twice: " + f.tag()).isNull();
        }
    }

    private static void assertSameRouting(List<LayerRouting> a, List<LayerRouting> b) {
        assertThat(b).hasSameSizeAs(a);
        for (int l = 0; l < a.size(); l++) {
            assertThat(b.get(l).component()).isEqualTo(a.get(l).component());
            assertThat(b.get(l).layer()).isEqualTo(a.get(l).layer());
            assertThat(b.get(l).tokens()).isEqualTo(a.get(l).tokens());
            assertThat(b.get(l).top1Counts()).containsExactly(a.get(l).top1Counts());
            assertThat(b.get(l).topkCounts()).containsExactly(a.get(l).topkCounts());
        }
    }
}
