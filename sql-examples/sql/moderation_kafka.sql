-- Streaming moderation from a Kafka table: each image is scored by CuMo's likelihood of each category
-- as its whole answer (cumo_classify); every decision goes to the topic moderation-audit, flagged
-- ones (most likely category not 'safe', P(safe) < 0.5, or no decision) also to moderation-flagged,
-- exactly once (Kafka transactions committed on checkpoints). The input is what the moderation job
-- reads too: JSON {"id": ..., "image": "<base64>", "metadata": {...}} on the topic images. The topic
-- is read raw and parsed by cumo_image_message, so a malformed message is not dropped (as the 'json'
-- format with 'json.ignore-parse-errors' would) but audited and flagged with its error.
-- ${model-path} and ${kafka} are placeholders: sql-examples/run.sh fills them in.
SET 'execution.runtime-mode' = 'streaming';
SET 'execution.checkpointing.interval' = '2 s';

LOAD MODULE cumo WITH (
  'model-path' = '${model-path}',
  'error-handling' = 'error-column'
);

CREATE TEMPORARY TABLE images (
  message BYTES,
  `partition` INT METADATA VIRTUAL,
  `offset` BIGINT METADATA VIRTUAL
) WITH (
  'connector' = 'kafka',
  'topic' = 'images',
  'properties.bootstrap.servers' = '${kafka}',
  'properties.group.id' = 'cumo-sql-moderation',
  'properties.isolation.level' = 'read_committed',
  'scan.startup.mode' = 'earliest-offset',
  -- the example stops at the end of the topic; drop the next line to moderate continuously
  'scan.bounded.mode' = 'latest-offset',
  'format' = 'raw'
);

-- one Kafka table writing to either topic: with a topic list, the 'topic' metadata column picks one per row
CREATE TEMPORARY TABLE moderation (
  `topic` STRING METADATA,
  id STRING,
  flagged BOOLEAN,
  category STRING,
  safe_probability DOUBLE,
  scores MAP<STRING, DOUBLE>,
  error STRING,
  metadata MAP<STRING, STRING>
) WITH (
  'connector' = 'kafka',
  'topic' = 'moderation-audit;moderation-flagged',
  'properties.bootstrap.servers' = '${kafka}',
  'key.format' = 'raw',
  'key.fields' = 'id',
  'value.format' = 'json',
  'value.fields-include' = 'ALL',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = 'cumo-sql-moderation',
  'properties.transaction.timeout.ms' = '900000'
);

-- each message is parsed once and the model scores each image once; UNNEST sends flagged decisions to both topics
INSERT INTO moderation
SELECT t.topic, id, flagged, category, safe_probability, scores, error, metadata
FROM (
  SELECT id, metadata, c.label AS category, c.probabilities['safe'] AS safe_probability, c.probabilities AS scores,
         COALESCE(message_error, c.error) AS error,
         message_error IS NOT NULL OR c.label IS NULL OR c.label <> 'safe' OR c.probabilities['safe'] < 0.5 AS flagged
  FROM (
    SELECT id, metadata, message_error,
           cumo_classify(image,
               'Which one of these categories describes this image best: safe, violence, nudity, weapons, drugs, hate? Answer with the category only.',
               ARRAY['safe', 'violence', 'nudity', 'weapons', 'drugs', 'hate']) AS c
    FROM (
      SELECT COALESCE(m.id, CONCAT('images/', CAST(`partition` AS STRING), '/', CAST(`offset` AS STRING))) AS id,
             m.image AS image, m.error AS message_error, m.metadata AS metadata
      FROM (SELECT cumo_image_message(message) AS m, `partition`, `offset` FROM images)
    )
  )
) CROSS JOIN UNNEST(
  CASE WHEN flagged THEN ARRAY['moderation-audit', 'moderation-flagged'] ELSE ARRAY['moderation-audit'] END
) AS t(topic);
