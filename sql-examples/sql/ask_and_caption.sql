-- CuMo for one job, from a SQL script: the plugin jar is added to this job only (ADD JAR). DJL stays
-- in the TaskManagers' lib/ (flink-cumo-udfs-<version>-djl.jar: libtorch loads once per JVM; see
-- docs/flink.md, Deployment). ${...} are filled in by run.sh.
ADD JAR '${plugin-jar}';

LOAD MODULE cumo WITH (
  'model-path' = '${model-path}',
  'device' = 'cpu',
  'image-base' = '${images}',
  'max-new-tokens' = '6',
  'error-handling' = 'error-column'
);

-- Images as Hugging Face datasets store them: ROW<bytes, path>; these rows carry only the path,
-- read only under 'image-base' (a path outside it fails its row with the rule named).
CREATE TEMPORARY VIEW photos AS
SELECT name, CAST(ROW(CAST(NULL AS BYTES), path) AS ROW<`bytes` BYTES, `path` STRING>) AS image
FROM (VALUES
  ('chelsea.png', '${images}/chelsea.png'),
  ('camera_gray.png', '${images}/camera_gray.png'),
  ('missing.png', '${images}/missing.png'),
  ('passwd', '/etc/passwd')
) AS t(name, path);

SELECT name,
       cumo_answer(image, 'What is in the picture?') AS answer,
       cumo_answer_details(image, 'What is in the picture?').error AS error
FROM photos;
