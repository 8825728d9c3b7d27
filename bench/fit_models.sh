#!/usr/bin/env bash
# Refit the shipped conversation-state models and confidence calibrations from shared training data only.
#   bash bench/fit_models.sh [WORKDIR]     (needs ../shared/datasets; writes advisor/ranking/*.json)
# Two sets for the default embedder: the plain one (retrieval evidence) and -head, for rankers with the
# library head (setting ranking.library_head; see advisor/ranking/head.py). Then a -head set for the
# accurate profile's embedder, onnx-minilm-l6, whose scores sit on another scale (*.onnx-minilm-l6.json;
# needs onnxruntime, from the onnx or test extra).
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/advisor-fit}"
python bench/conversation_data.py --out "$work" >/dev/null
for head in --head --no-head; do
  # Start from the defaults: the shipped files are what this script writes.
  if [ "$head" = --head ]; then suffix="-head"; else suffix=""; fi
  rm -f "advisor/ranking/conversation$suffix.json" "advisor/ranking/calibration$suffix.json"
  advisor eval fit-state $head \
    --patterns "$work/sgd/pack" --cases "$work/sgd/fit.jsonl" \
    --patterns "$work/clinc/pack" --cases "$work/clinc/state-cases.jsonl"
  advisor eval calibrate $head \
    --patterns "$work/sgd/pack" --cases "$work/sgd/fit-oos.jsonl" \
    --patterns "$work/clinc/pack" --cases "$work/clinc/train-cases.jsonl"
done
profile=onnx-minilm-l6
rm -f "advisor/ranking/conversation-head.$profile.json" "advisor/ranking/calibration-head.$profile.json"
advisor eval fit-state --head --embedder "$profile" \
  --patterns "$work/sgd/pack" --cases "$work/sgd/fit.jsonl" \
  --patterns "$work/clinc/pack" --cases "$work/clinc/state-cases.jsonl"
advisor eval calibrate --head --embedder "$profile" \
  --patterns "$work/sgd/pack" --cases "$work/sgd/fit-oos.jsonl" \
  --patterns "$work/clinc/pack" --cases "$work/clinc/train-cases.jsonl"
