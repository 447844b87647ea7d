#!/usr/bin/env bash
# Runs one script of sql/ with the Flink SQL client, its placeholders filled in from the environment:
#   ${model-path} <- MODEL_PATH (default /models/cumo)     ${data}  <- DATA  (default /data/samples)
#   ${output}     <- OUTPUT     (default /data/output)     ${kafka} <- KAFKA (default kafka:9092)
#   ${images}     <- IMAGES     (default /data/samples/images)
#   ${plugin-jar} <- PLUGIN_JAR (default /opt/flink/lib/cumo/flink-cumo-udfs-plugin.jar)
# In the docker-compose cluster: docker compose run --rm sql-client /opt/sql-examples/run.sh caption_parquet.sql
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
script="$here/sql/${1:?usage: run.sh <script.sql> (one of: $(cd "$here/sql" && echo *.sql))}"
filled="$(mktemp --suffix .sql)"
sed -e "s|\${model-path}|${MODEL_PATH:-/models/cumo}|g" \
    -e "s|\${data}|${DATA:-/data/samples}|g" \
    -e "s|\${output}|${OUTPUT:-/data/output}|g" \
    -e "s|\${kafka}|${KAFKA:-kafka:9092}|g" \
    -e "s|\${images}|${IMAGES:-/data/samples/images}|g" \
    -e "s|\${plugin-jar}|${PLUGIN_JAR:-/opt/flink/lib/cumo/flink-cumo-udfs-plugin.jar}|g" \
    "$script" > "$filled"
exec "${FLINK_HOME:-/opt/flink}/bin/sql-client.sh" -f "$filled"
