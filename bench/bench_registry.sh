#!/usr/bin/env bash
# Benchmarks of `aipipe registry` on this machine, all traffic on 127.0.0.1: wrk with 64
# concurrent connections against
#  1. POST registered-models/get-latest-versions (a read: model row + latest version per
#     stage + its tags and aliases), and
#  2. POST runs/log-batch with 10 metrics and 1 tag (a write transaction: 21 upserts),
# once on the embedded SQLite store (SQLITE_SYNC: group, the default, or full or normal)
# and once on a PostgreSQL 15 cluster started in a temporary directory (fsync on, as in
# production). The machine's load average is printed with the table.
# usage: bench/bench_registry.sh   (DURATION=seconds per run, default 10; AIPIPE_BIN to
# compare builds; SKIP_PG=1 for SQLite only). Prints markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
SQLITE_SYNC=${SQLITE_SYNC:-group}
BIN=${AIPIPE_BIN:-build/aipipe}
[ -n "${AIPIPE_BIN:-}" ] || make -s build >/dev/null
BIN=$(realpath "$BIN")
PGBIN=/usr/lib/postgresql/15/bin
TMP=$(mktemp -d)
chmod 755 "$TMP"
SERVER=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  [ -d "$TMP/pg" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$TMP/pg" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

start_registry() { # $1: backend store URI
  LOG_LEVEL=warn "$BIN" registry --port 0 --log-level info --backend-store-uri "$1" \
    --artifacts-destination "$TMP/artifacts" --sqlite-synchronous "$SQLITE_SYNC" 2>"$TMP/log" &
  SERVER=$!
  for _ in $(seq 100); do grep -q '"listening"' "$TMP/log" 2>/dev/null && break; sleep 0.1; done
  PORT=$(grep -o '"port":[0-9]*' "$TMP/log" | head -1 | cut -d: -f2)
  URL=http://127.0.0.1:$PORT/api/2.0/mlflow
}

post() { curl -sf -X POST -H 'Content-Type: application/json' "$URL/$1" -d "$2"; }

setup_data() {
  post registered-models/create '{"name":"bench","tags":[{"key":"task","value":"ocr"}]}' >/dev/null
  for i in 1 2 3 4; do post model-versions/create "{\"name\":\"bench\",\"source\":\"s3://b/m/$i\"}" >/dev/null; done
  post model-versions/transition-stage '{"name":"bench","version":"3","stage":"Production"}' >/dev/null
  post model-versions/transition-stage '{"name":"bench","version":"4","stage":"Staging"}' >/dev/null
  post registered-models/alias '{"name":"bench","alias":"champion","version":"3"}' >/dev/null
  RUN=$(post runs/create '{"experiment_id":"0"}' | grep -o '"run_id":"[0-9a-f]*"' | cut -d'"' -f4)
}

write_lua() {
  cat >"$TMP/latest.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name":"bench","stages":["Production"]}'
LUA
  cat >"$TMP/batch.lua" <<LUA
-- a distinct timestamp per request, so every batch writes new metric rows
local n = 0
request = function()
  n = n + 1
  local ts = math.random(1, 2000000000) * 1000 + n
  local m = {}
  for i = 1, 10 do
    m[i] = string.format('{"key":"m%d","value":%d.5,"timestamp":%d,"step":%d}', i, n, ts, n)
  end
  local body = '{"run_id":"$RUN","metrics":[' .. table.concat(m, ",") ..
    '],"tags":[{"key":"last","value":"' .. n .. '"}]}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
LUA
}

# Runs wrk; prints "req/s | p50 | p99 | errors".
measure() { # $1: endpoint, $2: lua script
  local out
  out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$2" "$URL/$1")
  local rps p50 p99 non2xx
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  echo "$rps | $p50 | $p99 | ${non2xx:-0}"
}

run_store() { # $1: label, $2: URI
  start_registry "$2"
  setup_data
  write_lua
  echo "| $1 | get-latest-versions | $(measure registered-models/get-latest-versions "$TMP/latest.lua") |"
  echo "| $1 | log-batch (10 metrics + 1 tag) | $(measure runs/log-batch "$TMP/batch.lua") |"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
}

echo "## aipipe registry ($(nproc) cores, $(date -u +%Y-%m-%d), load average $(cut -d' ' -f1-3 /proc/loadavg)), wrk 2 threads x $CONNS connections, ${DURATION}s each"
echo
echo "| store | endpoint | req/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|---|"
run_store "SQLite (WAL, sqlite_synchronous=$SQLITE_SYNC)" "sqlite:///$TMP/registry.db"
[ -n "${SKIP_PG:-}" ] && { echo; echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"; exit 0; }

PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
chown postgres "$TMP"
runuser -u postgres -- "$PGBIN/initdb" -D "$TMP/pg" -U postgres -A trust -E UTF8 >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$TMP/pg" -l "$TMP/pg.log" -w -o \
  "-p $PGPORT -k $TMP -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
run_store "PostgreSQL 15 (fsync on)" "postgresql://postgres@127.0.0.1:$PGPORT/postgres"
echo; echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
