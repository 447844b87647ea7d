package io.flinkcumo.jobs;

import io.flinkcumo.eval.BenchItem;
import io.flinkcumo.eval.BenchTask;
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
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * A benchmark's questions, read from its Parquet files (the lmms-lab layout) on the client: every
 * column but the image, nested values included (lists as {@code List}, structs as {@code Map}),
 * turned into {@link BenchItem}s by the task. Files in the order and with the names {@link
 * ParquetImageInput} gives them, so that an item can be found again from an image row's file and
 * position.
 */
public final class BenchData {

    /**
     * One row's questions.
     *
     * @param file the file's name relative to the input (as {@link ImageRow#file})
     * @param row the row's position in its file
     * @param items its questions; empty when the row is bad
     * @param error why the row gives no questions (a missing or malformed column), or null
     */
    public record Row(String file, long row, List<BenchItem> items, String error) {}

    private BenchData() {}

    /**
     * The rows of {@code input}.
     *
     * @param imageColumn the column not read
     * @param limit most rows to read (0: all)
     */
    public static List<Row> read(String input, BenchTask task, String imageColumn, long limit) throws IOException {
        List<Row> rows = new ArrayList<>();
        long position = 0;
        for (ParquetImageInput.InputFile file : ParquetImageInput.listFiles(input)) {
            long inFile = 0;
            java.util.function.Predicate<Type> skip = task.multiImage()
                    ? BenchData::isImageType : t -> t.getName().equals(imageColumn);
            for (Map<String, Object> values : rows(new Path(file.path()), skip)) {
                if (limit > 0 && position >= limit) {
                    return rows;
                }
                try {
                    rows.add(new Row(file.name(), inFile, task.items(values, position), null));
                } catch (IllegalArgumentException e) {
                    rows.add(new Row(file.name(), inFile, List.of(), "bad " + task.name() + " row " + inFile + " of "
                            + file.name() + ": " + e.getMessage()));
                }
                inFile++;
                position++;
            }
        }
        return rows;
    }

    /**
     * {@code rows} with the task's answer-format suffix of every prompt replaced by {@code suffix}
     * ({@code ""}: removed); {@code rows} itself when {@code suffix} is null.
     */
    public static List<Row> withSuffix(List<Row> rows, String suffix) {
        if (suffix == null) {
            return rows;
        }
        List<Row> out = new ArrayList<>();
        for (Row r : rows) {
            List<BenchItem> items = new ArrayList<>();
            for (BenchItem i : r.items()) {
                String prompt = i.prompt();
                for (String known : List.of(BenchTask.SHORT_ANSWER, BenchTask.OPTION_LETTER, io.flinkcumo.eval.MmBenchTask.CN_SUFFIX)) {
                    if (prompt.endsWith("\n" + known)) {
                        prompt = prompt.substring(0, prompt.length() - known.length() - 1);
                        break;
                    }
                }
                prompt = suffix.isEmpty() ? prompt : prompt + "\n" + suffix;
                items.add(new BenchItem(i.key(), i.ids(), prompt, i.category(), i.answer(), i.answers(), i.options(), i.group(), i.detail()));
            }
            out.add(new Row(r.file(), r.row(), items, r.error()));
        }
        return out;
    }

    /** All items of {@code rows}, in order. */
    public static List<BenchItem> items(List<Row> rows) {
        List<BenchItem> items = new ArrayList<>();
        rows.forEach(r -> items.addAll(r.items()));
        return items;
    }

    /** Every row of one file, all columns but {@code skipColumn}. */
    static List<Map<String, Object>> rows(Path file, String skipColumn) throws IOException {
        return rows(file, t -> t.getName().equals(skipColumn));
    }

    /** Every row of one file, all columns but those {@code skip} accepts. */
    static List<Map<String, Object>> rows(Path file, java.util.function.Predicate<Type> skip) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        forEachRow(file, skip, (position, values) -> rows.add(values));
        return rows;
    }

    /** What is done with each row of a file. */
    @FunctionalInterface
    interface RowConsumer {
        void accept(long position, Map<String, Object> values) throws IOException;
    }

    /**
     * Reads one file row by row (a row group at a time), all columns but those {@code skip}
     * accepts: lists as {@code List}, structs as {@code Map}, binary as {@code byte[]}.
     *
     * @throws IllegalArgumentException if the file is not Parquet or is corrupt
     */
    static void forEachRow(Path file, java.util.function.Predicate<Type> skip, RowConsumer consumer) throws IOException {
        FileSystem fs = file.getFileSystem();
        long length = fs.getFileStatus(file).getLen();
        try (FSDataInputStream in = fs.open(file);
                ParquetFileReader reader = ParquetFileReader.open(new ParquetInputFile(in, length))) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            List<Type> fields = new ArrayList<>();
            for (Type f : schema.getFields()) {
                if (!skip.test(f)) {
                    fields.add(f);
                }
            }
            long position = 0;
            if (fields.isEmpty()) {
                // nothing to read (e.g. every requested image column is missing): one empty row per row
                for (org.apache.parquet.hadoop.metadata.BlockMetaData block : reader.getFooter().getBlocks()) {
                    for (long i = 0; i < block.getRowCount(); i++) {
                        consumer.accept(position++, new LinkedHashMap<>());
                    }
                }
                return;
            }
            MessageType projection = new MessageType(schema.getName(), fields);
            reader.setRequestedSchema(projection);
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                RecordReader<Group> records = new ColumnIOFactory().getColumnIO(projection, schema)
                        .getRecordReader(pages, new GroupRecordConverter(projection));
                for (long i = 0; i < pages.getRowCount(); i++) {
                    consumer.accept(position++, struct(projection, records.read()));
                }
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot read " + file + " as Parquet: " + e.getMessage(), e);
        }
    }

    /**
     * Whether a column holds images: the Hugging Face image struct (a group with a binary {@code
     * bytes} field), or a list of them (the {@code Sequence(Image)} of SEED-Bench).
     */
    static boolean isImageType(Type type) {
        if (type.isPrimitive()) {
            return false;
        }
        GroupType g = type.asGroupType();
        if (g.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation && g.getFieldCount() == 1) {
            Type repeated = g.getType(0);
            if (repeated.isPrimitive()) {
                return false;
            }
            GroupType r = repeated.asGroupType();
            return isImageType(r) || (r.getFieldCount() == 1 && isImageType(r.getType(0)));
        }
        return g.containsField("bytes") && g.getType("bytes").isPrimitive()
                && g.getType("bytes").asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY;
    }

    private static Map<String, Object> struct(GroupType type, Group group) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int f = 0; f < type.getFieldCount(); f++) {
            Type field = type.getType(f);
            out.put(field.getName(), group.getFieldRepetitionCount(f) == 0 ? null : value(field, group, f, 0));
        }
        return out;
    }

    private static Object value(Type type, Group group, int f, int i) {
        if (type.isPrimitive()) {
            return primitive(type.asPrimitiveType(), group, f, i);
        }
        Group child = group.getGroup(f, i);
        GroupType g = type.asGroupType();
        if (g.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
            List<Object> list = new ArrayList<>();
            Type repeated = g.getType(0);
            int n = child.getFieldRepetitionCount(0);
            for (int e = 0; e < n; e++) {
                if (!repeated.isPrimitive() && repeated.asGroupType().getFieldCount() == 1
                        && !(repeated.getName().equals("array") || repeated.getName().endsWith("_tuple"))) {
                    // three-level list: repeated group list { element }
                    Group element = child.getGroup(0, e);
                    Type elementType = repeated.asGroupType().getType(0);
                    list.add(element.getFieldRepetitionCount(0) == 0 ? null : value(elementType, element, 0, 0));
                } else {
                    list.add(value(repeated, child, 0, e));
                }
            }
            return list;
        }
        return struct(g, child);
    }

    private static Object primitive(PrimitiveType p, Group group, int f, int i) {
        LogicalTypeAnnotation a = p.getLogicalTypeAnnotation();
        return switch (p.getPrimitiveTypeName()) {
            case INT32 -> (long) group.getInteger(f, i);
            case INT64 -> group.getLong(f, i);
            case DOUBLE -> group.getDouble(f, i);
            case FLOAT -> (double) group.getFloat(f, i);
            case BOOLEAN -> group.getBoolean(f, i);
            case BINARY -> a instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                    || a instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
                    || a instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation
                    ? group.getString(f, i) : group.getBinary(f, i).getBytes();
            default -> group.getValueToString(f, i);
        };
    }
}
