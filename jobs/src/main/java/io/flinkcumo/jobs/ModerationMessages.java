package io.flinkcumo.jobs;

import io.flinkcumo.runtime.core.ImageMessage;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The Kafka wire formats of the moderation job.
 *
 * <p>Input: the record value is an {@link ImageMessage} (JSON with {@code id}, base64 {@code image}
 * or {@code image_path}, {@code metadata}). {@code id} defaults to the record key, then to {@code
 * topic/partition/offset}; {@code metadata} is passed through. A record that is not such an object
 * is not dropped: it becomes a flagged decision with the error.
 *
 * <p>Output: key = the id (UTF-8), value = {@link ModerationDecision#toJson()}.
 */
public final class ModerationMessages {

    private ModerationMessages() {}

    /** Reads input records; never throws for a bad record. */
    public static final class Deserializer implements KafkaRecordDeserializationSchema<ModerationInput> {

        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ModerationInput> out) {
            ImageMessage message = ImageMessage.parse(record.value());
            ModerationInput input = new ModerationInput();
            input.source = record.topic() + "/" + record.partition() + "/" + record.offset();
            input.image = message.image();
            input.imagePath = message.imagePath();
            input.metadata = message.metadata();
            input.error = message.error();
            String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
            input.id = message.id() != null ? message.id() : key != null ? key : input.source;
            out.collect(input);
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
