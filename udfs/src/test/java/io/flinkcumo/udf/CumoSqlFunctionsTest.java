package io.flinkcumo.udf;

import static io.flinkcumo.udf.SqlTestSupport.ANSWERS;
import static io.flinkcumo.udf.SqlTestSupport.CAPTIONS;
import static io.flinkcumo.udf.SqlTestSupport.imageOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkcumo.runtime.core.CumoRequestException;
import io.flinkcumo.runtime.core.CumoService;
import io.flinkcumo.runtime.CumoTestData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CuMo's SQL functions on a MiniCluster, in batch and streaming mode, against direct engine calls. */
class CumoSqlFunctionsTest {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .setConfiguration(METRICS.addToConfiguration(new Configuration()))
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

    static String with(String... overrides) {
        java.util.Map<String, String> options = new java.util.LinkedHashMap<>();
        // the table's path-only images are read from the conformance images directory
        options.put("image-base", CumoTestData.imagePath("x").getParent().toString());
        options.putAll(CumoTestData.options(overrides));
        return options.entrySet().stream()
                .map(e -> "'" + e.getKey() + "' = '" + e.getValue() + "'")
                .collect(Collectors.joining(", ", "(", ")"));
    }

    @Test
    void batchQueryWithTheModuleLoadsOnceForFourSubtasksAndBatchesTheirRequests() throws Exception {
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv(RuntimeExecutionMode.BATCH, 4);
        tEnv.executeSql("LOAD MODULE cumo WITH " + with("max-batch-size", "4", "max-batch-wait", "300 ms"));
        long loads = CumoService.registry().loadCount();

        TableResult result = tEnv.executeSql(
                "SELECT id, cumo_answer(image, question), cumo_answer(hf, question), cumo_caption(image)"
                        + " FROM images WHERE id <> 'corrupt'");
        Map<String, Row> rows = SqlTestSupport.collectById(result);

        assertThat(rows).hasSize(SqlTestSupport.goodRows());
        rows.forEach((id, row) -> {
            assertThat(row.getField(1)).as(id).isEqualTo(ANSWERS.get(imageOf(id)));
            assertThat(row.getField(2)).as(id + " as a Hugging Face image struct").isEqualTo(ANSWERS.get(imageOf(id)));
            assertThat(row.getField(3)).as(id + " caption").isEqualTo(CAPTIONS.get(imageOf(id)));
        });
        assertThat(CumoService.registry().loadCount()).as("model loads").isEqualTo(loads + 1);

        JobID job = result.getJobClient().orElseThrow().getJobID();
        List<Metric> requestCounters = cumoMetrics(job, "requests");
        assertThat(requestCounters).as("subtasks that called CuMo (3 calls each, one set of metrics)").hasSize(4);
        long requests = requestCounters.stream().mapToLong(m -> ((Counter) m).getCount()).sum();
        assertThat(requests).isEqualTo(3L * SqlTestSupport.goodRows());
        assertThat(cumoMetrics(job, "batchSize"))
                .as("batches formed by requests of several subtasks")
                .anySatisfy(m -> assertThat(((Histogram) m).getStatistics().getMax()).isGreaterThan(1));
        tEnv.executeSql("UNLOAD MODULE cumo");
    }

    @Test
    void streamingQueryAnswersWithTheSyncAndTheAsyncFunction() throws Exception {
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv(RuntimeExecutionMode.STREAMING, 2);
        tEnv.executeSql("LOAD MODULE cumo WITH " + with());
        Map<String, Row> rows = SqlTestSupport.collectById(tEnv.executeSql(
                "SELECT id, cumo_answer(image, question), cumo_answer_async(hf, question), cumo_caption(hf)"
                        + " FROM images WHERE id <> 'corrupt'"));

        assertThat(rows).hasSize(SqlTestSupport.goodRows());
        rows.forEach((id, row) -> {
            assertThat(row.getField(1)).as(id).isEqualTo(ANSWERS.get(imageOf(id)));
            assertThat(row.getField(2)).as(id + " async").isEqualTo(ANSWERS.get(imageOf(id)));
            assertThat(row.getField(3)).as(id + " caption").isEqualTo(CAPTIONS.get(imageOf(id)));
        });
        tEnv.executeSql("UNLOAD MODULE cumo");
    }

    @Test
    void createFunctionTakesItsOptionsFromTheTableConfiguration() throws Exception {
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv(RuntimeExecutionMode.BATCH, 2);
        // what the SQL client's SET 'cumo.model-path' = '...' does
        CumoTestData.options().forEach((key, value) -> tEnv.getConfig().set("cumo." + key, value));
        tEnv.executeSql("CREATE TEMPORARY FUNCTION ask AS '" + CumoAnswerFunction.class.getName() + "'");
        Map<String, Row> rows = SqlTestSupport.collectById(
                tEnv.executeSql("SELECT id, ask(image, question) FROM images WHERE id <> 'corrupt'"));
        assertThat(rows).hasSize(SqlTestSupport.goodRows());
        rows.forEach((id, row) -> assertThat(row.getField(1)).as(id).isEqualTo(ANSWERS.get(imageOf(id))));
    }

    @Test
    void createFunctionTakesItsOptionsFromJobParameters() throws Exception {
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv(RuntimeExecutionMode.STREAMING, 2);
        Map<String, String> parameters = CumoTestData.options().entrySet().stream()
                .collect(Collectors.toMap(e -> "cumo." + e.getKey(), Map.Entry::getValue));
        tEnv.getConfig().set(PipelineOptions.GLOBAL_JOB_PARAMETERS, parameters);
        tEnv.executeSql("CREATE TEMPORARY FUNCTION ask AS '" + CumoAnswerAsyncFunction.class.getName() + "'");
        Map<String, Row> rows = SqlTestSupport.collectById(
                tEnv.executeSql("SELECT id, ask(image, question) FROM images WHERE id <> 'corrupt'"));
        assertThat(rows).hasSize(SqlTestSupport.goodRows());
        rows.forEach((id, row) -> assertThat(row.getField(1)).as(id).isEqualTo(ANSWERS.get(imageOf(id))));
    }

    @Test
    void functionOptionsAreResolvedWhenTheQueryIsPlanned() {
        org.apache.flink.streaming.api.environment.StreamExecutionEnvironment env =
                org.apache.flink.streaming.api.environment.StreamExecutionEnvironment.getExecutionEnvironment();
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        tEnv.executeSql("CREATE TEMPORARY FUNCTION ask AS '" + CumoAnswerFunction.class.getName() + "'");
        String query = "SELECT ask(CAST(x'00' AS BYTES), 'What is it?')";

        // no options anywhere: the query is refused while it is planned, naming the function and the fix
        assertThatThrownBy(() -> tEnv.explainSql(query))
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
                        .contains("cumo_answer: Invalid CuMo options: model-path is required")
                        .contains("SET 'cumo.<option>'"));

        // job parameters set on the execution environment are seen by the planner
        env.getConfig().setGlobalJobParameters(Configuration.fromMap(Map.of(
                "cumo.model-path", CumoTestData.modelDir().toString(), "cumo.max-batch-size", "0")));
        assertThatThrownBy(() -> tEnv.explainSql(query))
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
                        .contains("cumo_answer: Invalid CuMo options: max-batch-size must be >= 1, got 0")
                        .doesNotContain("model-path is required"));
        env.getConfig().setGlobalJobParameters(Configuration.fromMap(Map.of(
                "cumo.model-path", CumoTestData.modelDir().toString())));
        assertThat(tEnv.explainSql(query)).contains("ask");
    }

    @Test
    void failStrategyFailsTheJobNamingTheRow() {
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv(RuntimeExecutionMode.BATCH, 2);
        tEnv.executeSql("LOAD MODULE cumo WITH " + with("error-handling", "fail"));
        assertThatThrownBy(() -> SqlTestSupport.collectById(tEnv.executeSql("SELECT id, cumo_answer(image, question) FROM images")))
                .satisfies(e -> assertThat(ExceptionUtils.findThrowable(e, CumoRequestException.class))
                        .hasValueSatisfying(failure -> assertThat(failure.getMessage())
                                .contains("image of " + CumoTestData.CORRUPT.length + " bytes")
                                .contains("question \"" + CumoTestData.QUESTION + "\"")
                                .contains("invalid image")));
    }

    @Test
    void nullStrategyGivesNullForTheCorruptRowOnly() throws Exception {
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv(RuntimeExecutionMode.BATCH, 2);
        tEnv.executeSql("LOAD MODULE cumo WITH " + with("error-handling", "null"));
        Map<String, Row> rows = SqlTestSupport.collectById(
                tEnv.executeSql("SELECT id, cumo_answer(image, question) FROM images"));
        assertThat(rows).hasSize(SqlTestSupport.goodRows() + 1);
        rows.forEach((id, row) -> assertThat(row.getField(1)).as(id)
                .isEqualTo(id.equals("corrupt") ? null : ANSWERS.get(imageOf(id))));
    }

    @Test
    void errorColumnStrategyFillsTheDetailsErrorAndKeepsEveryRow() throws Exception {
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv(RuntimeExecutionMode.STREAMING, 2);
        tEnv.executeSql("LOAD MODULE cumo WITH " + with("error-handling", "error-column"));
        Map<String, Row> rows = SqlTestSupport.collectById(tEnv.executeSql(
                "SELECT id, d.answer, d.tokens, d.latency_ms, d.error, d.routing.vision.router_entropy,"
                        + " d.routing.projector.top_expert_share, d.routing.llm, cumo_answer(image, question)"
                        + " FROM (SELECT id, image, question, cumo_answer_details(hf, question) AS d FROM images)"));
        assertThat(rows).hasSize(SqlTestSupport.goodRows() + 1);
        rows.forEach((id, row) -> {
            if (id.equals("corrupt")) {
                assertThat(row.getField(1)).isNull();
                assertThat((String) row.getField(4)).startsWith("invalid image");
                assertThat(row.getField(8)).as("cumo_answer has no error column: NULL").isNull();
            } else {
                assertThat(row.getField(1)).as(id).isEqualTo(ANSWERS.get(imageOf(id)));
                assertThat((Integer) row.getField(2)).isBetween(1, 6);
                assertThat((Long) row.getField(3)).isNotNegative();
                assertThat(row.getField(4)).isNull();
                assertThat((Double) row.getField(5)).isPositive();
                assertThat((Double) row.getField(6)).isBetween(0.25, 1.0);
                assertThat(row.getField(7)).as("a dense Mistral LLM has no experts").isNull();
                assertThat(row.getField(8)).isEqualTo(ANSWERS.get(imageOf(id)));
            }
        });
    }

    @Test
    void moduleRefusesInvalidOptions() {
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv(RuntimeExecutionMode.BATCH, 1);
        assertThatThrownBy(() -> tEnv.executeSql("LOAD MODULE cumo WITH " + with("max-batch-size", "0", "top-p", "2")))
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
                        .contains("max-batch-size must be >= 1, got 0")
                        .contains("top-p must be in (0, 1], got 2"));
        assertThatThrownBy(() -> tEnv.executeSql("LOAD MODULE cumo WITH " + with("max-batch", "4")))
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e)).contains("max-batch"));
    }

    /** The CuMo metric {@code name} of every function instance of the job. */
    private static List<Metric> cumoMetrics(JobID job, String name) {
        List<Metric> found = new ArrayList<>();
        METRICS.getMetricsByGroup().forEach((group, metrics) -> {
            String[] scope = group.getScopeComponents();
            if (job.toString().equals(group.getAllVariables().get("<job_id>"))
                    && scope.length > 0 && scope[scope.length - 1].equals("cumo") && metrics.containsKey(name)) {
                found.add(metrics.get(name));
            }
        });
        return found;
    }
}
