package io.flinkcumo.arrow;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.function.SerializableFunction;

import java.io.IOException;
import java.lang.ref.Cleaner;

/**
 * Writes one part file as an Arrow IPC file: the schema when created, a record batch whenever
 * {@link ArrowWriteOptions} says one is full and on {@link #flush()}, and the footer on
 * {@link #finish()}. The FileSink finishes a bulk part file on every checkpoint, so each committed
 * file is a complete Arrow file. The off-heap buffers belong to this writer's own allocator; a
 * writer dropped without {@code finish()} (a failed task) releases them when it is garbage
 * collected.
 */
final class ArrowBulkWriter<T> implements BulkWriter<T> {

    private static final Cleaner CLEANER = Cleaner.create();

    private final FSDataOutputStream out;
    private final SerializableFunction<T, RowData> toRow;
    private final ArrowWriteOptions options;
    private final BufferAllocator allocator;
    private final RowDataArrowWriter rows;
    private final ArrowFileWriter file;
    private final Cleaner.Cleanable release;

    ArrowBulkWriter(FSDataOutputStream out, RowType type, ArrowWriteOptions options, SerializableFunction<T, RowData> toRow)
            throws IOException {
        this.out = out;
        this.toRow = toRow;
        this.options = options;
        this.allocator = new RootAllocator();
        RowDataArrowWriter writer = null;
        try {
            writer = new RowDataArrowWriter(type, options, allocator);
            this.file = new ArrowFileWriter(writer.finishBatch(), null, new OutputStreamChannel(out));
            file.start();
        } catch (IOException | RuntimeException e) {
            new Release(writer, allocator).run();
            throw e;
        }
        this.rows = writer;
        this.release = CLEANER.register(this, new Release(writer, allocator));
    }

    /** Frees the buffers; references no writer, so the writer can become unreachable. */
    private record Release(RowDataArrowWriter rows, BufferAllocator allocator) implements Runnable {
        @Override
        public void run() {
            if (rows != null) {
                rows.close();
            }
            allocator.close();
        }
    }

    @Override
    public void addElement(T element) throws IOException {
        rows.write(toRow.apply(element));
        if (rows.rowCount() >= options.batchRows() || allocator.getAllocatedMemory() >= options.batchBytes()) {
            writeBatch();
        }
    }

    @Override
    public void flush() throws IOException {
        writeBatch();
        out.flush();
    }

    @Override
    public void finish() throws IOException {
        try {
            writeBatch();
            file.end();
            out.flush();
        } finally {
            release.clean();
        }
    }

    private void writeBatch() throws IOException {
        if (rows.rowCount() > 0) {
            rows.finishBatch();
            file.writeBatch();
            rows.clear();
        }
    }
}
