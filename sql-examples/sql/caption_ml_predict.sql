-- The captioning of caption_parquet.sql with a model object: CREATE MODEL ... WITH ('provider' = 'cumo')
-- and ML_PREDICT. Flink 2.2 plans ML_PREDICT in streaming mode only; over this bounded table the job
-- ends by itself, and checkpoints commit the Parquet files (the last one when the input ends).
-- ${model-path}, ${data} and ${output} are placeholders: sql-examples/run.sh fills them in.
SET 'execution.runtime-mode' = 'streaming';
SET 'execution.checkpointing.interval' = '2 s';

CREATE TEMPORARY MODEL captioner
INPUT (image ROW<`bytes` BYTES, `path` STRING>)
OUTPUT (answer STRING, tokens INT, latency_ms BIGINT, error STRING)
WITH (
  'provider' = 'cumo',
  'model-path' = '${model-path}',
  'caption-prompt' = 'Describe the image in one sentence.',
  'max-new-tokens' = '16',
  'error-handling' = 'error-column'
);

CREATE TEMPORARY TABLE images (
  id STRING,
  image ROW<`bytes` BYTES, `path` STRING>
) WITH (
  'connector' = 'filesystem',
  'path' = '${data}/images.parquet',
  'format' = 'parquet'
);

CREATE TEMPORARY TABLE predicted_captions (
  id STRING,
  caption STRING,
  tokens INT,
  latency_ms BIGINT,
  error STRING
) WITH (
  'connector' = 'filesystem',
  'path' = '${output}/ml_predict',
  'format' = 'parquet'
);

-- an image-only model captions with its caption-prompt; the output columns follow the input columns
INSERT INTO predicted_captions
SELECT id, answer, tokens, latency_ms, error
FROM ML_PREDICT(TABLE images, MODEL captioner, DESCRIPTOR(image));
