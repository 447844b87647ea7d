package io.flinkcumo.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The Kafka wire formats of the moderation job.
 *
 * <p>Input: the record value is a JSON object
 *
 * <pre>{@code
 * {"id": "img-42", "image": "<base64 of the encoded PNG/JPEG/...>", "metadata": {"user": "u7"}}
 * }</pre>
 *
 * <p>with {@code image_path} (a path or URI the TaskManagers can read) instead of {@code image} for
 * images kept elsewhere. {@code id} defaults to the record key, then to {@code
 * topic/partition/offset}; {@code metadata} is optional and passed through. Base64 {@code image}
 * is also how Flink SQL's {@code 'json'} format writes a {@code BYTES} column, so a Kafka table
 * {@code (id STRING, image BYTES, metadata MAP<STRING, STRING>)} produces this format. A record
 * that is not such an object is not dropped: it becomes a flagged decision with the error.
 *
 * <p>Output: key = the id (UTF-8), value = {@link ModerationDecision#toJson()}.
 */
public final class ModerationMessages {

    private ModerationMessages() {}

    /** Reads input records; never throws for a bad record. */
    public static final class Deserializer implements KafkaRecordDeserializationSchema<ModerationInput> {

        private static final long serialVersionUID = 1L;
        private transient ObjectMapper json;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ModerationInput> out) {
            if (json == null) {
                json = new ObjectMapper();
            }
            ModerationInput input = new ModerationInput();
            input.source = record.topic() + "/" + record.partition() + "/" + record.offset();
            String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
            try {
                if (record.value() == null) {
                    throw new IllegalArgumentException("the record has no value");
                }
                JsonNode value = json.readTree(record.value());
                if (value == null || !value.isObject()) {
                    throw new IllegalArgumentException("the value is not a JSON object");
                }
                input.id = text(value, "id");
                String image = text(value, "image");
                if (image != null) {
                    input.image = Base64.getMimeDecoder().decode(image);
                }
                input.imagePath = text(value, "image_path");
                JsonNode metadata = value.get("metadata");
                input.metadata = metadata == null || metadata.isNull() ? null : json.writeValueAsString(metadata);
            } catch (Exception e) {
                input.image = null;
                input.imagePath = null;
                input.error = "invalid message: " + e.getMessage();
            }
            if (input.id == null) {
                input.id = key != null ? key : input.source;
            }
            out.collect(input);
        }

        private static String text(JsonNode object, String field) {
            JsonNode node = object.get(field);
            return node == null || node.isNull() ? null : node.asText();
        }

        @Override
        public TypeInformation<ModerationInput> getProducedType() {
            return TypeInformation.of(ModerationInput.class);
        }
    }

    /** Writes decisions to one topic, keyed by id. */
    public static final class Serializer implements KafkaRecordSerializationSchema<ModerationDecision> {

        private static final long serialVersionUID = 1L;
        private final String topic;

        public Serializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(ModerationDecision decision, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, null, timestamp,
                    decision.id == null ? null : decision.id.getBytes(StandardCharsets.UTF_8),
                    decision.toJson().getBytes(StandardCharsets.UTF_8));
        }
    }
}
