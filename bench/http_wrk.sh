#!/usr/bin/env bash
# Load POST /v1/recommendations over HTTP with wrk (Debian package) against a fresh store.
#   bash bench/http_wrk.sh [duration_s] [connections] [workers]
# The store is a new SQLite file, or with BENCH_PG=1 a new PostgreSQL database "advisor_wrk" on 127.0.0.1.
# BENCH_APP=nowork serves bench/nowork_app.py instead (same request model, no work): the HTTP stack's ceiling.
# BENCH_PATTERNS=N serves a library of N patterns (bench/latency.py's, 10 examples each) instead of the
# demo pack, e.g. `BENCH_PATTERNS=1000 bash bench/http_wrk.sh 8 8 1`.
# BENCH_PROBE=1 is the load probe: /healthz is timed once a second during the load (5 s timeout) and
# once after it, e.g. `BENCH_PROBE=1 bash bench/http_wrk.sh 20 200 1`.
# BENCH_CLIENT=asyncio loads with bench/http_client.py instead of wrk (same requests, same connections).
set -euo pipefail
duration="${1:-20}"; connections="${2:-16}"; workers="${3:-2}"
. "$(dirname "$0")/serve_lib.sh"
need_wrk
dir="$(mktemp -d)"; port=18765
fresh_store advisor_wrk "$dir"
export ADVISOR_PORT=$port
if [ -n "${BENCH_PATTERNS:-}" ]; then
  mkdir -p "$dir/pack"
  (cd "$(dirname "$0")/.." && python -c '
import random, sys
from pathlib import Path
from advisor.patterns.files import dump_patterns
from bench.latency import build
specs, _ = build(int(sys.argv[1]), random.Random(0))
Path(sys.argv[2]).write_text(dump_patterns(specs), encoding="utf-8")
' "$BENCH_PATTERNS" "$dir/pack/patterns.yaml")
  export ADVISOR_PATTERNS_DIR="$dir/pack"
fi
if [ "${BENCH_APP:-advisor}" = nowork ]; then
  (cd "$(dirname "$0")" && uvicorn nowork_app:app --port "$port" --workers "$workers" --log-level warning) >"$dir/serve.log" 2>&1 &
else
  advisor serve --workers "$workers" >"$dir/serve.log" 2>&1 &
fi
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
wait_healthy "$port" 600
[ "${BENCH_APP:-advisor}" = nowork ] || wait_started "$dir/serve.log" "$workers" 600
key="$(agent_key "$dir/serve.log")"
# One request before the load: the tenant's ranker is built on its first request (seconds for a large
# library), which is start-up, not serving.
curl -s -o /dev/null -m 300 -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"interaction_id":"warm-up","channel":"chat","agent_id":"agent-demo","turns":[{"role":"customer","text":"hello"}]}' \
  "http://127.0.0.1:$port/v1/recommendations" || true
cat >"$dir/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
local texts = {"my parcel never arrived and tracking is stuck", "I want to return these jeans, wrong size",
  "my card was declined at checkout", "how do I reset my password", "the promo code says expired",
  "I was charged twice for one order", "can you change my delivery address"}
local n = 0
request = function()
  n = n + 1
  local body = '{"interaction_id":"w' .. n .. '","channel":"chat","agent_id":"agent-demo","turns":[{"role":"customer","text":"' .. texts[(n % #texts) + 1] .. '"}],"crm":{"customer":{"first_name":"Dana","segment":"gold"},"order":{"id":"A1001","status":"shipped","carrier":"UPS"}}}'
  return wrk.format(nil, "/v1/recommendations", nil, body)
end
LUA
if [ "${BENCH_PROBE:-0}" = 1 ]; then
  wrk -t2 -c"$connections" -d"${duration}s" --timeout 30s -s "$dir/post.lua" "http://127.0.0.1:$port" >"$dir/wrk.txt" 2>&1 &
  load=$!
  sleep 1
  for second in $(seq 1 "$duration"); do
    echo "during load, probe $second: /healthz $(curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' "http://127.0.0.1:$port/healthz" || true)"
    sleep 1
  done
  wait $load || true
  cat "$dir/wrk.txt"
  echo "after load: /healthz $(curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' "http://127.0.0.1:$port/healthz" || true)"
elif [ "${BENCH_CLIENT:-wrk}" = asyncio ]; then
  python "$(dirname "$0")/http_client.py" --port "$port" --key "$key" --connections "$connections" --duration "$duration"
else
  wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$dir/post.lua" "http://127.0.0.1:$port" | tee "$dir/wrk.txt"
fi
echo "machine: $(nproc) cores, $(lscpu | grep 'Model name' | sed 's/ \+/ /g')"
