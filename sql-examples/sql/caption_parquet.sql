-- Caption every image of a Parquet dataset in the Hugging Face layout with cumo_answer (batch), and
-- write id + caption as Parquet.
-- Needs the CuMo plugin jar in Flink's lib/ (docker-compose.yml does that; or start the script with
-- ADD JAR '.../flink-cumo-udfs-<version>-plugin.jar') and the Parquet format (flink-cumo-jobs-<version>-job.jar).
-- ${model-path}, ${data} and ${output} are placeholders: sql-examples/run.sh fills them in.
SET 'execution.runtime-mode' = 'batch';

LOAD MODULE cumo WITH (
  'model-path' = '${model-path}',
  'max-new-tokens' = '16',
  'error-handling' = 'null'
);

-- datasets stores an Image feature as struct<bytes: binary, path: string> (bytes, or only a path)
CREATE TEMPORARY TABLE images (
  id STRING,
  image ROW<`bytes` BYTES, `path` STRING>
) WITH (
  'connector' = 'filesystem',
  'path' = '${data}/images.parquet',
  'format' = 'parquet'
);

CREATE TEMPORARY TABLE captions (
  id STRING,
  caption STRING
) WITH (
  'connector' = 'filesystem',
  'path' = '${output}/captions',
  'format' = 'parquet'
);

INSERT INTO captions
SELECT id, cumo_answer(image, 'Describe the image in one sentence.') AS caption
FROM images;
