package io.flinkcumo.udf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.LabelScores;
import io.flinkcumo.runtime.CumoTestData;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** cumo_classify: label likelihoods in SQL, against direct engine scoring. */
class CumoClassifyFunctionTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    static final List<String> LABELS = List.of("safe", "violence", "a cat");
    static final String QUESTION = "Which category fits: safe, violence or a cat?";
    static final Map<String, LabelScores> EXPECTED = new HashMap<>();

    private int baselineArrays;

    @BeforeAll
    static void scoreDirectly() throws Exception {
        try (CumoEngine engine = CumoEngine.load(CumoTestData.modelDir())) {
            for (Map.Entry<String, byte[]> image : CumoTestData.images().entrySet()) {
                CumoRequest request = CumoRequest.of(image.getKey(), image.getValue(), QUESTION, GenerationConfig.greedy(1));
                EXPECTED.put(image.getKey(), engine.scoreLabels(List.of(request), LABELS).get(0));
            }
        }
    }

    @BeforeEach
    void countArrays() {
        baselineArrays = CumoTestData.liveNativeArrays();
    }

    @AfterEach
    void modelIsFreed() throws InterruptedException {
        SqlTestSupport.assertModelFreed(baselineArrays);
    }

    @Test
    void scoresEveryRowLikeTheEngineInBatchAndKeepsFailedRows() throws Exception {
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv(RuntimeExecutionMode.BATCH, 2);
        tEnv.executeSql("LOAD MODULE cumo WITH " + CumoSqlFunctionsTest.with("error-handling", "error-column"));
        Map<String, Row> rows = SqlTestSupport.collectById(tEnv.executeSql(
                "SELECT id, c.label, c.probability, c.probabilities, c.error FROM (SELECT id, cumo_classify(hf, '" + QUESTION
                        + "', ARRAY['safe', 'violence', 'a cat']) AS c FROM images)"));

        assertThat(rows).hasSize(SqlTestSupport.goodRows() + 1);
        for (Map.Entry<String, Row> entry : rows.entrySet()) {
            Row row = entry.getValue();
            if (entry.getKey().equals("corrupt")) {
                assertThat(row.getField(1)).isNull();
                assertThat((String) row.getField(4)).startsWith("invalid image");
                continue;
            }
            LabelScores expected = EXPECTED.get(SqlTestSupport.imageOf(entry.getKey()));
            assertThat(row.getField(1)).as(entry.getKey()).isEqualTo(expected.best());
            assertThat((Double) row.getField(2)).isCloseTo(expected.probability(expected.best()), offset(1e-3));
            @SuppressWarnings("unchecked")
            Map<String, Double> probabilities = (Map<String, Double>) row.getField(3);
            assertThat(probabilities).containsOnlyKeys(LABELS);
            LABELS.forEach(l -> assertThat(probabilities.get(l)).isCloseTo(expected.probability(l), offset(1e-3)));
            assertThat(row.getField(4)).isNull();
        }
        assertThat(rows.keySet().stream().filter(id -> !id.equals("corrupt")).map(SqlTestSupport::imageOf)
                .collect(Collectors.toSet())).isEqualTo(EXPECTED.keySet());
    }
}
