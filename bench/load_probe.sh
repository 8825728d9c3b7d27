#!/usr/bin/env bash
# Load probe: does the server keep answering under many connections, and right after them?
#   bash bench/load_probe.sh [connections] [duration_s]
# Starts `advisor serve` (1 worker, fresh SQLite store), loads POST /v1/recommendations with wrk, times
# GET /healthz once a second during the load (5 s timeout), then once more after it.
set -euo pipefail
connections="${1:-200}"; duration="${2:-20}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
dir="$(mktemp -d)"; port=18766
export ADVISOR_DATABASE_URL="sqlite:///$dir/bench.db" ADVISOR_PORT=$port
advisor serve --workers 1 >"$dir/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done
key="$(grep -m1 'agent key:' "$dir/serve.log" | awk '{print $3}' || true)"
cat >"$dir/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
wrk.body = '{"interaction_id":"probe","channel":"chat","agent_id":"agent-demo","turns":[{"role":"customer","text":"my parcel never arrived"}]}'
LUA
wrk -t2 -c"$connections" -d"${duration}s" --timeout 30s -s "$dir/post.lua" "http://127.0.0.1:$port/v1/recommendations" \
  >"$dir/wrk.txt" 2>&1 &
load=$!
sleep 1
for second in $(seq 1 "$duration"); do
  t=$(curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' "http://127.0.0.1:$port/healthz" || true)
  echo "during load, second $second: /healthz $t"
  sleep 1
done
wait $load || true
cat "$dir/wrk.txt"
echo "after load: /healthz $(curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' "http://127.0.0.1:$port/healthz" || true)"
