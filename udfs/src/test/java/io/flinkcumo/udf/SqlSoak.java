package io.flinkcumo.udf;

import io.flinkcumo.engine.HostileCorpus;
import io.flinkcumo.runtime.core.CumoService;
import io.flinkcumo.runtime.CumoTestData;

import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Soak run through the SQL path (a documented command, not a test): N rows cycling over the good
 * sample images and the hostile corpus go through {@code cumo_answer_details} with the
 * {@code error-column} strategy in one streaming job; prints rows answered and failed, and resident
 * memory, heap and live native tensors at the start, after the job, and after the model is freed.
 *
 * <pre>
 * java -Xmx4g -Dai.djl.offline=true -cp "$CP" io.flinkcumo.udf.SqlSoak models/cumo-tiny 10000
 * </pre>
 */
public final class SqlSoak {

    public static void main(String[] args) throws Exception {
        String model = args.length > 0 ? args[0] : CumoTestData.modelDir().toString();
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        List<Row> pool = new ArrayList<>();
        CumoTestData.images().forEach((name, bytes) -> pool.add(Row.of(name, bytes, CumoTestData.QUESTION)));
        for (HostileCorpus.Entry e : HostileCorpus.entries()) {
            pool.add(Row.of(e.id(), e.image(), e.question()));
        }
        System.out.println("start:  " + memory());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
        env.setParallelism(2);
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
        tEnv.createTemporaryView("soak_input", env.fromSequence(0, n - 1).map(new Pick(pool)).returns(Types.ROW_NAMED(
                new String[] {"id", "image", "question"}, Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO, Types.STRING)));
        tEnv.executeSql("LOAD MODULE cumo WITH ('model-path' = '" + model + "', 'error-handling' = 'error-column',"
                + " 'max-new-tokens' = '4', 'max-batch-size' = '8')");
        long answered = 0;
        long failed = 0;
        long nulls = 0;
        long t0 = System.nanoTime();
        try (CloseableIterator<Row> it = tEnv.executeSql(
                "SELECT d.answer, d.error FROM (SELECT cumo_answer_details(image, question) AS d FROM soak_input)").collect()) {
            while (it.hasNext()) {
                Row r = it.next();
                if (r.getField(0) != null) {
                    answered++;
                } else if (r.getField(1) != null) {
                    failed++;
                } else {
                    nulls++;
                }
                long done = answered + failed + nulls;
                if (done % 1000 == 0) {
                    System.out.printf("%d/%d rows, %.1f rows/s, %s%n", done, n, done / ((System.nanoTime() - t0) / 1e9), memory());
                }
            }
        }
        System.out.printf("rows: %d answered, %d errors, %d NULL inputs (%d in)%n", answered, failed, nulls, n);
        System.out.println("after job: " + memory());
        long deadline = System.currentTimeMillis() + 30_000;
        while (CumoService.registry().loadedCount() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        System.out.println("model freed (" + (CumoService.registry().loadedCount() == 0) + "): " + memory());
        System.exit(answered + failed + nulls == n ? 0 : 1);
    }

    private static String memory() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        long rss = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10;
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return String.format("RSS %d MiB, heap %d MiB, live native tensors %d", rss,
                (rt.totalMemory() - rt.freeMemory()) >> 20, CumoTestData.liveNativeArrays());
    }

    /** Row i of the soak: the pool cycled. */
    private static final class Pick implements MapFunction<Long, Row> {
        private static final long serialVersionUID = 1L;
        private final List<Row> pool;

        Pick(List<Row> pool) {
            this.pool = new ArrayList<>(pool);
        }

        @Override
        public Row map(Long i) {
            Row r = pool.get((int) (i % pool.size()));
            return Row.of(r.getField(0) + "#" + i, r.getField(1), r.getField(2));
        }
    }
}
