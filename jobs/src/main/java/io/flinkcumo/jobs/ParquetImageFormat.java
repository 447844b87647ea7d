package io.flinkcumo.jobs;

import io.flinkcumo.jobs.ParquetImageInput.ImageKind;
import java.io.IOException;
import io.flinkcumo.runtime.core.CumoInputException;
import io.flinkcumo.runtime.core.ImageFiles;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.parquet.ParquetColumnarRowInputFormat;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;

/**
 * Reads the image and id columns of Parquet files as {@link ImageRow}s with Flink's vectorised
 * Parquet reader ({@link ParquetColumnarRowInputFormat}), in small batches so that image bytes do
 * not fill the heap. A file is one split, read by one subtask from start to end, so each row's
 * position in its file is known and a file's rows arrive in order.
 *
 * <p>Path-only images are read only under the image base ({@code imageBase}, or the directory of
 * the Parquet file when there is none): relative paths resolve against it, and a path that leaves
 * it (absolute, {@code ..}, a {@code file:} URI or a symlink elsewhere) gives a row with an error
 * naming the rule ({@link ImageFiles}), as does a path that does not exist.
 *
 * <p>A corrupt row group does not fail the job: the rows read before it are captioned, and every
 * row from the first unreadable one to the end of the file (the footer gives the count) is
 * reported with an error naming the file, the row group and the rows.
 */
public final class ParquetImageFormat implements BulkFormat<ImageRow, FileSourceSplit> {

    private static final long serialVersionUID = 1L;

    private final ParquetColumnarRowInputFormat<FileSourceSplit> parquet;
    private final ImageKind imageKind;
    private final int bytesField;
    private final int pathField;
    private final int structArity;
    private final LogicalTypeRoot idType;
    private final Map<String, String> names = new HashMap<>();
    private final Map<String, Long> rowCounts = new HashMap<>();
    private final long maxImageBytes;
    private final String imageBase;

    /**
     * @param input the planned input
     * @param batchRows rows per vectorised batch; each batch holds its rows' image bytes
     * @param imageBase directory (or URI) relative image paths are resolved against; null for the
     *     Parquet file's directory
     */
    public ParquetImageFormat(ParquetImageInput input, int batchRows, String imageBase) {
        this(input, batchRows, imageBase, Long.MAX_VALUE);
    }

    /**
     * @param maxImageBytes {@code max-image-bytes}, for the path checks
     */
    public ParquetImageFormat(ParquetImageInput input, int batchRows, String imageBase, long maxImageBytes) {
        if (batchRows < 1) {
            throw new IllegalArgumentException("batch rows must be >= 1, got " + batchRows);
        }
        RowType type = input.readType();
        this.parquet = new ParquetColumnarRowInputFormat<>(
                new org.apache.hadoop.conf.Configuration(), type, InternalTypeInfo.of(type), batchRows, true, true);
        this.imageKind = input.imageKind();
        LogicalType image = type.getTypeAt(0);
        if (image instanceof RowType struct) {
            this.bytesField = struct.getFieldIndex("bytes");
            this.pathField = struct.getFieldIndex("path");
            this.structArity = struct.getFieldCount();
        } else {
            this.bytesField = -1;
            this.pathField = -1;
            this.structArity = 0;
        }
        this.idType = input.idColumn() != null ? type.getTypeAt(1).getTypeRoot() : null;
        for (ParquetImageInput.InputFile file : input.files()) {
            names.put(new Path(file.path()).toUri().getPath(), file.name());
            rowCounts.put(new Path(file.path()).toUri().getPath(), file.rows());
        }
        this.imageBase = imageBase;
        this.maxImageBytes = maxImageBytes;
    }

    @Override
    public Reader<ImageRow> createReader(Configuration config, FileSourceSplit split) throws IOException {
        return new ImageReader(parquet.createReader(config, split), split.path());
    }

    @Override
    public Reader<ImageRow> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        return new ImageReader(parquet.restoreReader(config, split), split.path());
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<ImageRow> getProducedType() {
        return TypeInformation.of(ImageRow.class);
    }

    /** The directory images of {@code parquetFile} may be read from. */
    public static String imageBase(String imageBase, Path parquetFile) {
        Path base = imageBase != null ? ParquetImageInput.absolute(imageBase) : parquetFile.getParent();
        String scheme = base.toUri().getScheme();
        return scheme == null || scheme.equals("file") ? base.toUri().getPath() : base.toString();
    }

    static String oneLine(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 300; t = t.getCause()) {
            if (t.getMessage() != null) {
                sb.append(sb.isEmpty() ? "" : ": ").append(t.getMessage());
            }
        }
        return (sb.isEmpty() ? e.getClass().getSimpleName() : sb.toString()).replace('\n', ' ');
    }

    private ImageRow toImageRow(RowData row, String file, long position, Path parquetFile, ImageFiles sandbox) {
        byte[] bytes = null;
        String path = null;
        if (!row.isNullAt(0)) {
            switch (imageKind) {
                case BYTES -> bytes = row.getBinary(0);
                case PATH -> path = row.getString(0).toString();
                case STRUCT -> {
                    RowData struct = row.getRow(0, structArity);
                    bytes = bytesField < 0 || struct.isNullAt(bytesField) ? null : struct.getBinary(bytesField);
                    path = pathField < 0 || struct.isNullAt(pathField) ? null : struct.getString(pathField).toString();
                }
            }
        }
        String id = idType != null && !row.isNullAt(1) ? idText(row) : file + "#" + position;
        if (bytes == null && path != null && !path.isEmpty()) {
            try {
                return new ImageRow(file, position, id, null, sandbox.resolve(path));
            } catch (CumoInputException e) {
                return ImageRow.failed(file, position, id, e.getMessage());
            }
        }
        return new ImageRow(file, position, id, bytes, path);
    }

    private String idText(RowData row) {
        return switch (idType) {
            case VARCHAR, CHAR -> row.getString(1).toString();
            case TINYINT -> Byte.toString(row.getByte(1));
            case SMALLINT -> Short.toString(row.getShort(1));
            case INTEGER -> Integer.toString(row.getInt(1));
            case BIGINT -> Long.toString(row.getLong(1));
            case VARBINARY, BINARY -> java.util.HexFormat.of().formatHex(row.getBinary(1));
            default -> throw new IllegalStateException("unsupported id type " + idType);
        };
    }

    /** Wraps the Parquet reader's batches, converting each row as it is taken. */
    private final class ImageReader implements Reader<ImageRow> {
        private final Reader<RowData> delegate;
        private final Path path;
        private final String file;
        private final ImageFiles sandbox;
        private final long rows;
        /** Rows handed out so far; after a corrupt row group, the rows reported as failed. */
        private long delivered;
        private boolean corrupt;

        ImageReader(Reader<RowData> delegate, Path path) {
            this.delegate = delegate;
            this.path = path;
            String name = names.get(path.toUri().getPath());
            this.file = name != null ? name : path.getName();
            this.sandbox = new ImageFiles(List.of(imageBase(imageBase, path)), maxImageBytes);
            Long count = rowCounts.get(path.toUri().getPath());
            this.rows = count != null ? count : -1;
        }

        @Override
        public RecordIterator<ImageRow> readBatch() throws IOException {
            if (corrupt) {
                return null;
            }
            RecordIterator<RowData> batch;
            try {
                batch = delegate.readBatch();
            } catch (IOException | RuntimeException e) {
                corrupt = true;
                return failedRest(e);
            }
            if (batch == null) {
                return null;
            }
            return new RecordIterator<>() {
                @Override
                public RecordAndPosition<ImageRow> next() {
                    RecordAndPosition<RowData> next = batch.next();
                    if (next == null) {
                        return null;
                    }
                    // the skip count is the position after this record
                    long position = next.getRecordSkipCount() - 1;
                    delivered = next.getRecordSkipCount();
                    return new RecordAndPosition<>(
                            toImageRow(next.getRecord(), file, position, path, sandbox), next.getOffset(), next.getRecordSkipCount());
                }

                @Override
                public void releaseBatch() {
                    batch.releaseBatch();
                }
            };
        }

        /**
         * One failed row for each row not yet read (from the footer's count): the rows of the
         * corrupt row group and of every later one, each naming the file and the problem.
         */
        private RecordIterator<ImageRow> failedRest(Exception e) {
            long first = delivered;
            long last = rows - 1;
            String problem = "unreadable Parquet data in " + file + " (row group " + rowGroupOf(first) + ", rows " + first
                    + "-" + last + " of " + rows + " are not read): " + oneLine(e);
            return new RecordIterator<>() {
                private long position = first;

                @Override
                public RecordAndPosition<ImageRow> next() {
                    if (position > last) {
                        return null;
                    }
                    long p = position++;
                    return new RecordAndPosition<>(
                            ImageRow.failed(file, p, file + "#" + p, problem), RecordAndPosition.NO_OFFSET, p + 1);
                }

                @Override
                public void releaseBatch() {}
            };
        }

        private String rowGroupOf(long row) {
            try (org.apache.parquet.hadoop.ParquetFileReader reader = org.apache.parquet.hadoop.ParquetFileReader.open(
                    new org.apache.flink.formats.parquet.ParquetInputFile(path.getFileSystem().open(path),
                            path.getFileSystem().getFileStatus(path).getLen()))) {
                long start = 0;
                int index = 0;
                for (org.apache.parquet.hadoop.metadata.BlockMetaData block : reader.getRowGroups()) {
                    if (row < start + block.getRowCount()) {
                        return (index + 1) + " of " + reader.getRowGroups().size();
                    }
                    start += block.getRowCount();
                    index++;
                }
            } catch (IOException | RuntimeException ignored) {
                // the footer was readable when the job was planned; without it the index is unknown
            }
            return "?";
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }
}
