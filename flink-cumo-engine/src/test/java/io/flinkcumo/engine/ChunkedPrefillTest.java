package io.flinkcumo.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkcumo.engine.model.ContinuousBatch;
import io.flinkcumo.engine.model.ForwardTrace;
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
 * Chunked prefill in the iteration-level batch: a long prompt is prefilled a chunk at a time
 * between decode steps of the running sequences and answers as if run alone; cancelling it between
 * chunks, or a chunk failing, frees everything it held and leaves the running batch alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChunkedPrefillTest {

    private CumoEngine engine;

    @BeforeAll
    void load() throws IOException {
        engine = CumoEngine.load(Conformance.modelDir("tiny-mixtral"));
    }

    @AfterAll
    void close() {
        engine.close();
    }

    private ModelInput input(List<String> images, String question, GenerationConfig config) throws IOException {
        return engine.prepare(Conformance.request("r", images, question, config)).input();
    }

    private ModelInput input(List<String> images, String question, int maxNewTokens) throws IOException {
        return input(images, question, GenerationConfig.greedy(maxNewTokens));
    }

    private ModelOutput alone(ModelInput in) {
        return engine.model().generate(List.of(in), null, ForwardTrace.NONE).get(0);
    }

    private int managed() {
        return engine.model().manager().getManagedArrays().size();
    }

    private int positions(ModelInput in) {
        try (ContinuousBatch<String> batch = engine.model().newContinuousBatch(Generator.Reuse.NONE)) {
            return batch.promptPositions(in);
        }
    }

    private static int firstImage(ModelInput in) {
        int[] ids = in.inputIds();
        for (int k = 0; k < ids.length; k++) {
            if (ids[k] == ModelInput.IMAGE_TOKEN_INDEX) {
                return k;
            }
        }
        return -1;
    }

    /** Steps and chunks until nothing runs or prefills; returns the rounds (one decode step + one chunk each). */
    private static int drain(ContinuousBatch<String> batch, Map<String, ModelOutput> out) {
        int rounds = 0;
        while (batch.size() > 0 || batch.prefilling() > 0) {
            collect(out, batch.step());
            collect(out, batch.prefillChunk());
            rounds++;
        }
        return rounds;
    }

    @Test
    void aPromptPrefilledInChunksAnswersAsAlone() throws IOException {
        ModelInput one = input(List.of("chelsea.png"), "Describe the colours of this picture in detail.", 8);
        ModelInput two = input(List.of("camera_gray.png", "tiny_97x31.jpg"), "Compare the two pictures.", 6);
        ModelInput text = input(List.of(), "Tell me a long story about a cat and a camera, please.", 5);
        int p = engine.model().config().imageTokens();
        int lp = firstImage(one);
        int split = 7; // a chunk boundary inside the image rows [lp, lp + P)
        assertThat(p).isGreaterThan(split);
        assertThat((lp / split + 1) * split).isStrictlyBetween(lp, lp + p);
        Map<String, ModelInput> inputs = Map.of("one", one, "two", two, "text", text);
        Map<String, ModelOutput> single = new HashMap<>();
        inputs.forEach((tag, in) -> single.put(tag, alone(in)));
        int baseline = managed();
        for (int chunk : new int[] {1, split, 32}) {
            List<String> tags = chunk == 1 ? List.of("text") : List.of("one", "two", "text"); // C = 1: a forward pass per position
            Map<String, ModelOutput> out = new HashMap<>();
            try (ContinuousBatch<String> batch = engine.model().newContinuousBatch(Generator.Reuse.NONE, chunk)) {
                collect(out, batch.admit(tags, tags.stream().map(inputs::get).toList()));
                assertThat(batch.prefilling()).as("chunk %d", chunk).isEqualTo(tags.size()); // all longer than the chunk
                assertThat(batch.size()).isZero();
                drain(batch, out);
            }
            assertThat(managed()).isEqualTo(baseline);
            for (String tag : tags) {
                ModelOutput got = out.get(tag);
                assertThat(got.tokenIds()).as("%s, chunk %d", tag, chunk).containsExactly(single.get(tag).tokenIds());
                assertThat(got.stoppedOnEos()).isEqualTo(single.get(tag).stoppedOnEos());
                assertThat(got.promptPositions()).isEqualTo(single.get(tag).promptPositions());
                assertSameRouting(single.get(tag).routing().layers(), got.routing().layers());
            }
        }
    }

    @Test
    void aReusedPrefixAndCachedImageCountAsThePast() throws IOException {
        ModelInput a = input(List.of("chelsea.png"), "What is this?", 6);
        ModelInput b = input(List.of("chelsea.png"), "Describe the picture in one long sentence, please.", 6);
        int baseline = managed();
        try (VisionFeatureCache vision = new VisionFeatureCache("tiny", 64L << 20, engine.model().device());
                PromptPrefixCache prefixes = new PromptPrefixCache(4, engine.model().device())) {
            Generator.Reuse reuse = new Generator.Reuse(vision, prefixes);
            Map<String, ModelOutput> out = new HashMap<>();
            try (ContinuousBatch<String> batch = engine.model().newContinuousBatch(reuse, 3)) {
                collect(out, batch.admit(List.of("a", "b"), List.of(a, b)));
                assertThat(batch.prefilling()).isEqualTo(2);
                drain(batch, out);
            }
            assertThat(prefixes.misses()).isEqualTo(1);
            assertThat(prefixes.hits()).isEqualTo(1);
            assertThat(vision.hits()).isEqualTo(1); // the image's vision ran once, before a's first chunk
            for (Map.Entry<String, ModelInput> e : Map.of("a", a, "b", b).entrySet()) {
                ModelOutput single = alone(e.getValue());
                assertThat(out.get(e.getKey()).tokenIds()).as(e.getKey()).containsExactly(single.tokenIds());
                assertSameRouting(single.routing().layers(), out.get(e.getKey()).routing().layers());
            }
        }
        assertThat(managed()).isEqualTo(baseline);
    }

    @Test
    void runningSequencesDecodeBetweenTheChunksOfALongPrompt() throws IOException {
        GenerationConfig longAnswer = new GenerationConfig(40, 0f, 1f, 0, 0L, true);
        ModelInput running = input(List.of(), "Say something.", longAnswer);
        ModelInput longPrompt = input(List.of("chelsea.png", "camera_gray.png"), "Compare the two pictures in detail.", 5);
        int chunk = positions(running); // the running prompt is prefilled whole, the long one in chunks
        int chunks = (positions(longPrompt) + chunk - 1) / chunk;
        assertThat(chunks).isGreaterThan(2);
        Map<String, ModelOutput> out = new HashMap<>();
        try (ContinuousBatch<String> batch = engine.model().newContinuousBatch(Generator.Reuse.NONE, chunk)) {
            collect(out, batch.admit(List.of("running"), List.of(running))); // short prompt: prefilled whole
            assertThat(batch.tags()).containsExactly("running");
            collect(out, batch.step());
            long stepsBefore = batch.stepsRun();
            collect(out, batch.admit(List.of("long"), List.of(longPrompt)));
            assertThat(batch.tags()).containsExactly("running"); // nothing of it ran yet
            int rounds = 0;
            while (!batch.tags().contains("long") && !out.containsKey("long")) {
                collect(out, batch.step());
                collect(out, batch.prefillChunk());
                rounds++;
            }
            // one decode step of the running sequence per chunk: its decoding never waited for more than one chunk
            assertThat(rounds).isEqualTo(chunks);
            assertThat(batch.stepsRun() - stepsBefore).isEqualTo(chunks);
            assertThat(batch.prefilling()).isZero();
            drain(batch, out);
        }
        assertThat(out.get("running").tokenIds()).containsExactly(alone(running).tokenIds());
        assertThat(out.get("running").tokenIds()).hasSize(40);
        assertThat(out.get("long").tokenIds()).containsExactly(alone(longPrompt).tokenIds());
        assertThat(out.get("long").timings().batchSize()).isEqualTo(1);
    }

    @Test
    void cancellingBetweenChunksFreesEverythingAndKeepsTheRest() throws IOException {
        GenerationConfig longAnswer = new GenerationConfig(12, 0f, 1f, 0, 0L, true);
        ModelInput running = input(List.of(), "What is this?", longAnswer);
        ModelInput longPrompt = input(List.of("chelsea.png"), "Describe the colours of this picture in detail.", 5);
        ModelInput queued = input(List.of("camera_gray.png"), "What is this?", 4);
        int baseline = managed();
        Map<String, ModelOutput> out = new HashMap<>();
        try (ContinuousBatch<String> batch = engine.model().newContinuousBatch(Generator.Reuse.NONE, positions(running))) {
            collect(out, batch.admit(List.of("running"), List.of(running)));
            collect(out, batch.admit(List.of("long", "queued"), List.of(longPrompt, queued)));
            assertThat(batch.prefilling()).isEqualTo(2);
            collect(out, batch.step());
            int withRunning = managed();
            collect(out, batch.prefillChunk()); // long's vision and first chunk
            assertThat(batch.nextPrefilling()).isEqualTo("long");
            assertThat(managed()).isGreaterThan(withRunning); // its embeddings and cache
            assertThat(batch.cancel("long")).isTrue();
            assertThat(batch.prefilling()).isEqualTo(1);
            assertThat(managed()).isEqualTo(withRunning);
            drain(batch, out);
            assertThat(out).containsOnlyKeys("running", "queued");
            assertThat(out.get("running").tokenIds()).containsExactly(alone(running).tokenIds());
            assertThat(out.get("queued").tokenIds()).containsExactly(alone(queued).tokenIds());
            // reset between chunks frees a prefilling request too
            collect(out, batch.admit(List.of("again"), List.of(longPrompt)));
            collect(out, batch.prefillChunk());
            assertThat(batch.reset()).containsExactly("again");
            assertThat(batch.prefilling()).isZero();
        }
        assertThat(managed()).isEqualTo(baseline);
    }

    @Test
    void aFailingChunkFailsItsRequestAloneAndABadPromptFailsAtAdmission() throws IOException {
        GenerationConfig longAnswer = new GenerationConfig(6, 0f, 1f, 0, 0L, true);
        ModelInput running = input(List.of(), "Say something.", longAnswer);
        ModelInput good = input(List.of("chelsea.png"), "Describe the picture.", 3);
        ModelInput badPixels = new ModelInput(good.inputIds(), List.of(new float[10]), GenerationConfig.greedy(3));
        int[] outside = good.inputIds().clone();
        outside[outside.length - 1] = 100_000;
        ModelInput badToken = new ModelInput(outside, good.pixelValues(), GenerationConfig.greedy(3));
        int baseline = managed();
        Map<String, ModelOutput> out = new HashMap<>();
        try (ContinuousBatch<String> batch = engine.model().newContinuousBatch(Generator.Reuse.NONE, positions(running))) {
            collect(out, batch.admit(List.of("running"), List.of(running)));
            assertThatThrownBy(() -> batch.admit(List.of("token", "good"), List.of(badToken, good)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("token id 100000 is outside the vocabulary");
            assertThat(batch.prefilling()).isZero(); // nothing of that admission stayed
            collect(out, batch.admit(List.of("pixels", "good"), List.of(badPixels, good)));
            collect(out, batch.step());
            assertThatThrownBy(batch::prefillChunk)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("pixel values hold 10 floats");
            assertThat(batch.prefilling()).isEqualTo(1);
            assertThat(batch.nextPrefilling()).isEqualTo("good");
            assertThat(batch.tags()).containsExactly("running");
            drain(batch, out);
        }
        assertThat(managed()).isEqualTo(baseline);
        assertThat(out).containsOnlyKeys("running", "good");
        assertThat(out.get("running").tokenIds()).containsExactly(alone(running).tokenIds());
        assertThat(out.get("good").tokenIds()).containsExactly(alone(good).tokenIds());
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
            assertThat(b.get(l).tokens()).as("layer %d tokens", l).isEqualTo(a.get(l).tokens());
            assertThat(b.get(l).top1Counts()).containsExactly(a.get(l).top1Counts());
            assertThat(b.get(l).topkCounts()).containsExactly(a.get(l).topkCounts());
        }
    }
}
