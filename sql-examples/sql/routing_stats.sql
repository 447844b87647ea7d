-- How each caption request was routed through CuMo's experts, one row per image, written as Arrow IPC
-- files ('format' = 'arrow'): per component (vision = CLIP-MoE, projector = MLP-MoE, llm = Mixtral
-- blocks; NULL without experts) the number of MoE layers, the mean router entropy (nats; ln(experts)
-- is uniform) and the mean share of tokens taken by each layer's most used expert (1/experts is
-- balanced, 1 is collapsed). Per-expert counts: bin/cumo caption writes them (routing/*.arrow).
-- ${model-path}, ${data} and ${output} are placeholders: sql-examples/run.sh fills them in.
SET 'execution.runtime-mode' = 'batch';

LOAD MODULE cumo WITH (
  'model-path' = '${model-path}',
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

CREATE TEMPORARY TABLE routing_stats (
  id STRING,
  tokens INT,
  error STRING,
  vision_layers INT,
  vision_router_entropy DOUBLE,
  vision_top_expert_share DOUBLE,
  projector_router_entropy DOUBLE,
  projector_top_expert_share DOUBLE,
  llm_router_entropy DOUBLE,
  llm_top_expert_share DOUBLE
) WITH (
  'connector' = 'filesystem',
  'path' = '${output}/routing',
  'format' = 'arrow'
);

INSERT INTO routing_stats
SELECT id, d.tokens, d.error,
       d.routing.vision.layers, d.routing.vision.router_entropy, d.routing.vision.top_expert_share,
       d.routing.projector.router_entropy, d.routing.projector.top_expert_share,
       d.routing.llm.router_entropy, d.routing.llm.top_expert_share
FROM (SELECT id, cumo_answer_details(image, 'Describe the image in one sentence.') AS d FROM images);
