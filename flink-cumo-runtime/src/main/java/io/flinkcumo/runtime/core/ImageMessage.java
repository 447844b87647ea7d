package io.flinkcumo.runtime.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One image message as the moderation job and the SQL function {@code cumo_image_message} read it
 * from Kafka: a JSON object
 *
 * <pre>{@code
 * {"id": "img-42", "image": "<base64 of the encoded PNG/JPEG/...>", "metadata": {"user": "u7"}}
 * }</pre>
 *
 * <p>with {@code image_path} (a path or URI the TaskManagers can read, under the {@code image-base}
 * allow-list: see {@link ImageFiles}) instead of {@code image} for images kept elsewhere; {@code id} and {@code metadata} are optional. Base64 {@code image} is also
 * how Flink's {@code 'json'} format writes a {@code BYTES} column. Parsing never throws: a value
 * that is not such an object gives a message with no image and the {@link #error}, so the caller
 * can flag it instead of dropping it; an object with neither {@code image} nor {@code image_path}
 * keeps its id and metadata and has the error {@value #NO_IMAGE}.
 *
 * @param id the JSON {@code id}, or null
 * @param image the decoded image bytes, or null
 * @param imagePath the {@code image_path}, or null
 * @param metadata the {@code metadata} object as JSON text, or null
 * @param error why the value could not be read, or null
 */
public record ImageMessage(String id, byte[] image, String imagePath, String metadata, String error) {

    /** The error of a JSON object with neither {@code image} nor {@code image_path}. */
    public static final String NO_IMAGE = "the message has no image";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Parses a record value (UTF-8 JSON); {@code null} is an error too. A readable {@code id} is kept even when the rest is not. */
    public static ImageMessage parse(byte[] value) {
        JsonNode object;
        try {
            object = value == null ? null : JSON.readTree(value);
        } catch (Exception e) {
            return invalid(null, e.getMessage());
        }
        if (value == null) {
            return invalid(null, "the record has no value");
        }
        if (object == null || !object.isObject()) {
            return invalid(null, "the value is not a JSON object");
        }
        String id = text(object, "id");
        try {
            String image = text(object, "image");
            String imagePath = text(object, "image_path");
            JsonNode metadata = object.get("metadata");
            return new ImageMessage(
                    id,
                    image == null ? null : Base64.getMimeDecoder().decode(image),
                    imagePath,
                    metadata == null || metadata.isNull() ? null : JSON.writeValueAsString(metadata),
                    image == null && imagePath == null ? NO_IMAGE : null);
        } catch (Exception e) {
            return invalid(id, e.getMessage());
        }
    }

    private static ImageMessage invalid(String id, String why) {
        return new ImageMessage(id, null, null, null, "invalid message: " + why);
    }

    /** The metadata as a flat map: each field's text (nested values as their JSON); empty if none. */
    public Map<String, String> metadataMap() {
        Map<String, String> out = new LinkedHashMap<>();
        if (metadata == null) {
            return out;
        }
        try {
            JsonNode object = JSON.readTree(metadata);
            if (!object.isObject()) {
                out.put("value", metadata);
                return out;
            }
            object.fields().forEachRemaining(f -> out.put(f.getKey(), f.getValue().isValueNode() ? f.getValue().asText() : f.getValue().toString()));
        } catch (Exception e) {
            throw new IllegalStateException("metadata was written by parse(): " + e.getMessage(), e);
        }
        return out;
    }

    private static String text(JsonNode object, String field) {
        JsonNode node = object.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }
}
