#!/usr/bin/env bash
# Runs one script of sql/ with the Flink SQL client, its placeholders filled in from the environment:
#   ${model-path} <- MODEL_PATH (default /models/cumo)     ${data}  <- DATA  (default /data/samples)
#   ${output}     <- OUTPUT     (default /data/output)     ${kafka} <- KAFKA (default kafka:9092)
#   ${images}     <- IMAGES     (default /data/samples/images)
#   ${plugin-jar} <- PLUGIN_JAR (default /opt/flink/lib/cumo/flink-cumo-udfs-plugin.jar)
# In the docker-compose cluster: docker compose run --rm sql-client /opt/sql-examples/run.sh caption_parquet.sql
# The scripts' SELECTs print as tables ('sql-client.execution.result-mode' = 'tableau', the only mode the
# SQL client accepts for a SELECT in a file). Exits non-zero when a statement fails (the SQL client
# itself reports the [ERROR] and carries on with exit code 0).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
script="$here/sql/${1:?usage: run.sh <script.sql> (one of: $(cd "$here/sql" && echo *.sql))}"
filled="$(mktemp --suffix .sql)"
log="$(mktemp --suffix .log)"
trap 'rm -f "$filled" "$log"' EXIT
echo "SET 'sql-client.execution.result-mode' = 'tableau';" > "$filled"
sed -e "s|\${model-path}|${MODEL_PATH:-/models/cumo}|g" \
    -e "s|\${data}|${DATA:-/data/samples}|g" \
    -e "s|\${output}|${OUTPUT:-/data/output}|g" \
    -e "s|\${kafka}|${KAFKA:-kafka:9092}|g" \
    -e "s|\${images}|${IMAGES:-/data/samples/images}|g" \
    -e "s|\${plugin-jar}|${PLUGIN_JAR:-/opt/flink/lib/cumo/flink-cumo-udfs-plugin.jar}|g" \
    "$script" >> "$filled"
status=0
"${FLINK_HOME:-/opt/flink}/bin/sql-client.sh" -f "$filled" 2>&1 | tee "$log" || status=$?
if [ "$status" -ne 0 ] || grep -q '^\[ERROR\]' "$log"; then
  echo "run.sh: $(basename "$script") failed (exit code $status; see the [ERROR] above)" >&2
  exit 1
fi
