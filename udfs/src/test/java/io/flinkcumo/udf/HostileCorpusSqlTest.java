package io.flinkcumo.udf;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkcumo.engine.HostileCorpus;

import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The hostile corpus (35 generated inputs: non-images, truncations, forged sizes, extreme shapes,
 * unusual formats, null/empty/overlong questions, a null image) through Flink SQL in batch mode
 * with the {@code error-column} strategy: every input row gives exactly one output row carrying an
 * answer or an error (a SQL NULL image or question gives a NULL result, as documented), and the job finishes without a restart (no restart strategy is configured,
 * so any failure would surface as an exception here).
 */
class HostileCorpusSqlTest {

    @Test
    void everyRowYieldsOneRowWithAnAnswerOrAnError() throws Exception {
        List<HostileCorpus.Entry> corpus = HostileCorpus.entries();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        env.setParallelism(2);
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env, EnvironmentSettings.inBatchMode());
        List<Row> rows = new ArrayList<>();
        for (HostileCorpus.Entry e : corpus) {
            rows.add(Row.of(e.id(), e.image(), e.question()));
        }
        TypeInformation<Row> type = Types.ROW_NAMED(
                new String[] {"id", "image", "question"}, Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO, Types.STRING);
        tEnv.createTemporaryView("corpus", env.fromData(type, rows.toArray(new Row[0])));
        tEnv.executeSql("LOAD MODULE cumo WITH " + CumoSqlFunctionsTest.with("error-handling", "error-column", "max-new-tokens", "3"));

        Map<String, Row> out = SqlTestSupport.collectById(tEnv.executeSql(
                "SELECT id, d.answer, d.error FROM (SELECT id, cumo_answer_details(image, question) AS d FROM corpus)"));

        assertThat(out).hasSize(corpus.size());
        for (HostileCorpus.Entry e : corpus) {
            Row r = out.get(e.id());
            assertThat(r).as(e.id()).isNotNull();
            boolean answered = r.getField(1) != null;
            boolean failed = r.getField(2) != null;
            if (e.image() == null || e.question() == null) { // SQL convention (docs/flink.md): NULL in, NULL out
                assertThat(answered || failed).as("%s: NULL input gives a NULL result", e.id()).isFalse();
                continue;
            }
            assertThat(answered ^ failed).as("%s: exactly one of answer (%s) and error (%s)", e.id(), r.getField(1), r.getField(2)).isTrue();
            if (HostileCorpus.outcomeFixed(e)) {
                assertThat(answered).as("%s answered (error: %s)", e.id(), r.getField(2)).isEqualTo(e.valid());
            }
        }
    }
}
