package io.flinkcumo.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkcumo.stats.RoutingStatRow;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.ExtensionTypeVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Arrow Java's view of written files in the same JSON shape tools/arrow-reader prints (rows,
 * files, columns: nulls, values, sum, counts of strings), so the two readers can be compared.
 */
final class ArrowSummary {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ArrowSummary() {}

    /** Committed files under {@code dir} (recursively; hidden in-progress and pending files skipped), in name order. */
    static List<Path> committedFiles(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith(".") && !p.getFileName().toString().startsWith("_"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads every batch of every file with the given visitor. */
    static void forEachBatch(List<Path> files, BatchVisitor visitor) throws IOException {
        FixedShapeTensorType.register();
        try (BufferAllocator allocator = new RootAllocator()) {
            for (Path file : files) {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                        ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
                    VectorSchemaRoot root = reader.getVectorSchemaRoot();
                    int batches = reader.getRecordBlocks().size();
                    for (int b = 0; b < batches; b++) {
                        reader.loadRecordBatch(reader.getRecordBlocks().get(b));
                        visitor.visit(file, b, root);
                    }
                }
            }
        }
    }

    /** Called with each loaded batch; the root is reused for the next batch. */
    @FunctionalInterface
    interface BatchVisitor {
        void visit(Path file, int batch, VectorSchemaRoot root) throws IOException;
    }

    /** The routing-statistics rows in {@code files}, read column by column with Arrow Java. */
    static List<RoutingStatRow> routingRows(List<Path> files) throws IOException {
        List<RoutingStatRow> rows = new ArrayList<>();
        forEachBatch(files, (file, batch, root) -> {
            assertThat(root.getSchema()).isEqualTo(ArrowSchemas.toSchema(RoutingStatRow.ROW_TYPE, ArrowWriteOptions.defaults()));
            for (int r = 0; r < root.getRowCount(); r++) {
                rows.add(new RoutingStatRow(
                        root.getVector("request_id").getObject(r).toString(),
                        root.getVector("component").getObject(r).toString(),
                        (Integer) root.getVector("layer").getObject(r),
                        (Integer) root.getVector("expert").getObject(r),
                        (Long) root.getVector("layer_tokens").getObject(r),
                        (Long) root.getVector("tokens_top1").getObject(r),
                        (Long) root.getVector("tokens_topk").getObject(r),
                        (Double) root.getVector("mean_router_prob").getObject(r),
                        (Double) root.getVector("mean_gate_weight").getObject(r),
                        (Double) root.getVector("router_entropy").getObject(r)));
            }
        });
        return rows;
    }

    /** The Java-side summary, in the JS reader's JSON shape. */
    static ObjectNode summarize(List<Path> files) throws IOException {
        ObjectNode out = JSON.createObjectNode();
        ObjectNode columns = JSON.createObjectNode();
        long[] rows = {0};
        TreeMap<String, Acc> accs = new TreeMap<>();
        forEachBatch(files, (file, batch, root) -> {
            rows[0] += root.getRowCount();
            for (FieldVector v : root.getFieldVectors()) {
                Acc acc = accs.computeIfAbsent(v.getName(), n -> new Acc());
                acc.nulls += v.getNullCount();
                if (v instanceof VarCharVector s) {
                    for (int i = 0; i < s.getValueCount(); i++) {
                        if (!s.isNull(i)) {
                            acc.counts.merge(new String(s.get(i), java.nio.charset.StandardCharsets.UTF_8), 1L, Long::sum);
                            acc.values++;
                        }
                    }
                } else {
                    addLeaves(v, 0, v.getValueCount(), acc);
                }
            }
        });
        out.put("rows", rows[0]);
        accs.forEach((name, acc) -> {
            ObjectNode c = columns.putObject(name);
            c.put("nulls", acc.nulls);
            c.put("values", acc.values);
            c.put("sum", acc.sum);
            if (!acc.counts.isEmpty()) {
                c.put("distinct", acc.counts.size());
                ObjectNode counts = c.putObject("counts");
                acc.counts.forEach(counts::put);
            }
        });
        out.set("columns", columns);
        return out;
    }

    private static final class Acc {
        long nulls;
        long values;
        double sum;
        final TreeMap<String, Long> counts = new TreeMap<>();
    }

    private static void addLeaves(FieldVector v, int from, int to, Acc acc) {
        if (v instanceof ExtensionTypeVector<?> ext) {
            addLeaves((FieldVector) ext.getUnderlyingVector(), from, to, acc);
        } else if (v instanceof ListVector list) {
            for (int i = from; i < to; i++) {
                if (!list.isNull(i)) {
                    addLeaves(list.getDataVector(), list.getElementStartIndex(i), list.getElementEndIndex(i), acc);
                }
            }
        } else if (v instanceof FixedSizeListVector list) {
            int n = list.getListSize();
            for (int i = from; i < to; i++) {
                if (!list.isNull(i)) {
                    addLeaves(list.getDataVector(), i * n, (i + 1) * n, acc);
                }
            }
        } else {
            for (int i = from; i < to; i++) {
                if (!v.isNull(i)) {
                    acc.sum += leaf(v, i);
                    acc.values++;
                }
            }
        }
    }

    private static double leaf(FieldVector v, int i) {
        if (v instanceof FloatingPointVector f) {
            return f.getValueAsDouble(i);
        } else if (v instanceof TimeStampVector t) {
            return t.get(i);
        } else if (v instanceof BaseIntVector n) {
            return n.getValueAsLong(i);
        } else if (v instanceof BitVector b) {
            return b.get(i);
        } else if (v instanceof DateDayVector d) {
            return d.get(i);
        }
        return 0;
    }
}
