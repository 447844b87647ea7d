package io.flinkcumo.jobs;

import io.flinkcumo.arrow.ArrowBulkWriters;
import io.flinkcumo.stats.RoutingStatRow;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.parquet.row.ParquetRowDataBuilder;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;

/**
 * Writes {@link CaptionResult}s into the {@link CaptionFiles} layout: one captions file (Parquet)
 * and one routing-statistics file (Arrow IPC or Parquet) per input file, rows in the order they
 * arrive, which is input order when the sink is chained to an ordered async operator after a
 * non-splitting source.
 *
 * <p>Files are written under a hidden in-progress name and renamed when the input ends, so a
 * reader never sees a partial file, and a failed attempt leaves nothing behind (its in-progress
 * files are deleted; in batch execution the input file is read again and rewritten). For bounded
 * (batch) jobs only: it does not take part in checkpoints. Arrow needs {@code
 * --add-opens=java.base/java.nio=ALL-UNNAMED} on the TaskManagers (docs/arrow.md).
 */
public final class CaptionFilesSink implements Sink<CaptionResult> {

    private static final long serialVersionUID = 1L;

    /** How routing statistics are written. */
    public enum RoutingFormat {
        /** Arrow IPC files ({@code 'format' = 'arrow'}'s writer). */
        ARROW(".arrow"),
        /** Parquet files. */
        PARQUET(".parquet");

        final String extension;

        RoutingFormat(String extension) {
            this.extension = extension;
        }

        BulkWriter.Factory<RowData> writerFactory() {
            return this == ARROW
                    ? ArrowBulkWriters.forRowType(RoutingStatRow.ROW_TYPE)
                    : parquet(RoutingStatRow.ROW_TYPE);
        }
    }

    private final String outputDir;
    private final RoutingFormat routing;

    /**
     * @param outputDir the output directory, already {@link CaptionFiles#prepare prepared}
     * @param routing how to write the routing statistics; null for not at all
     */
    public CaptionFilesSink(String outputDir, RoutingFormat routing) {
        this.outputDir = outputDir;
        this.routing = routing;
    }

    static BulkWriter.Factory<RowData> parquet(RowType type) {
        return ParquetRowDataBuilder.createWriterFactory(type, new org.apache.hadoop.conf.Configuration(), true);
    }

    @Override
    public SinkWriter<CaptionResult> createWriter(WriterInitContext context) throws IOException {
        String attempt = context.getTaskInfo().getIndexOfThisSubtask() + "-" + context.getTaskInfo().getAttemptNumber();
        return new Writer(new Path(outputDir), routing, attempt);
    }

    /** One output file being written. */
    private static final class OpenFile {
        final Path target;
        final Path inProgress;
        final FSDataOutputStream stream;
        final BulkWriter<RowData> writer;

        OpenFile(Path target, String attempt, BulkWriter.Factory<RowData> factory) throws IOException {
            this.target = target;
            this.inProgress = new Path(target.getParent(), "." + target.getName() + ".inprogress-" + attempt);
            FileSystem fs = target.getFileSystem();
            fs.mkdirs(target.getParent());
            this.stream = fs.create(inProgress, FileSystem.WriteMode.OVERWRITE);
            this.writer = factory.create(stream);
        }

        void commit() throws IOException {
            writer.finish();
            stream.close();
            FileSystem fs = target.getFileSystem();
            fs.delete(target, false);
            if (!fs.rename(inProgress, target)) {
                throw new IOException("cannot rename " + inProgress + " to " + target);
            }
        }

        void abort() {
            try {
                stream.close();
            } catch (IOException | RuntimeException ignored) {
                // the file is deleted next
            }
            try {
                target.getFileSystem().delete(inProgress, false);
            } catch (IOException ignored) {
                // best effort: a hidden in-progress file is ignored by readers
            }
        }
    }

    private static final class Writer implements SinkWriter<CaptionResult> {
        private final Path outputDir;
        private final RoutingFormat routing;
        private final String attempt;
        private final BulkWriter.Factory<RowData> captionsFactory = parquet(CaptionResult.ROW_TYPE);
        private final BulkWriter.Factory<RowData> routingFactory;
        private final Map<String, OpenFile[]> open = new LinkedHashMap<>();

        Writer(Path outputDir, RoutingFormat routing, String attempt) {
            this.outputDir = outputDir;
            this.routing = routing;
            this.attempt = attempt;
            this.routingFactory = routing == null ? null : routing.writerFactory();
        }

        @Override
        public void write(CaptionResult result, Context context) throws IOException {
            OpenFile[] files = open.get(result.file);
            if (files == null) {
                files = new OpenFile[] {
                    new OpenFile(CaptionFiles.outputFile(outputDir, CaptionFiles.CAPTIONS, result.file, ".parquet"), attempt,
                            captionsFactory),
                    routing != null
                            ? new OpenFile(CaptionFiles.outputFile(outputDir, CaptionFiles.ROUTING, result.file, routing.extension),
                                    attempt, routingFactory)
                            : null
                };
                open.put(result.file, files);
            }
            files[0].writer.addElement(result.toRowData());
            if (files[1] != null && result.routing != null) {
                for (RoutingStatRow r : result.routing) {
                    files[1].writer.addElement(r.toRowData());
                }
            }
        }

        @Override
        public void flush(boolean endOfInput) throws IOException {
            if (!endOfInput) {
                return;
            }
            for (OpenFile[] files : open.values()) {
                for (OpenFile file : files) {
                    if (file != null) {
                        file.commit();
                    }
                }
            }
            open.clear();
        }

        @Override
        public void close() {
            for (OpenFile[] files : open.values()) {
                for (OpenFile file : files) {
                    if (file != null) {
                        file.abort();
                    }
                }
            }
            open.clear();
        }
    }
}
