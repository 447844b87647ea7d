package io.flinkcumo.udf;

import static io.flinkcumo.udf.SqlTestSupport.ANSWERS;
import static io.flinkcumo.udf.SqlTestSupport.CAPTIONS;
import static io.flinkcumo.udf.SqlTestSupport.imageOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkcumo.runtime.core.CumoRequestException;
import io.flinkcumo.runtime.core.CumoService;
import io.flinkcumo.runtime.CumoTestData;
import java.util.Map;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** CREATE MODEL ... WITH ('provider' = 'cumo') and ML_PREDICT on a MiniCluster. */
class CumoModelProviderTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    private int baselineArrays;

    @BeforeAll
    static void answerDirectly() throws Exception {
        SqlTestSupport.answerDirectly();
    }

    @BeforeEach
    void countArrays() {
        baselineArrays = CumoTestData.liveNativeArrays();
    }

    @AfterEach
    void modelIsFreedWhenTheJobEnds() throws InterruptedException {
        SqlTestSupport.assertModelFreed(baselineArrays);
    }

    private static void createModel(StreamTableEnvironment tEnv, String name, String columns, String... options) {
        tEnv.executeSql("CREATE TEMPORARY MODEL " + name + " " + columns + " WITH ('provider' = 'cumo', "
                + CumoSqlFunctionsTest.with(options).substring(1));
    }

    /**
     * The input is bounded, so this is the batch workload too: Flink 2.2 plans ML_PREDICT only in
     * streaming mode (see {@link #flinkPlansMlPredictOnlyInStreamingMode}), where the job ends with
     * its input.
     */
    @ParameterizedTest(name = "async={0}")
    @ValueSource(booleans = {false, true})
    void mlPredictAnswersEveryRowLikeTheEngine(boolean async) throws Exception {
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv(RuntimeExecutionMode.STREAMING, 2);
        createModel(tEnv, "cumo",
                "INPUT (image BYTES, question STRING)"
                        + " OUTPUT (answer STRING, error STRING, tokens INT, latency_ms BIGINT, routing STRING)",
                "error-handling", "error-column");
        long loads = CumoService.registry().loadCount();
        Map<String, Row> rows = SqlTestSupport.collectById(tEnv.executeSql(
                "SELECT id, answer, error, tokens, latency_ms, routing"
                        + " FROM ML_PREDICT(TABLE images, MODEL cumo, DESCRIPTOR(image, question),"
                        + " MAP['async', '" + async + "'])"));

        assertThat(CumoService.registry().loadCount()).as("model loads").isEqualTo(loads + 1);
        assertThat(rows).as("every row, the corrupt one too").hasSize(SqlTestSupport.goodRows() + 1);
        rows.forEach((id, row) -> {
            if (id.equals("corrupt")) {
                assertThat(row.getField(1)).isNull();
                assertThat((String) row.getField(2)).startsWith("invalid image");
                assertThat(row.getField(3)).isNull();
            } else {
                assertThat(row.getField(1)).as(id).isEqualTo(ANSWERS.get(imageOf(id)));
                assertThat(row.getField(2)).isNull();
                assertThat((Integer) row.getField(3)).isBetween(1, 6);
                assertThat((Long) row.getField(4)).isNotNegative();
                assertThat((String) row.getField(5)).startsWith("vision: entropy");
            }
        });
    }

    @Test
    void aModelWithOnlyAnImageColumnCaptionsHuggingFaceImageStructs() throws Exception {
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv(RuntimeExecutionMode.STREAMING, 2);
        createModel(tEnv, "captioner", "INPUT (image ROW<`bytes` BYTES, `path` STRING>) OUTPUT (answer STRING)",
                "error-handling", "null");
        Map<String, Row> rows = SqlTestSupport.collectById(tEnv.executeSql(
                "SELECT id, answer FROM ML_PREDICT(TABLE images, MODEL captioner, DESCRIPTOR(hf))"));
        assertThat(rows).hasSize(SqlTestSupport.goodRows() + 1);
        rows.forEach((id, row) -> assertThat(row.getField(1)).as(id)
                .isEqualTo(id.equals("corrupt") ? null : CAPTIONS.get(imageOf(id))));
    }

    @Test
    void failStrategyFailsTheJobNamingTheRow() {
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv(RuntimeExecutionMode.STREAMING, 1);
        createModel(tEnv, "cumo", "INPUT (image BYTES, question STRING) OUTPUT (answer STRING)", "error-handling", "fail");
        assertThatThrownBy(() -> SqlTestSupport.collectById(tEnv.executeSql(
                        "SELECT id, answer FROM ML_PREDICT(TABLE images, MODEL cumo, DESCRIPTOR(image, question))")))
                .satisfies(e -> assertThat(ExceptionUtils.findThrowable(e, CumoRequestException.class))
                        .hasValueSatisfying(failure -> assertThat(failure.getMessage())
                                .contains("image of " + CumoTestData.CORRUPT.length + " bytes")
                                .contains("invalid image")));
    }

    /**
     * Pins a Flink 2.2 limitation: its batch planner has no rule for ML_PREDICT (only {@code
     * StreamPhysicalMLPredictTableFunction} exists). When this test fails, Flink plans ML_PREDICT in
     * batch mode: add BATCH to the tests above and update docs/flink.md.
     */
    @Test
    void flinkPlansMlPredictOnlyInStreamingMode() {
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv(RuntimeExecutionMode.BATCH, 1);
        createModel(tEnv, "cumo", "INPUT (image BYTES, question STRING) OUTPUT (answer STRING)");
        assertThatThrownBy(() -> tEnv.explainSql(
                        "SELECT id, answer FROM ML_PREDICT(TABLE images, MODEL cumo, DESCRIPTOR(image, question))"))
                .hasMessageContaining("Cannot generate a valid execution plan");
    }

    @Test
    void invalidModelsAreRefusedWithClearErrors() {
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv(RuntimeExecutionMode.STREAMING, 1);
        String io = "INPUT (image BYTES, question STRING) OUTPUT (answer STRING)";
        createModel(tEnv, "unknown_option", io, "max-batch", "4");
        createModel(tEnv, "bad_values", io, "max-new-tokens", "0", "temperature", "-1");
        createModel(tEnv, "unknown_column", "INPUT (image BYTES, question STRING) OUTPUT (answer STRING, score DOUBLE)");
        createModel(tEnv, "no_error_column", io, "error-handling", "error-column");
        createModel(tEnv, "text_image", "INPUT (image STRING, question STRING) OUTPUT (answer STRING)");
        assertRefused(tEnv, "unknown_option", "Unsupported options", "max-batch");
        assertRefused(tEnv, "bad_values", "max-new-tokens must be >= 1, got 0", "temperature must be >= 0");
        assertRefused(tEnv, "unknown_column", "unknown OUTPUT column 'score'", "answer STRING, error STRING");
        assertRefused(tEnv, "no_error_column", "error-handling 'error-column' needs an OUTPUT column 'error STRING'");
        assertRefused(tEnv, "text_image", "the image column 'image' must be BYTES or ROW<`bytes` BYTES, `path` STRING>");
    }

    private static void assertRefused(StreamTableEnvironment tEnv, String model, String... messages) {
        String query = "SELECT id, answer FROM ML_PREDICT(TABLE images, MODEL " + model + ", DESCRIPTOR("
                + (model.equals("text_image") ? "id" : "image") + ", question))";
        assertThatThrownBy(() -> tEnv.explainSql(query))
                .as(model)
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e)).contains(messages));
    }
}
