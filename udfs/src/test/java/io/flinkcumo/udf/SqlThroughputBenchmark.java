package io.flinkcumo.udf;

import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.runtime.core.BatcherListener;
import io.flinkcumo.runtime.CumoClient;
import io.flinkcumo.runtime.CumoRuntimeOptions;
import io.flinkcumo.runtime.core.CumoService;
import io.flinkcumo.runtime.core.DeviceSpec;
import io.flinkcumo.runtime.core.SharedModelRegistry.Lease;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * Images/s through Flink SQL against direct engine calls on the same data (docs/benchmarks.md).
 * Not a test: run it by hand on a quiet machine.
 *
 * <p>Direct: one thread prepares 1 or 8 requests, then {@link CumoEngine#run} runs them as one batch.
 * Flink: a local cluster runs {@code SELECT cumo_answer_async(image, question)} (streaming) and
 * {@code SELECT cumo_answer(image, question)} (batch, one request in flight per subtask) over a
 * parallel source; the time runs from submitting the query to the last row. The model is loaded
 * before the clock starts in both cases (the benchmark holds a lease, so the job's functions reuse
 * the loaded model); Flink's job start-up is included.
 *
 * <pre>
 * java -cp ... io.flinkcumo.udf.SqlThroughputBenchmark [model-dir] [rows] [max-new-tokens] [rounds] [max-batch-wait]
 * </pre>
 */
public final class SqlThroughputBenchmark {

    private static final String QUESTION = "Describe the image in one sentence.";
    private static final int BATCH = 8;

    private SqlThroughputBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args.length > 0 ? args[0] : "models/cumo-tiny").toAbsolutePath();
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 192;
        int maxNewTokens = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        String maxBatchWait = args.length > 4 ? args[4] : "20 ms";
        List<byte[]> images = images(Path.of("samples/images"));
        Map<String, String> options = Map.of(
                "model-path", model.toString(),
                "device", "cpu",
                "max-new-tokens", String.valueOf(maxNewTokens),
                "max-batch-size", String.valueOf(BATCH),
                "max-batch-wait", maxBatchWait,
                "caption-prompt", QUESTION);
        System.out.printf(Locale.ROOT, "model %s, %d rows, %d new tokens, batch %d, max-batch-wait %s, %d cores%n",
                model.getFileName(), rows, maxNewTokens, BATCH, maxBatchWait, Runtime.getRuntime().availableProcessors());

        try (Lease<CumoService> lease = CumoService.acquire(CumoRuntimeOptions.settings(options).spec(DeviceSpec.CPU))) {
            CumoEngine engine = lease.get().engine();
            BatchSizes batches = new BatchSizes();
            lease.get().attach(batches);
            direct(engine, images, 2 * BATCH, 1, maxNewTokens); // warm-up
            for (int round = 0; round < rounds; round++) {
                for (int size : new int[] {1, BATCH / 2, BATCH}) {
                    report("direct engine, batches of " + size, rows, direct(engine, images, rows, size, maxNewTokens), null);
                }
                batches.reset();
                report("Flink SQL streaming, cumo_answer_async, parallelism 1", rows,
                        sql(RuntimeExecutionMode.STREAMING, 1, "cumo_answer_async(image, question)", options, images, rows),
                        batches);
                batches.reset();
                report("Flink SQL batch, cumo_answer, parallelism " + BATCH, rows,
                        sql(RuntimeExecutionMode.BATCH, BATCH, "cumo_answer(image, question)", options, images, rows),
                        batches);
            }
        }
    }

    private static long direct(CumoEngine engine, List<byte[]> images, int rows, int batchSize, int maxNewTokens) {
        GenerationConfig config = GenerationConfig.greedy(maxNewTokens);
        long start = System.nanoTime();
        long preparing = 0;
        for (int done = 0; done < rows; done += batchSize) {
            List<CumoEngine.Prepared> batch = new ArrayList<>();
            long prepareStart = System.nanoTime();
            for (int i = done; i < Math.min(rows, done + batchSize); i++) {
                batch.add(engine.prepare(CumoRequest.of("r" + i, images.get(i % images.size()), QUESTION, config)));
            }
            preparing += System.nanoTime() - prepareStart;
            engine.run(batch);
        }
        long elapsed = System.nanoTime() - start;
        System.out.printf(Locale.ROOT, "  (%.0f%% of the time preparing images and prompts)%n", 100.0 * preparing / elapsed);
        return elapsed;
    }

    private static long sql(RuntimeExecutionMode mode, int parallelism, String call, Map<String, String> options,
            List<byte[]> images, int rows) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(mode);
        env.setParallelism(parallelism);
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env,
                mode == RuntimeExecutionMode.BATCH ? EnvironmentSettings.inBatchMode() : EnvironmentSettings.inStreamingMode());
        tEnv.getConfig().set("table.exec.async-scalar.max-concurrent-operations", String.valueOf(2 * BATCH));
        List<Row> data = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            data.add(Row.of("r" + i, images.get(i % images.size()), QUESTION));
        }
        tEnv.createTemporaryView("images", env.fromSequence(0, rows - 1)
                .map(new RowAt(data))
                .returns(Types.ROW_NAMED(new String[] {"id", "image", "question"},
                        Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO, Types.STRING)));
        String with = options.entrySet().stream()
                .map(e -> "'" + e.getKey() + "' = '" + e.getValue() + "'")
                .collect(Collectors.joining(", "));
        tEnv.executeSql("LOAD MODULE cumo WITH (" + with + ")");
        long start = System.nanoTime();
        long first = 0;
        int count = 0;
        try (CloseableIterator<Row> result = tEnv.executeSql("SELECT id, " + call + " FROM images").collect()) {
            while (result.hasNext()) {
                result.next();
                if (count++ == 0) {
                    first = System.nanoTime();
                }
            }
        }
        long elapsed = System.nanoTime() - start;
        if (mode == RuntimeExecutionMode.STREAMING) { // a batch job emits its rows only at the end
            System.out.printf(Locale.ROOT, "  (job start-up to the first row %.1f s; after it %.2f images/s)%n",
                    (first - start) / 1e9, (rows - 1) / ((start + elapsed - first) / 1e9));
        }
        if (count != rows) {
            throw new IllegalStateException("expected " + rows + " rows, got " + count);
        }
        return elapsed;
    }

    private static void report(String what, int rows, long nanos, BatchSizes batches) {
        System.out.printf(Locale.ROOT, "%-55s %6.2f images/s (%.1f s%s)%n", what, rows / (nanos / 1e9), nanos / 1e9,
                batches == null ? "" : String.format(Locale.ROOT, ", mean batch %.1f", batches.mean()));
    }

    /** Mean size of the shared batcher's batches. */
    private static final class BatchSizes implements BatcherListener {
        private final AtomicLong batches = new AtomicLong();
        private final AtomicLong requests = new AtomicLong();

        @Override
        public void onBatchFinished(int batchSize, int failedRequests, long latencyNanos) {
            batches.incrementAndGet();
            requests.addAndGet(batchSize);
        }

        void reset() {
            batches.set(0);
            requests.set(0);
        }

        double mean() {
            return batches.get() == 0 ? 0 : (double) requests.get() / batches.get();
        }
    }

    private static List<byte[]> images(Path dir) throws Exception {
        List<byte[]> images = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().matches("(?i).*\\.(png|jpe?g)$")).sorted().toList()) {
                images.add(Files.readAllBytes(file));
            }
        }
        return images;
    }

    /** Maps an index of the parallel sequence source to a row. */
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
