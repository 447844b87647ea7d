package io.flinkcumo.jobs;

import io.flinkcumo.jobs.ParquetImageInput.ImageKind;
import java.io.IOException;
import java.util.HashMap;
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
 * <p>Path-only images are resolved against {@code imageBase}, or against the directory of the
 * Parquet file when there is none; absolute paths and URIs are used as they are.
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
    private final String imageBase;

    /**
     * @param input the planned input
     * @param batchRows rows per vectorised batch; each batch holds its rows' image bytes
     * @param imageBase directory (or URI) relative image paths are resolved against; null for the
     *     Parquet file's directory
     */
    public ParquetImageFormat(ParquetImageInput input, int batchRows, String imageBase) {
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
        }
        this.imageBase = imageBase;
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

    private ImageRow toImageRow(RowData row, String file, long position, Path parquetFile) {
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
        String resolved = bytes == null && path != null && !path.isEmpty() ? resolve(path, parquetFile) : path;
        String id = idType != null && !row.isNullAt(1) ? idText(row) : file + "#" + position;
        return new ImageRow(file, position, id, bytes, bytes == null ? resolved : path);
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

    /** An absolute path or URI as it is; a relative one against the base (or the Parquet file's directory). */
    private String resolve(String path, Path parquetFile) {
        if (path.startsWith("/") || new Path(path).toUri().getScheme() != null) {
            return path;
        }
        Path base = imageBase != null ? ParquetImageInput.absolute(imageBase) : parquetFile.getParent();
        return new Path(base, path).toString();
    }

    /** Wraps the Parquet reader's batches, converting each row as it is taken. */
    private final class ImageReader implements Reader<ImageRow> {
        private final Reader<RowData> delegate;
        private final Path path;
        private final String file;

        ImageReader(Reader<RowData> delegate, Path path) {
            this.delegate = delegate;
            this.path = path;
            String name = names.get(path.toUri().getPath());
            this.file = name != null ? name : path.getName();
        }

        @Override
        public RecordIterator<ImageRow> readBatch() throws IOException {
            RecordIterator<RowData> batch = delegate.readBatch();
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
                    return new RecordAndPosition<>(
                            toImageRow(next.getRecord(), file, position, path), next.getOffset(), next.getRecordSkipCount());
                }

                @Override
                public void releaseBatch() {
                    batch.releaseBatch();
                }
            };
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }
}
