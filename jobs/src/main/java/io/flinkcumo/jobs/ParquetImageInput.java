package io.flinkcumo.jobs;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.PathMatcher;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.parquet.ParquetInputFile;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.SmallIntType;
import org.apache.flink.table.types.logical.TinyIntType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * The Parquet files a caption job reads and the two columns it reads from them, decided on the
 * client from the files' footers before the job starts.
 *
 * <p>The input is a file, a directory (every {@code *.parquet} file below it, hidden files and
 * files starting with {@code _} skipped) or a glob ({@code data/train-*.parquet}, {@code
 * data/**.parquet}); on any file system Flink can read. Each file's output is named after its path
 * relative to the directory or the glob's fixed prefix, so that a rerun writes the same files.
 *
 * <p>The image column is the Hugging Face datasets image struct {@code struct<bytes: binary, path:
 * string>} (bytes win; a row with only a path is read from that path), plain bytes ({@code BYTES}),
 * or a string holding a path. The id column is a string or an integer; without one, rows are
 * identified as {@code <file>#<row>}.
 */
public final class ParquetImageInput implements Serializable {

    private static final long serialVersionUID = 1L;

    /** How the image column stores images. */
    public enum ImageKind {
        /** The Hugging Face image struct: {@code ROW<bytes BYTES, path STRING>}. */
        STRUCT,
        /** Encoded image bytes. */
        BYTES,
        /** A path to read the image from. */
        PATH
    }

    /**
     * One input file.
     *
     * @param path its full path
     * @param name its path relative to the input's base directory: names its outputs
     * @param rows rows in the file, from its footer
     */
    public record InputFile(String path, String name, long rows) implements Serializable {}

    private final List<InputFile> files;
    private final String imageColumn;
    private final ImageKind imageKind;
    private final RowType imageType;
    private final String idColumn;
    private final LogicalType idType;

    private ParquetImageInput(
            List<InputFile> files, String imageColumn, ImageKind imageKind, RowType imageType, String idColumn, LogicalType idType) {
        this.files = List.copyOf(files);
        this.imageColumn = imageColumn;
        this.imageKind = imageKind;
        this.imageType = imageType;
        this.idColumn = idColumn;
        this.idType = idType;
    }

    /**
     * Finds the input files and checks their columns.
     *
     * @param input a file, directory or glob
     * @param imageColumn the image column's name
     * @param idColumn the id column's name
     * @param idRequired false: files without the id column identify rows as {@code <file>#<row>}
     * @throws IllegalArgumentException naming what is missing or unsupported
     */
    public static ParquetImageInput resolve(String input, String imageColumn, String idColumn, boolean idRequired) {
        List<InputFile> files = new ArrayList<>();
        try {
            for (Listed f : list(input)) {
                files.add(new InputFile(f.path.toString(), f.name, 0));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list input " + input + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no Parquet files match input '" + input + "' (a directory is searched for"
                    + " *.parquet files, names starting with '.' or '_' skipped)");
        }
        ImageKind kind = null;
        RowType imageType = null;
        LogicalType idType = null;
        Boolean hasId = null;
        List<InputFile> counted = new ArrayList<>();
        for (InputFile file : files) {
            Footer footer = footer(new Path(file.path()));
            MessageType schema = footer.schema;
            if (!schema.containsField(imageColumn)) {
                throw new IllegalArgumentException(file.path() + " has no image column '" + imageColumn + "' (columns: "
                        + columns(schema) + "); choose it with --image-column");
            }
            Type image = schema.getType(imageColumn);
            ImageKind fileKind = imageKind(file.path(), image);
            RowType fileImageType = fileKind == ImageKind.STRUCT ? structType(image.asGroupType()) : null;
            boolean fileHasId = schema.containsField(idColumn);
            if (!fileHasId && idRequired) {
                throw new IllegalArgumentException(file.path() + " has no id column '" + idColumn + "' (columns: "
                        + columns(schema) + ")");
            }
            LogicalType fileIdType = fileHasId ? idType(file.path(), idColumn, schema.getType(idColumn)) : null;
            if (kind == null) {
                kind = fileKind;
                imageType = fileImageType;
                idType = fileIdType;
                hasId = fileHasId;
            } else if (kind != fileKind || !Objects.equals(imageType, fileImageType) || hasId != fileHasId
                    || !Objects.equals(idType, fileIdType)) {
                throw new IllegalArgumentException("the input files disagree on the image or id column: " + files.get(0).path()
                        + " and " + file.path() + " differ; caption them in separate runs");
            }
            counted.add(new InputFile(file.path(), file.name(), footer.rows));
        }
        return new ParquetImageInput(counted, imageColumn, kind, imageType, hasId ? idColumn : null, idType);
    }

    public List<InputFile> files() {
        return files;
    }

    /** Rows in all files. */
    public long totalRows() {
        return files.stream().mapToLong(InputFile::rows).sum();
    }

    public ImageKind imageKind() {
        return imageKind;
    }

    public String imageColumn() {
        return imageColumn;
    }

    /** The id column, or null when rows are identified by file and position. */
    public String idColumn() {
        return idColumn;
    }

    /**
     * The columns to read, in this order: the image column, then the id column if there is one. The
     * image is {@code BYTES}, {@code STRING} (a path) or the struct as the files declare it.
     */
    public RowType readType() {
        List<RowType.RowField> fields = new ArrayList<>();
        LogicalType image = switch (imageKind) {
            case STRUCT -> imageType;
            case BYTES -> new VarBinaryType(VarBinaryType.MAX_LENGTH);
            case PATH -> new VarCharType(VarCharType.MAX_LENGTH);
        };
        fields.add(new RowType.RowField(imageColumn, image));
        if (idColumn != null) {
            fields.add(new RowType.RowField(idColumn, idType));
        }
        return new RowType(fields);
    }

    @Override
    public String toString() {
        return files.size() + " Parquet file(s), " + totalRows() + " rows, image column '" + imageColumn + "' ("
                + imageKind.name().toLowerCase(Locale.ROOT) + "), "
                + (idColumn == null ? "no id column (ids are <file>#<row>)" : "id column '" + idColumn + "'");
    }

    // ---- listing -------------------------------------------------------------------------

    private record Listed(Path path, String name) {}

    private static List<Listed> list(String input) throws IOException {
        int glob = firstGlobChar(input);
        if (glob >= 0) {
            int slash = input.lastIndexOf('/', glob);
            String base = slash < 0 ? "." : (slash == 0 ? "/" : input.substring(0, slash));
            String pattern = input.substring(slash + 1);
            PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
            List<Listed> out = new ArrayList<>();
            Path root = absolute(base);
            FileSystem fs = root.getFileSystem();
            if (!fs.exists(root)) {
                throw new IllegalArgumentException("input directory " + root + " (of glob '" + input + "') does not exist");
            }
            walk(fs, root, "", out, name -> matcher.matches(Paths.get(name)));
            return sorted(out);
        }
        Path path = absolute(input);
        FileSystem fs = path.getFileSystem();
        if (!fs.exists(path)) {
            throw new IllegalArgumentException("input " + input + " does not exist");
        }
        if (!fs.getFileStatus(path).isDir()) {
            requireRegular(path, "input");
            return List.of(new Listed(path, path.getName()));
        }
        List<Listed> out = new ArrayList<>();
        walk(fs, path, "", out, name -> name.toLowerCase(Locale.ROOT).endsWith(".parquet"));
        return sorted(out);
    }

    private static void walk(FileSystem fs, Path dir, String prefix, List<Listed> out, java.util.function.Predicate<String> accept)
            throws IOException {
        FileStatus[] children = fs.listStatus(dir);
        if (children == null) {
            return;
        }
        for (FileStatus child : children) {
            String name = child.getPath().getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            String relative = prefix + name;
            if (child.isDir()) {
                walk(fs, child.getPath(), relative + "/", out, accept);
            } else if (accept.test(relative)) {
                requireRegular(child.getPath(), "input file");
                out.add(new Listed(child.getPath(), relative));
            }
        }
    }

    /**
     * A local input must be a regular file (symlinks followed): a FIFO would block the footer read
     * forever and a device would stream without end.
     */
    static void requireRegular(Path path, String what) {
        String scheme = path.toUri().getScheme();
        if (scheme != null && !scheme.equals("file")) {
            return;
        }
        java.nio.file.Path local = Paths.get(path.toUri().getPath());
        if (!java.nio.file.Files.isRegularFile(local)) {
            throw new IllegalArgumentException(what + " " + local + " is not a regular file (a FIFO, device or socket);"
                    + " only regular Parquet files are read");
        }
    }

    private static List<Listed> sorted(List<Listed> files) {
        files.sort(Comparator.comparing(Listed::name));
        return files;
    }

    private static int firstGlobChar(String s) {
        for (int i = 0; i < s.length(); i++) {
            if ("*?[{".indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    /** A path with a scheme as given; a local path made absolute. */
    public static Path absolute(String path) {
        Path p = new Path(path);
        if (p.toUri().getScheme() == null) {
            return new Path(Paths.get(path).toAbsolutePath().normalize().toUri());
        }
        return p;
    }

    // ---- footers and types ---------------------------------------------------------------

    private record Footer(MessageType schema, long rows) {}

    private static Footer footer(Path path) {
        try {
            FileSystem fs = path.getFileSystem();
            long length = fs.getFileStatus(path).getLen();
            try (FSDataInputStream in = fs.open(path);
                    ParquetFileReader reader = ParquetFileReader.open(new ParquetInputFile(in, length))) {
                return new Footer(reader.getFooter().getFileMetaData().getSchema(), reader.getRecordCount());
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read the Parquet footer of " + path + ": " + e.getMessage(), e);
        }
    }

    private static ImageKind imageKind(String file, Type image) {
        if (!image.isPrimitive()) {
            GroupType group = image.asGroupType();
            if (group.containsField("bytes") && isBinary(group.getType("bytes"))) {
                if (!group.containsField("path") || isString(group.getType("path"))) {
                    return ImageKind.STRUCT;
                }
            }
        } else if (isString(image)) {
            return ImageKind.PATH;
        } else if (isBinary(image)) {
            return ImageKind.BYTES;
        }
        throw new IllegalArgumentException(file + ": the image column '" + image.getName() + "' must be the Hugging Face"
                + " image struct<bytes: binary, path: string>, binary, or a string path; it is " + image);
    }

    /** The struct's fields that CuMo reads, in the file's order: bytes, and path if present. */
    private static RowType structType(GroupType group) {
        List<RowType.RowField> fields = new ArrayList<>();
        for (Type field : group.getFields()) {
            if (field.getName().equals("bytes")) {
                fields.add(new RowType.RowField("bytes", new VarBinaryType(VarBinaryType.MAX_LENGTH)));
            } else if (field.getName().equals("path")) {
                fields.add(new RowType.RowField("path", new VarCharType(VarCharType.MAX_LENGTH)));
            }
        }
        return new RowType(fields);
    }

    private static LogicalType idType(String file, String column, Type id) {
        if (id.isPrimitive()) {
            PrimitiveType p = id.asPrimitiveType();
            LogicalTypeAnnotation a = p.getLogicalTypeAnnotation();
            switch (p.getPrimitiveTypeName()) {
                case BINARY:
                    return isString(p) ? new VarCharType(VarCharType.MAX_LENGTH) : new VarBinaryType(VarBinaryType.MAX_LENGTH);
                case INT32:
                    if (a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && i.getBitWidth() == 8) {
                        return new TinyIntType();
                    }
                    if (a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && i.getBitWidth() == 16) {
                        return new SmallIntType();
                    }
                    if (a == null || a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation) {
                        return new IntType();
                    }
                    break;
                case INT64:
                    if (a == null || a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation) {
                        return new BigIntType();
                    }
                    break;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException(file + ": the id column '" + column + "' must be a string or an integer; it is " + id);
    }

    private static boolean isBinary(Type t) {
        return t.isPrimitive() && t.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY;
    }

    private static boolean isString(Type t) {
        LogicalTypeAnnotation a = t.getLogicalTypeAnnotation();
        return isBinary(t) && (a instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                || a instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
                || a instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation);
    }

    private static String columns(MessageType schema) {
        return schema.getFields().stream().map(Type::getName).collect(Collectors.joining(", "));
    }
}
