#!/usr/bin/env bash
# Sustained feedback ingestion over HTTP with wrk: events/s, and every acknowledged event stored exactly once.
#   bash bench/feedback_wrk.sh [duration_s] [connections] [workers]      (BENCH_PG=1: PostgreSQL)
# 100 recommendations are served first; wrk then posts feedback on them ("shown" and "accepted"
# alternately, a unique client_event_id per request). At the end the script compares the 201 answers
# wrk counted with the rows in feedback_events: lost = 201s without a row, duplicated = rows beyond.
# It also prints the server's CPU time per acknowledged event (all worker processes, user + system).
# A warm-up run (BENCH_WARMUP_S, default 3 s; its events count towards lost/duplicated too) comes first,
# and on PostgreSQL an ANALYZE after it: a live store has planner statistics (autovacuum analyses a table
# once 50 rows + 10 % of it changed, checking every minute), a database created a second ago has none, and
# without them the planner reads every event of the tenant to find a few client event ids.
set -euo pipefail
duration="${1:-20}"; connections="${2:-16}"; workers="${3:-1}"
. "$(dirname "$0")/serve_lib.sh"
need_wrk
dir="$(mktemp -d)"; port=18766
fresh_store advisor_fb "$dir"
export ADVISOR_PORT=$port ADVISOR_LOG__ACCESS=false
advisor serve --workers "$workers" >"$dir/serve.log" 2>"$dir/serve.err" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
wait_healthy "$port" 240
[ "${BENCH_APP:-advisor}" = nowork ] || wait_started "$dir/serve.err" "$workers" 600
key="$(agent_key "$dir/serve.log")"
python - "$port" "$key" "$dir/ids.lua" <<'PY'
import json, sys, urllib.request
port, key, out = sys.argv[1], sys.argv[2], sys.argv[3]
ids = []
from datetime import date
from advisor.bootstrap import try_it_request  # the start banner's request: the demo pack answers it
for n in range(100):
    body = {**try_it_request(date.today()), "interaction_id": f"fb{n}"}
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/recommendations", json.dumps(body).encode(),
                                 {"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    recs = json.load(urllib.request.urlopen(req))["recommendations"]
    ids += [r["recommendation_id"] for r in recs]
assert ids, "no recommendation was served"
open(out, "w").write("ids = {" + ",".join(f'"{i}"' for i in ids) + "}\n")
PY
cat "$dir/ids.lua" - >"$dir/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
local threads = {}
local counter = 0
setup = function(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end
local n = 0
local run = os.getenv("BENCH_RUN") or "t"
created, resent, other = 0, 0, 0
request = function()
  n = n + 1
  local action = (n % 2 == 0) and "accepted" or "shown"
  local body = '{"recommendation_id":"' .. ids[(n % #ids) + 1] .. '","client_event_id":"' .. run .. tid .. '-' .. n .. '","action":"' .. action .. '"}'
  return wrk.format(nil, "/v1/feedback", nil, body)
end
response = function(status)
  if status == 201 then created = created + 1 elseif status == 200 then resent = resent + 1 else other = other + 1 end
end
done = function()
  local c, r, o = 0, 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); r = r + t:get("resent"); o = o + t:get("other") end
  io.write(string.format("answers: 201 created %d, 200 resent %d, other %d\n", c, r, o))
end
LUA
# CPU time of the server and its workers (user + system, clock ticks), read around the wrk run: a steadier
# comparison between commits than events/s on a shared machine.
server_ticks() {
  local total=0 pid
  for pid in $server $(pgrep -P "$server"); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
warmup="${BENCH_WARMUP_S:-3}"
warm_created=0
if [ "$warmup" -gt 0 ]; then
  BENCH_RUN=w wrk -t2 -c"$connections" -d"${warmup}s" -s "$dir/post.lua" "http://127.0.0.1:$port" >"$dir/warm.txt"
  warm_created="$(grep -o 'created [0-9]*' "$dir/warm.txt" | awk '{print $2}')"
  echo "warm-up: $warm_created events acknowledged in ${warmup} s"
  if [ "${BENCH_PG:-0}" = 1 ]; then psql "${ADVISOR_DATABASE_URL}" -qc "ANALYZE"; fi
fi
ticks_before="$(server_ticks)"
BENCH_RUN=t wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$dir/post.lua" "http://127.0.0.1:$port" | tee "$dir/wrk.txt"
ticks_after="$(server_ticks)"
created="$(grep -o 'created [0-9]*' "$dir/wrk.txt" | awk '{print $2}')"
awk -v t="$((ticks_after - ticks_before))" -v hz="$(getconf CLK_TCK)" -v n="$created" \
  'BEGIN { printf "server CPU: %.2f s during the run, %.3f ms per acknowledged event\n", t / hz, n ? 1000 * t / hz / n : 0 }'
python - "$((created + warm_created))" <<'PY'
import os, sys
from sqlalchemy import create_engine, text
url = os.environ["ADVISOR_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
engine = create_engine(url)
with engine.connect() as conn:
    rows = conn.execute(text("SELECT count(*), count(DISTINCT client_event_id) FROM feedback_events")).one()
created = int(sys.argv[1])  # the warm-up's and the measured run's 201s
print(f"stored: {rows[0]} rows ({rows[1]} distinct client event ids); acknowledged 201: {created}; "
      f"lost: {max(created - rows[1], 0)}, duplicated: {rows[0] - rows[1]}, stored without a 201: {max(rows[1] - created, 0)}")
PY
echo "machine: $(nproc) cores, $(lscpu | grep 'Model name' | sed 's/ \+/ /g'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
