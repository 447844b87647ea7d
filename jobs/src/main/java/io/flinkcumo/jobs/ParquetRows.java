package io.flinkcumo.jobs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.parquet.ParquetInputFile;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Reads the flat (primitive-column) rows of a small Parquet file, such as the caption job's output,
 * into maps: for printing results on the command line. Strings become {@code String}, integers
 * {@code Integer}/{@code Long}, floating point {@code Double}, other binary {@code byte[]}, and a
 * null stays null.
 */
public final class ParquetRows {

    private ParquetRows() {}

    /** Up to {@code limit} rows of {@code file}, in file order. */
    public static List<Map<String, Object>> read(Path file, int limit) throws IOException {
        FileSystem fs = file.getFileSystem();
        long length = fs.getFileStatus(file).getLen();
        List<Map<String, Object>> rows = new ArrayList<>();
        try (FSDataInputStream in = fs.open(file);
                ParquetFileReader reader = ParquetFileReader.open(new ParquetInputFile(in, length))) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            PageReadStore pages;
            while (rows.size() < limit && (pages = reader.readNextRowGroup()) != null) {
                RecordReader<Group> records =
                        new ColumnIOFactory().getColumnIO(schema).getRecordReader(pages, new GroupRecordConverter(schema));
                for (long i = 0; i < pages.getRowCount() && rows.size() < limit; i++) {
                    rows.add(toMap(schema, records.read()));
                }
            }
        }
        return rows;
    }

    private static Map<String, Object> toMap(MessageType schema, Group group) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int f = 0; f < schema.getFieldCount(); f++) {
            Type type = schema.getType(f);
            row.put(type.getName(), group.getFieldRepetitionCount(f) == 0 || !type.isPrimitive() ? null : value(type, group, f));
        }
        return row;
    }

    private static Object value(Type type, Group group, int f) {
        PrimitiveType p = type.asPrimitiveType();
        return switch (p.getPrimitiveTypeName()) {
            case INT32 -> group.getInteger(f, 0);
            case INT64 -> group.getLong(f, 0);
            case DOUBLE -> group.getDouble(f, 0);
            case FLOAT -> (double) group.getFloat(f, 0);
            case BOOLEAN -> group.getBoolean(f, 0);
            case BINARY -> p.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                    ? group.getString(f, 0)
                    : group.getBinary(f, 0).getBytes();
            default -> group.getValueToString(f, 0);
        };
    }
}
