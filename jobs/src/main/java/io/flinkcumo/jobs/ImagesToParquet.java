package io.flinkcumo.jobs;

import io.flinkcumo.engine.image.ImageDecoder;
import io.flinkcumo.runtime.core.ImageFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.parquet.row.ParquetRowDataBuilder;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;

/**
 * Writes a directory of images as a Parquet file in the Hugging Face datasets layout: {@code id
 * STRING} (the file name without extension) and {@code image struct<bytes: binary, path: string>}
 * (the encoded file and its name), one row per image in name order, with Flink's Parquet writer.
 * With {@code pathsOnly} the bytes are left null and the path is relative to the output file, as
 * datasets that keep images next to the Parquet file do. This is how {@code samples/images.parquet}
 * is made ({@code bin/cumo images-to-parquet --images samples/images --out samples/images.parquet}).
 */
public final class ImagesToParquet {

    /** The written schema. */
    public static final RowType TYPE = RowType.of(
            new org.apache.flink.table.types.logical.LogicalType[] {
                new VarCharType(false, VarCharType.MAX_LENGTH),
                RowType.of(
                        new org.apache.flink.table.types.logical.LogicalType[] {
                            new VarBinaryType(VarBinaryType.MAX_LENGTH), new VarCharType(VarCharType.MAX_LENGTH)
                        },
                        new String[] {"bytes", "path"})
            },
            new String[] {"id", "image"});

    private ImagesToParquet() {}

    /** A row's id: the file name without its extension. */
    static String idOf(String name) {
        return name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
    }

    /**
     * @return the number of images written
     * @throws IllegalArgumentException if two files would get the same id, naming both
     */
    public static int write(java.nio.file.Path images, java.nio.file.Path out, boolean pathsOnly) throws IOException {
        List<java.nio.file.Path> files;
        try (Stream<java.nio.file.Path> list = Files.list(images)) {
            files = list.filter(f -> f.getFileName().toString().toLowerCase(Locale.ROOT)
                            .matches(".*\\.(png|jpe?g|gif|bmp|webp)$"))
                    .sorted()
                    .toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no images (png, jpg, gif, bmp, webp) in " + images);
        }
        java.util.Map<String, String> ids = new java.util.TreeMap<>();
        for (java.nio.file.Path file : files) {
            String name = file.getFileName().toString();
            String clash = ids.putIfAbsent(idOf(name), name);
            if (clash != null) {
                throw new IllegalArgumentException("images " + clash + " and " + name + " in " + images + " would both get id '"
                        + idOf(name) + "' (the file name without extension); rename one so that ids are unique");
            }
        }
        java.nio.file.Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path target = new Path(out.toAbsolutePath().toUri());
        FileSystem fs = target.getFileSystem();
        try (FSDataOutputStream stream = fs.create(target, FileSystem.WriteMode.OVERWRITE)) {
            BulkWriter<RowData> writer = ParquetRowDataBuilder
                    .createWriterFactory(TYPE, new org.apache.hadoop.conf.Configuration(), true)
                    .create(stream);
            for (java.nio.file.Path file : files) {
                String name = file.getFileName().toString();
                String id = idOf(name);
                // regular files only (a FIFO named x.png would block), at most the decoder's byte limit
                byte[] bytes = pathsOnly ? null : ImageFiles.readRegularFile(file, ImageDecoder.Limits.DEFAULT.maxBytes());
                String path = pathsOnly ? parent.relativize(file.toAbsolutePath()).toString() : name;
                writer.addElement(GenericRowData.of(
                        StringData.fromString(id), GenericRowData.of(bytes, StringData.fromString(path))));
            }
            writer.finish();
        }
        return files.size();
    }
}
