#!/usr/bin/env bash
# The full three-stage CuMo recipe on the synthetic shapes dataset (CPU, float32), then the two
# stage-3 baselines (same steps: no auxiliary losses; dense model) and the evaluation.
# Usage: scripts/train-shapes.sh [WORKDIR]   (default: train-runs/, git-ignored)
# Step counts and sizes are environment variables (defaults: the run documented in docs/training.md).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
w="${1:-$here/train-runs}"
cumo="$here/bin/cumo"
TRAIN="${TRAIN:-6000}"           # training images
BATCH="${BATCH:-32}"
S1_STEPS="${S1_STEPS:-188}"      # one epoch of captions, projector only
S2_STEPS="${S2_STEPS:-1500}"     # detailed captions, everything dense
S3_STEPS="${S3_STEPS:-1200}"     # visual questions, upcycled MoE (and each baseline)
mkdir -p "$w"
[ -f "$w/data/train.jsonl" ] || "$cumo" make-shapes --out "$w/data" --train "$TRAIN" --test 100 --size 112 --seed 1
[ -f "$w/s0/config.json" ] || "$cumo" init-tiny --dense --image-size 56 --vision-hidden 64 --vision-layers 3 --vision-heads 4 \
    --hidden 128 --layers 2 --heads 4 --kv-heads 2 --dtype F32 --shards 1 --seed 42 --out "$w/s0"
train() { "$cumo" train --batch-size "$BATCH" --epochs 100 --resume "$@"; }
train --stage 1 --model "$w/s0" --data "$w/data" --out "$w/s1" --max-steps "$S1_STEPS" --lr 1e-3
train --stage 2 --model "$w/s1" --data "$w/data" --out "$w/s2" --max-steps "$S2_STEPS" --lr 1e-3
[ -f "$w/up/config.json" ] || "$cumo" upcycle --dense "$w/s2" --out "$w/up" --experts 4 --top-k 2 --seed 0
# stage 3: the CuMo model, then the two baselines with the same steps (sequential: CPU-bound)
train --stage 3 --model "$w/up" --data "$w/data" --out "$w/s3" --max-steps "$S3_STEPS" --lr 5e-4
if [ "${BASELINES:-1}" = 1 ]; then
  train --stage 3 --model "$w/up" --data "$w/data" --out "$w/s3-noaux" --no-aux --max-steps "$S3_STEPS" --lr 5e-4
  train --stage 3 --model "$w/s2" --data "$w/data" --out "$w/s3-dense" --max-steps "$S3_STEPS" --lr 5e-4
fi
"$cumo" eval --data "$w/data" --limit "${EVAL_IMAGES:-100}" --model "$w/s3,$w/s3-noaux,$w/s3-dense,$w/s2"
