package io.flinkcumo.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkcumo.engine.image.PixelValues;
import io.flinkcumo.engine.routing.LayerRouting;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Pixels handed over in one {@link ImageBatch} give the same outputs as inline pixels, for a batch
 * mixing one-image, two-image and text-only requests; mismatches between the prompts and the batch
 * are refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageBatchGenerationTest {

    private static final int SIZE = 336;
    private CumoEngine engine;

    @BeforeAll
    void load() throws IOException {
        engine = CumoEngine.load(Conformance.modelDir("tiny-mixtral"));
    }

    @AfterAll
    void close() {
        engine.close();
    }

    private static CumoRequest request(String id, List<String> images, String question) throws IOException {
        return Conformance.request(id, images, question, GenerationConfig.greedy(6));
    }

    private static List<CumoRequest> mixedBatch() throws IOException {
        return List.of(
                request("one", List.of("chelsea.png"), "What is this?"),
                request("text", List.of(), "Say something."),
                request("two", List.of("camera_gray.png", "tiny_97x31.jpg"), "Compare the pictures."));
    }

    @Test
    void imageBatchGivesTheSameResultsAsInlinePixels() throws IOException {
        List<CumoRequest> requests = mixedBatch();
        List<CumoResult> inline = engine.answer(requests);

        List<float[]> collected = new ArrayList<>();
        List<CumoEngine.Prepared> prepared = new ArrayList<>();
        for (CumoRequest r : requests) {
            prepared.add(engine.prepare(r, (PixelValues px) -> collected.add(px.data())));
        }
        assertThat(collected).hasSize(3);
        assertThat(prepared).allSatisfy(p -> assertThat(p.input().pixelValues()).isEmpty());
        List<CumoResult> batched = engine.run(prepared, ImageBatch.copyOf(collected, SIZE));

        assertThat(batched).hasSameSizeAs(inline);
        for (int i = 0; i < inline.size(); i++) {
            CumoResult a = inline.get(i);
            CumoResult b = batched.get(i);
            assertThat(b.id()).isEqualTo(a.id());
            assertThat(b.tokenIds()).containsExactly(a.tokenIds());
            assertThat(b.answer()).isEqualTo(a.answer());
            assertThat(b.promptPositions()).isEqualTo(a.promptPositions());
            assertSameRouting(a.routing().layers(), b.routing().layers());
        }
    }

    private static void assertSameRouting(List<LayerRouting> a, List<LayerRouting> b) {
        assertThat(b).hasSameSizeAs(a);
        for (int l = 0; l < a.size(); l++) {
            assertThat(b.get(l).component()).isEqualTo(a.get(l).component());
            assertThat(b.get(l).tokens()).isEqualTo(a.get(l).tokens());
            assertThat(b.get(l).top1Counts()).containsExactly(a.get(l).top1Counts());
            assertThat(b.get(l).topkCounts()).containsExactly(a.get(l).topkCounts());
            assertThat(b.get(l).meanGateWeight()).containsExactly(a.get(l).meanGateWeight());
            assertThat(b.get(l).routerEntropy()).isEqualTo(a.get(l).routerEntropy());
        }
    }

    @Test
    void refusesABatchThatDoesNotMatchThePlaceholders() throws IOException {
        List<CumoRequest> requests = mixedBatch();
        List<float[]> collected = new ArrayList<>();
        List<CumoEngine.Prepared> prepared = new ArrayList<>();
        for (CumoRequest r : requests) {
            prepared.add(engine.prepare(r, (PixelValues px) -> collected.add(px.data())));
        }
        ImageBatch tooFew = ImageBatch.copyOf(collected.subList(0, 2), SIZE);
        assertThatThrownBy(() -> engine.run(prepared, tooFew))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 image placeholder(s)")
                .hasMessageContaining("holds 2");
        assertThatThrownBy(() -> engine.run(prepared))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no image batch was given");
        List<CumoEngine.Prepared> inline = requests.stream().map(engine::prepare).toList();
        assertThatThrownBy(() -> engine.run(inline, ImageBatch.copyOf(collected, SIZE)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inline");
    }

    @Test
    void modelInputChecksTheImageCountAgainstThePrompt() {
        int[] ids = {1, 5, ModelInput.IMAGE_TOKEN_INDEX, 6};
        assertThat(ModelInput.withImageCount(ids, 1, GenerationConfig.greedy(1)).hasInlinePixels()).isFalse();
        assertThatThrownBy(() -> ModelInput.withImageCount(ids, 2, GenerationConfig.greedy(1)))
                .hasMessageContaining("1 image placeholder(s) but 2 image(s)");
    }

    @Test
    void imageBatchValidatesItsBuffer() {
        assertThatThrownBy(() -> new ImageBatch(ByteBuffer.allocate(16), 1, 2))
                .hasMessageContaining("direct");
        assertThatThrownBy(() -> new ImageBatch(ByteBuffer.allocateDirect(16), 1, 2))
                .hasMessageContaining("needs 48 bytes");
        ImageBatch ok = new ImageBatch(ByteBuffer.allocateDirect(48), 1, 2);
        assertThat(ok.data().remaining()).isEqualTo(48);
    }
}
