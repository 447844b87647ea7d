package io.flinkcumo.udf;

import io.flinkcumo.runtime.core.ImageMessage;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.types.Row;

import java.util.Map;

/**
 * {@code cumo_image_message(message BYTES) -> ROW<id, image, error, metadata>}: reads a Kafka record
 * value in the moderation job's JSON format ({@link ImageMessage}) so that a SQL pipeline loses no
 * message. Read the topic with {@code 'format' = 'raw'} into one BYTES column and call this: a
 * malformed message (not JSON, not an object, bad base64) gives a row with no image and the error,
 * where Flink's {@code 'json'} format would fail the job or, with {@code json.ignore-parse-errors},
 * drop the record. {@code image} is the Hugging Face image struct, so a message with {@code
 * image_path} instead of bytes works too.
 */
public class CumoImageMessageFunction extends ScalarFunction {

    private static final long serialVersionUID = 1L;

    /** The name the module registers. */
    public static final String NAME = "cumo_image_message";

    /** For {@code CREATE FUNCTION}. */
    public CumoImageMessageFunction() {}

    /** As the module creates it (it needs no model options). */
    public CumoImageMessageFunction(Map<String, String> options) {}

    @DataTypeHint("ROW<`id` STRING, `image` " + SqlImages.HF_IMAGE + ", `error` STRING, `metadata` MAP<STRING, STRING>>")
    public Row eval(byte[] message) {
        ImageMessage m = ImageMessage.parse(message);
        Row image = m.image() == null && m.imagePath() == null ? null : Row.of(m.image(), m.imagePath());
        return Row.of(m.id(), image, m.error(), m.metadataMap());
    }

    /**
     * Declared non-deterministic (it is not) so that the planner calls it once per row rather than
     * once per field a query reads from its result: each call decodes the whole image.
     */
    @Override
    public boolean isDeterministic() {
        return false;
    }
}
