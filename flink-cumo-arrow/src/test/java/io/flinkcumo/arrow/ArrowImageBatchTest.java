package io.flinkcumo.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.CumoResult;
import io.flinkcumo.engine.ImageBatch;
import io.flinkcumo.engine.SampleResults;
import io.flinkcumo.engine.image.PixelValues;
import io.flinkcumo.stats.RoutingStatsRows;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Images written once into an Arrow tensor vector reach the model without a copy: the pixel
 * tensor aliases the Arrow buffer, the answers equal those of the float[] path, and the same
 * vectors form an Arrow file that Arrow JS reads as a fixed-shape tensor column.
 */
class ArrowImageBatchTest {

    private static final int S = 336;

    @TempDir
    Path tmp;

    @Test
    void theModelsPixelTensorAliasesTheArrowBuffer() {
        CumoEngine engine = SampleResults.engine();
        try (BufferAllocator allocator = new RootAllocator();
                ArrowImageBatch images = new ArrowImageBatch(allocator, S, 2);
                NDManager manager = NDManager.newBaseManager("PyTorch")) {
            for (CumoRequest r : SampleResults.requests().subList(0, 2)) {
                engine.prepare(r, images.sink(r.id()));
            }
            ImageBatch batch = images.imageBatch();
            NDArray pixels = manager.create(batch.data(), new Shape(2, 3, S, S), DataType.FLOAT32);
            Float4Vector arrow = (Float4Vector) images.pixels().getUnderlyingVector().getDataVector();
            int flat = 3 * S * S + S * 5 + 7; // image 1, channel 0, row 5, column 7
            assertThat(pixels.getFloat(1, 0, 5, 7)).isEqualTo(arrow.get(flat));

            arrow.set(flat, 42.5f); // write through Arrow only
            assertThat(pixels.getFloat(1, 0, 5, 7)).isEqualTo(42.5f);
            pixels.set(new NDIndex(0, 2, 0, 0), 7.25f); // and through the NDArray only
            assertThat(arrow.get(2 * S * S)).isEqualTo(7.25f);
        }
    }

    @Test
    void answersFromTheArrowPathEqualTheFloatArrayPath() {
        CumoEngine engine = SampleResults.engine();
        List<CumoRequest> requests = SampleResults.requests();
        try (BufferAllocator allocator = new RootAllocator();
                ArrowImageBatch images = new ArrowImageBatch(allocator, S, 8)) {
            List<CumoEngine.Prepared> prepared = new ArrayList<>();
            for (CumoRequest r : requests) {
                prepared.add(engine.prepare(r, images.sink(r.id())));
            }
            assertThat(images.count()).isEqualTo(7);
            long allocated = allocator.getAllocatedMemory();
            List<CumoResult> viaArrow = engine.run(prepared, images.imageBatch());
            assertThat(allocator.getAllocatedMemory()).as("no Arrow memory was allocated for the run").isEqualTo(allocated);

            List<CumoResult> viaArrays = SampleResults.results();
            for (int i = 0; i < requests.size(); i++) {
                assertThat(viaArrow.get(i).tokenIds()).containsExactly(viaArrays.get(i).tokenIds());
                assertThat(viaArrow.get(i).answer()).isEqualTo(viaArrays.get(i).answer());
                assertThat(RoutingStatsRows.rows(viaArrow.get(i))).isEqualTo(RoutingStatsRows.rows(viaArrays.get(i)));
            }
        }
    }

    @Test
    void theSameVectorsAreAnArrowFileWithACanonicalTensorColumn() throws IOException, InterruptedException {
        CumoEngine engine = SampleResults.engine();
        List<PixelValues> expected = new ArrayList<>();
        Path file = tmp.resolve("images.arrow");
        try (BufferAllocator allocator = new RootAllocator();
                ArrowImageBatch images = new ArrowImageBatch(allocator, S, 3)) {
            CumoRequest two = SampleResults.requests().get(6);
            engine.prepare(two, images.sink(two.id()).andThen(expected::add));
            CumoRequest one = SampleResults.requests().get(0);
            engine.prepare(one, images.sink(one.id()).andThen(expected::add));
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    ArrowFileWriter writer = new ArrowFileWriter(images.root(), null, out)) {
                writer.start();
                writer.writeBatch();
                writer.end();
            }
        }
        List<String> ids = new ArrayList<>();
        List<Integer> indices = new ArrayList<>();
        List<float[]> tensors = new ArrayList<>();
        ArrowSummary.forEachBatch(List.of(file), (f, b, root) -> {
            for (int r = 0; r < root.getRowCount(); r++) {
                ids.add(root.getVector("request_id").getObject(r).toString());
                indices.add((Integer) root.getVector("image_index").getObject(r));
                tensors.add(((FixedShapeTensorVector) root.getVector("pixels")).getFloats(r));
            }
        });
        assertThat(ids).containsExactly("two-images", "two-images", "img-chelsea");
        assertThat(indices).containsExactly(0, 1, 0);
        for (int i = 0; i < 3; i++) {
            assertThat(tensors.get(i)).containsExactly(expected.get(i).data());
        }

        JsonNode js = ArrowJsReader.summarize(List.of(file));
        ArrowJsReader.assertSameSummary(ArrowSummary.summarize(List.of(file)), js);
        JsonNode pixels = ArrowJsReader.field(js, "pixels");
        assertThat(pixels.get("extension").get("name").asText()).isEqualTo("arrow.fixed_shape_tensor");
        assertThat(pixels.get("extension").get("metadata").get("shape").toString()).isEqualTo("[3,336,336]");
        assertThat(pixels.get("type").asText()).isEqualTo("FixedSizeList[338688]<Float32>");
    }
}
