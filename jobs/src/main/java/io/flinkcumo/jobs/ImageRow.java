package io.flinkcumo.jobs;

import io.flinkcumo.runtime.ImageRef;

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

    public ImageRow() {}

    public ImageRow(String file, long row, String id, byte[] image, String imagePath) {
        this.file = file;
        this.row = row;
        this.id = id;
        this.image = image;
        this.imagePath = imagePath;
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
