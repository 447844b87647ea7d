package io.flinkcumo.arrow;

import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.FloatType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.RowType.RowField;
import org.apache.flink.table.types.logical.VarCharType;

import java.util.List;

/**
 * The schema of preprocessed image tensors, one row per image, shared by {@link ArrowImageBatch}
 * (in-process batches for the model) and Flink sinks ({@link #writeOptions} marks the pixel column
 * as an {@code arrow.fixed_shape_tensor} of shape [3, size, size]).
 */
public final class ImageTensorRows {

    /** The tensor column. */
    public static final String PIXELS = "pixels";

    /** request_id, image_index (position among the request's images), pixels (3·S·S floats, channels first). */
    public static final RowType ROW_TYPE = new RowType(false, List.of(
            new RowField("request_id", new VarCharType(false, VarCharType.MAX_LENGTH), "the request the image belongs to"),
            new RowField("image_index", new IntType(false), "position of the image among the request's images"),
            new RowField(PIXELS, new ArrayType(false, new FloatType(false)),
                    "CLIP-preprocessed pixels, [3, S, S] float32 channels first, as arrow.fixed_shape_tensor")));

    private ImageTensorRows() {}

    /** Default options with {@link #PIXELS} as a [3, size, size] tensor column. */
    public static ArrowWriteOptions writeOptions(int size) {
        return ArrowWriteOptions.defaults().withTensorColumn(PIXELS, 3, size, size);
    }

    /** One image as RowData of {@link #ROW_TYPE} ({@code pixels} is wrapped, not copied). */
    public static RowData toRowData(String requestId, int imageIndex, float[] pixels) {
        return GenericRowData.of(StringData.fromString(requestId), imageIndex, new GenericArrayData(pixels));
    }
}
