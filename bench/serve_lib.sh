# Shared by the wrk benchmarks (sourced, not run): wrk itself, a fresh store, waiting for a server, its key.
need_wrk() {
  command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
}
# fresh_store NAME DIR: a new PostgreSQL database NAME on 127.0.0.1 with BENCH_PG=1, else a SQLite file in DIR.
fresh_store() {
  if [ "${BENCH_PG:-0}" = 1 ]; then
    psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
    export ADVISOR_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$1"
  else
    export ADVISOR_DATABASE_URL="sqlite:///$2/bench.db"
  fi
}
# wait_healthy PORT TRIES: poll /healthz every 0.5 s, at most TRIES times.
wait_healthy() {
  for _ in $(seq 1 "$2"); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && return 0; sleep 0.5; done
}
# wait_started LOG WORKERS TRIES: wait until every worker logged its start-up (libraries built), polling
# every 0.5 s. /healthz answers once one worker listens, and keep-alive connections opened before the
# others listen stay on it for the whole run.
wait_started() {
  for _ in $(seq 1 "$3"); do
    [ "$(grep -c 'Application startup complete' "$1" || true)" -ge "$2" ] && return 0; sleep 0.5
  done
}
# agent_key LOG: the demo tenant's agent key from a first start's banner (empty when there is none).
agent_key() {
  grep -m1 'agent key:' "$1" | awk '{print $3}' || true
}
