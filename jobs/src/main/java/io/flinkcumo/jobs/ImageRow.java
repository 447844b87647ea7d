package io.flinkcumo.jobs;

import io.flinkcumo.runtime.core.ImageRef;

/**
 * One input row of the caption job: where it came from, its id and its image. A Flink POJO.
 */
public class ImageRow {

    /** The input file's name relative to the input's base: names the output files. */
    public String file;

    /** Position of the row in its file, from 0. */
    public long row;

    /** The row's id: the id column as text, or {@code <file>#<row>}. */
    public String id;

    /** Encoded image bytes, or null. */
    public byte[] image;

    /** Where to read the image when there are no bytes (already resolved against the base directory), or null. */
    public String imagePath;

    /**
     * Why the row cannot be captioned though it was read (its path breaks the {@code image-base}
     * rule, or its row group is corrupt), or null.
     */
    public String error;

    public ImageRow() {}

    public ImageRow(String file, long row, String id, byte[] image, String imagePath) {
        this.file = file;
        this.row = row;
        this.id = id;
        this.image = image;
        this.imagePath = imagePath;
    }

    /** A row that is reported with {@code error} instead of being captioned. */
    public static ImageRow failed(String file, long row, String id, String error) {
        ImageRow r = new ImageRow(file, row, id, null, null);
        r.error = error;
        return r;
    }

    /** The image as the CuMo client takes it. */
    public ImageRef imageRef() {
        return new ImageRef(image, imagePath);
    }

    @Override
    public String toString() {
        return "ImageRow{" + file + "#" + row + ", id=" + id + ", " + imageRef() + "}";
    }
}
