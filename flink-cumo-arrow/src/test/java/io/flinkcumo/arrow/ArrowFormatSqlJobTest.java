package io.flinkcumo.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkcumo.engine.CumoResult;
import io.flinkcumo.engine.SampleResults;
import io.flinkcumo.engine.image.ClipImageProcessor;
import io.flinkcumo.stats.RoutingStatRow;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SQL on a MiniCluster writes routing statistics and CLIP pixel tensors to filesystem tables with
 * {@code 'format' = 'arrow'} (checkpointing on): Arrow Java reads back exactly the rows and
 * tensors, and Arrow JS sees the same counts and sums and the canonical
 * {@code arrow.fixed_shape_tensor} extension metadata on the pixel column.
 */
class ArrowFormatSqlJobTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final String[] IMAGES = {"chelsea.png", "astronaut_portrait.png", "camera_gray.png", "nebula_alpha.png", "tiny_97x31.jpg"};

    @TempDir
    Path tmp;

    /** Test-only UDF: CLIP preprocessing of encoded image bytes to [3, 336, 336] floats. */
    public static final class ClipPixels extends ScalarFunction {
        private transient ClipImageProcessor processor;

        public float[] eval(byte[] image) {
            if (processor == null) {
                processor = new ClipImageProcessor();
            }
            return processor.preprocess(image).data();
        }
    }

    @Test
    void writesRoutingStatisticsAndTensorsThatBothReadersRead() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(200);
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);

        List<CumoResult> results = SampleResults.copies(3);
        List<RoutingStatRow> expected = results.stream().flatMap(r -> RoutingStatRow.of(r.id(), r.routing()).stream()).toList();
        List<RowData> routingRows = expected.stream().map(RoutingStatRow::toRowData).toList();
        tEnv.createTemporaryView("routing_rows", env.fromData(routingRows, InternalTypeInfo.of(RoutingStatRow.ROW_TYPE)));
        List<Row> images = java.util.Arrays.stream(IMAGES).map(f -> Row.of(f, SampleResults.image(f))).toList();
        tEnv.createTemporaryView("images", env.fromData(images,
                Types.ROW_NAMED(new String[] {"id", "image"}, Types.STRING, Types.PRIMITIVE_ARRAY(Types.BYTE))));
        tEnv.createTemporarySystemFunction("clip_pixels", ClipPixels.class);

        Path routingDir = tmp.resolve("routing");
        Path imageDir = tmp.resolve("images");
        tEnv.executeSql("""
                CREATE TABLE routing_stats (
                  request_id STRING NOT NULL, component STRING NOT NULL, layer INT NOT NULL, expert INT NOT NULL,
                  layer_tokens BIGINT NOT NULL, tokens_top1 BIGINT NOT NULL, tokens_topk BIGINT NOT NULL,
                  mean_router_prob DOUBLE NOT NULL, mean_gate_weight DOUBLE NOT NULL, router_entropy DOUBLE NOT NULL
                ) WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'arrow', 'arrow.batch-rows' = '50')
                """.formatted(routingDir.toUri()));
        tEnv.executeSql("""
                CREATE TABLE image_tensors (request_id STRING NOT NULL, image_index INT NOT NULL, pixels ARRAY<FLOAT>)
                WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'arrow',
                      'arrow.tensor-columns' = 'pixels:3x336x336', 'arrow.batch-rows' = '2')
                """.formatted(imageDir.toUri()));
        StatementSet inserts = tEnv.createStatementSet();
        inserts.addInsertSql("INSERT INTO routing_stats SELECT * FROM routing_rows");
        inserts.addInsertSql("INSERT INTO image_tensors SELECT id, 0, clip_pixels(image) FROM images");
        inserts.execute().await();

        // routing statistics: the rows, read back with Arrow Java, and the same counts and sums in Arrow JS
        List<Path> routingFiles = ArrowSummary.committedFiles(routingDir);
        assertThat(ArrowSummary.routingRows(routingFiles)).containsExactlyInAnyOrderElementsOf(expected);
        JsonNode routingJava = ArrowSummary.summarize(routingFiles);
        ArrowJsReader.assertSameSummary(routingJava, ArrowJsReader.summarize(routingFiles));

        // tensors: exact pixels per image, and the canonical extension type as Arrow JS sees it
        List<Path> imageFiles = ArrowSummary.committedFiles(imageDir);
        Map<String, float[]> tensors = new HashMap<>();
        ArrowSummary.forEachBatch(imageFiles, (file, batch, root) -> {
            assertThat(root.getSchema().findField("pixels").getType()).isEqualTo(new FixedShapeTensorType(3, 336, 336));
            FixedShapeTensorVector pixels = (FixedShapeTensorVector) root.getVector("pixels");
            for (int r = 0; r < root.getRowCount(); r++) {
                tensors.put(root.getVector("request_id").getObject(r).toString(), pixels.getFloats(r));
            }
        });
        ClipImageProcessor processor = new ClipImageProcessor();
        assertThat(tensors).hasSize(IMAGES.length);
        for (String f : IMAGES) {
            assertThat(tensors.get(f)).as(f).containsExactly(processor.preprocess(SampleResults.image(f)).data());
        }
        JsonNode imagesJs = ArrowJsReader.summarize(imageFiles);
        ArrowJsReader.assertSameSummary(ArrowSummary.summarize(imageFiles), imagesJs);
        JsonNode field = ArrowJsReader.field(imagesJs, "pixels");
        assertThat(field.get("metadata").get("ARROW:extension:name").asText()).isEqualTo("arrow.fixed_shape_tensor");
        assertThat(field.get("metadata").get("ARROW:extension:metadata").asText()).isEqualTo("{\"shape\":[3,336,336]}");
        assertThat(field.get("type").asText()).isEqualTo("FixedSizeList[338688]<Float32>");
        assertThat(imagesJs.get("columns").get("pixels").get("values").asLong()).isEqualTo(IMAGES.length * 338_688L);
        System.out.printf("SQL 'format' = 'arrow': %d routing rows in %d files, %d tensors in %d files%n",
                expected.size(), routingFiles.size(), tensors.size(), imageFiles.size());
    }
}
