package io.flinkcumo.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkcumo.engine.CumoResult;
import io.flinkcumo.engine.SampleResults;
import io.flinkcumo.stats.RoutingStatRow;

import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * A DataStream job on a MiniCluster sends the {@link RoutingStatRow}s of CuMo results into a
 * FileSink with {@link ArrowBulkWriters}, with checkpointing and one injected failure after a
 * checkpoint. The committed Arrow files hold every row exactly once with the engine's values (read
 * back with Arrow Java), and Arrow JS reads the same row counts and column sums.
 */
class ArrowFileSinkJobTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final int COPIES = 12;

    /** The results the job looks up by index (same JVM as the MiniCluster). */
    private static volatile List<CumoResult> results;

    private static final AtomicBoolean FAILED = new AtomicBoolean();

    @TempDir
    java.nio.file.Path tmp;

    /** Looks a result up by index, slowly, and fails once after a checkpoint completed. */
    private static final class ResultSource implements MapFunction<Long, CumoResult>, CheckpointListener {

        private boolean checkpointed;
        private int seen;

        @Override
        public CumoResult map(Long index) throws Exception {
            Thread.sleep(20);
            if (checkpointed && ++seen > 3 && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure after a completed checkpoint");
            }
            return results.get(index.intValue());
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointed = true;
        }
    }

    /** The routing rows of each result. */
    private static final class RoutingRows implements FlatMapFunction<CumoResult, RoutingStatRow> {
        @Override
        public void flatMap(CumoResult result, org.apache.flink.util.Collector<RoutingStatRow> out) {
            RoutingStatRow.of(result.id(), result.routing()).forEach(out::collect);
        }
    }

    @Test
    void committedFilesHoldEveryRowExactlyOnce() throws Exception {
        results = SampleResults.copies(COPIES);
        FAILED.set(false);
        java.nio.file.Path routingDir = tmp.resolve("routing");

        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(150);

        DataStream<CumoResult> answered = env.fromSequence(0, results.size() - 1).map(new ResultSource()).name("results");
        answered.flatMap(new RoutingRows())
                .sinkTo(FileSink.forBulkFormat(new Path(routingDir.toUri()),
                                ArrowBulkWriters.forRowType(RoutingStatRow.ROW_TYPE, ArrowWriteOptions.defaults(), RoutingStatRow::toRowData))
                        .withBucketAssigner(new BasePathBucketAssigner<>())
                        .build());
        env.execute("routing statistics to Arrow");

        assertThat(FAILED).as("the job failed over once").isTrue();
        List<java.nio.file.Path> files = ArrowSummary.committedFiles(routingDir);
        assertThat(files.size()).as("part files rolled on checkpoints").isGreaterThan(2);

        List<RoutingStatRow> expected = results.stream().flatMap(r -> RoutingStatRow.of(r.id(), r.routing()).stream()).toList();
        List<RoutingStatRow> written = ArrowSummary.routingRows(files);
        Map<String, Long> perKey = written.stream().collect(Collectors.groupingBy(ArrowFileSinkJobTest::key, Collectors.counting()));
        assertThat(perKey.values()).as("no row twice").containsOnly(1L);
        assertThat(written).hasSameSizeAs(expected).containsExactlyInAnyOrderElementsOf(expected);

        JsonNode java = ArrowSummary.summarize(files);
        assertThat(java.get("columns").get("tokens_topk").get("sum").asLong())
                .isEqualTo(expected.stream().mapToLong(r -> r.tokensTopK).sum());
        assertThat(java.get("columns").get("component").get("counts").get("llm").asLong())
                .isEqualTo(expected.stream().filter(r -> r.component.equals("llm")).count());
        JsonNode js = ArrowJsReader.summarize(files);
        System.out.printf("FileSink: %d routing rows in %d committed Arrow files (%d record batches), one failover%n",
                written.size(), files.size(), batches(js));
        assertThat(js.get("files")).hasSize(files.size());
        ArrowJsReader.assertSameSummary(java, js);
    }

    private static int batches(JsonNode jsSummary) {
        int n = 0;
        for (JsonNode f : jsSummary.get("files")) {
            n += f.get("batches").asInt();
        }
        return n;
    }

    private static String key(RoutingStatRow r) {
        return r.requestId + "/" + r.component + "/" + r.layer + "/" + r.expert;
    }
}
