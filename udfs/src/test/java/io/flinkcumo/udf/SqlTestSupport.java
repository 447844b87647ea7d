package io.flinkcumo.udf;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.runtime.core.CumoService;
import io.flinkcumo.runtime.CumoTestData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * Shared set-up of the SQL tests: a table {@code images} of the conformance images, spread over
 * all subtasks by a parallel source, and the answers CuMo gives to the same inputs when called
 * directly.
 *
 * <p>Columns: {@code id STRING, image BYTES, question STRING, hf ROW<bytes BYTES, path STRING>}.
 * Each image appears twice ({@code name#0} with {@code hf} holding the bytes, {@code name#1} with
 * only the path), plus a row {@code corrupt} whose image is not an image.
 */
final class SqlTestSupport {

    static final String CAPTION = "Describe the image in one sentence.";

    /** Direct engine answers by image name, to {@link CumoTestData#QUESTION} and to {@link #CAPTION}. */
    static final Map<String, String> ANSWERS = new HashMap<>();
    static final Map<String, String> CAPTIONS = new HashMap<>();

    private SqlTestSupport() {}

    static synchronized void answerDirectly() throws Exception {
        if (!ANSWERS.isEmpty()) {
            return;
        }
        try (CumoEngine engine = CumoEngine.load(CumoTestData.modelDir())) {
            for (Map.Entry<String, byte[]> image : CumoTestData.images().entrySet()) {
                ANSWERS.put(image.getKey(), answer(engine, image.getValue(), CumoTestData.QUESTION));
                CAPTIONS.put(image.getKey(), answer(engine, image.getValue(), CAPTION));
            }
        }
    }

    private static String answer(CumoEngine engine, byte[] image, String question) {
        return engine.answer(List.of(CumoRequest.of("direct", image, question, GenerationConfig.greedy(6)))).get(0).answer();
    }

    /** The image name of a row id such as {@code chelsea.png#1}. */
    static String imageOf(String id) {
        int hash = id.indexOf('#');
        return hash < 0 ? id : id.substring(0, hash);
    }

    /** A table environment on the MiniCluster with the {@code images} view registered. */
    static StreamTableEnvironment tableEnv(RuntimeExecutionMode mode, int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(mode);
        env.setParallelism(parallelism);
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env,
                mode == RuntimeExecutionMode.BATCH ? EnvironmentSettings.inBatchMode() : EnvironmentSettings.inStreamingMode());
        List<Row> rows = rows();
        TypeInformation<Row> type = Types.ROW_NAMED(
                new String[] {"id", "image", "question", "hf"},
                Types.STRING,
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO,
                Types.STRING,
                Types.ROW_NAMED(new String[] {"bytes", "path"}, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO, Types.STRING));
        // A parallel source, so that every subtask of the function gets rows.
        DataStream<Row> stream = env.fromSequence(0, rows.size() - 1).map(new RowAt(rows)).returns(type);
        tEnv.createTemporaryView("images", stream);
        return tEnv;
    }

    private static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, byte[]> image : CumoTestData.images().entrySet()) {
            rows.add(Row.of(image.getKey() + "#0", image.getValue(), CumoTestData.QUESTION,
                    Row.of(image.getValue(), null)));
            rows.add(Row.of(image.getKey() + "#1", image.getValue(), CumoTestData.QUESTION,
                    Row.of(null, CumoTestData.imagePath(image.getKey()).toString())));
        }
        rows.add(Row.of("corrupt", CumoTestData.CORRUPT, CumoTestData.QUESTION, Row.of(CumoTestData.CORRUPT, null)));
        return rows;
    }

    /** Rows of good images in the table. */
    static int goodRows() {
        return 2 * CumoTestData.images().size();
    }

    /** Collects a query's rows keyed by their first column. */
    static Map<String, Row> collectById(TableResult result) throws Exception {
        try (CloseableIterator<Row> rows = result.collect()) {
            List<Row> all = new ArrayList<>();
            rows.forEachRemaining(all::add);
            return all.stream().collect(Collectors.toMap(row -> (String) row.getField(0), row -> row));
        }
    }

    /** The job released the model: nothing is loaded, no native array is left. */
    static void assertModelFreed(int baselineArrays) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (CumoService.registry().loadedCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(CumoService.registry().loadedCount()).as("models still loaded").isZero();
        assertThat(CumoTestData.liveNativeArrays()).as("live native arrays").isEqualTo(baselineArrays);
    }

    /** Maps an index of the parallel sequence source to a row of the table. */
    private static final class RowAt implements MapFunction<Long, Row> {
        private static final long serialVersionUID = 1L;
        private final List<Row> rows;

        RowAt(List<Row> rows) {
            this.rows = new ArrayList<>(rows);
        }

        @Override
        public Row map(Long index) {
            return rows.get(index.intValue());
        }
    }
}
