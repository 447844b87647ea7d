package io.flinkcumo.udf;

import io.flinkcumo.runtime.core.ImageRef;
import org.apache.flink.types.Row;

/** Image arguments as SQL passes them to CuMo's functions. */
final class SqlImages {

    /**
     * The Hugging Face datasets image struct (how {@code datasets} stores an {@code Image} column in
     * Parquet): encoded bytes, or only a path to read them from.
     */
    static final String HF_IMAGE = "ROW<`bytes` BYTES, `path` STRING>";

    private SqlImages() {}

    /** A {@code BYTES} argument. */
    static ImageRef of(byte[] bytes) {
        return ImageRef.ofBytes(bytes);
    }

    /** A {@value #HF_IMAGE} argument. */
    static ImageRef of(Row image) {
        if (image == null) {
            return new ImageRef(null, null);
        }
        return new ImageRef((byte[]) image.getField(0), (String) image.getField(1));
    }
}
