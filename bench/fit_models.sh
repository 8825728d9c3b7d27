#!/usr/bin/env bash
# Refit the shipped conversation-state model and confidence calibration from shared training data only.
#   bash bench/fit_models.sh [WORKDIR]     (needs ../shared/datasets; writes advisor/ranking/*.json)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/advisor-fit}"
python bench/conversation_data.py --out "$work" >/dev/null
# Start from the defaults: the shipped files are what this script writes.
rm -f advisor/ranking/conversation.json advisor/ranking/calibration.json
advisor eval fit-state \
  --patterns "$work/sgd/pack" --cases "$work/sgd/fit.jsonl" \
  --patterns "$work/clinc/pack" --cases "$work/clinc/state-cases.jsonl"
advisor eval calibrate \
  --patterns "$work/sgd/pack" --cases "$work/sgd/fit-oos.jsonl" \
  --patterns "$work/clinc/pack" --cases "$work/clinc/train-cases.jsonl"
