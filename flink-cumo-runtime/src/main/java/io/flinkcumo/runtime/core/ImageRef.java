package io.flinkcumo.runtime.core;

/**
 * An image as a row carries it: encoded bytes, or a path to read them from (the Hugging Face
 * datasets image struct {@code ROW<bytes BYTES, path STRING>}). Bytes win when both are set.
 *
 * @param bytes the encoded image (PNG, JPEG, GIF, BMP, WebP), or null
 * @param path a file path or URI readable by Flink's file systems, read only under the {@code
 *     image-base} allow-list ({@link ImageFiles}), or null
 */
public record ImageRef(byte[] bytes, String path) {

    /** An image given as encoded bytes. */
    public static ImageRef ofBytes(byte[] bytes) {
        return new ImageRef(bytes, null);
    }

    /** An image to read from {@code path}. */
    public static ImageRef ofPath(String path) {
        return new ImageRef(null, path);
    }

    /** True when there is neither bytes nor a path: SQL NULL. */
    public boolean isNull() {
        return bytes == null && (path == null || path.isEmpty());
    }

    /** True when the bytes are to be read from {@link #path}. */
    public boolean isPathOnly() {
        return bytes == null && !isNull();
    }

    /** Names the image in error messages, e.g. {@code image of 1234 bytes} or {@code image 'a.png'}. */
    public String describe() {
        if (bytes != null) {
            return path == null ? "image of " + bytes.length + " bytes"
                    : "image '" + path + "' (" + bytes.length + " bytes)";
        }
        return isNull() ? "no image" : "image '" + path + "'";
    }

    @Override
    public String toString() {
        return describe();
    }
}
