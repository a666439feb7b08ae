#!/usr/bin/env bash
# Benchmarks of the online feature store on this machine, all traffic on 127.0.0.1:
#  1. the peer: redis-benchmark GET against a redis-server started here (foreground, temp dir);
#  2. wrk GET /features/{id} (2 features) and POST /get-online-features (10 entities x 2
#     features, one pipelined round trip) through `aipipe serve` on that Redis, then on the
#     embedded store;
#  3. the embedded store in-process (tests/tools/bench_fs_embedded): writes/s and reads/s.
# usage: bench/bench_features.sh   (BIN=path/to/aipipe to skip `make build`). Prints markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
if [ -z "${BIN:-}" ]; then make -s build >/dev/null; BIN=build/aipipe; fi
TOOLS=$(dirname "$BIN")/tests
TMP=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

RPORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$RPORT" --save '' --appendonly no --dir "$TMP" \
  --daemonize no >"$TMP/redis.log" 2>&1 </dev/null &
PIDS+=($!)
for _ in $(seq 100); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

start_serve() { # $1: log file; the rest: environment. Sets PORT.
  local log=$1; shift
  env "$@" RATE_LIMIT_FEATURES=0 LOG_LEVEL=warn "$BIN" serve --port 0 --log-level info \
    >/dev/null 2>"$log" &
  PIDS+=($!)
  for _ in $(seq 100); do grep -q '"listening"' "$log" 2>/dev/null && break; sleep 0.1; done
  PORT=$(grep -o '"port":[0-9]*' "$log" | head -1 | cut -d: -f2)
}

IDS=$(python3 -c 'import json; print(json.dumps(["doc-%d" % i for i in range(10)]))')
cat >"$TMP/online.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"features": ["document_ocr:word_count", "document_ocr:ocr_confidence"], "entities": {"document_id": $IDS}}'
LUA

bench_store() { # $1: label; $2: port
  local url=http://127.0.0.1:$2
  for i in $(seq 0 9); do
    curl -sf -XPOST "$url/features" -H 'Content-Type: application/json' \
      -d "{\"entity_id\":\"doc-$i\",\"features\":{\"word_count\":$i,\"ocr_confidence\":0.9}}" >/dev/null
  done
  echo "### $1: wrk GET /features/doc-3?features=word_count,ocr_confidence (2 threads, 32 connections, ${DURATION}s)"
  wrk -t2 -c32 -d"${DURATION}s" --latency "$url/features/doc-3?features=word_count,ocr_confidence" |
    grep -E "Requests/sec|50%|99%|Non-2xx"
  echo
  echo "### $1: wrk POST /get-online-features, 10 entities x 2 features (2 threads, 32 connections, ${DURATION}s)"
  wrk -t2 -c32 -d"${DURATION}s" --latency -s "$TMP/online.lua" "$url/get-online-features" |
    grep -E "Requests/sec|50%|99%|Non-2xx"
  echo
}

echo "## Feature store ($(nproc) cores, $(date -u +%Y-%m-%d), $(redis-server --version | cut -d' ' -f3))"
echo
echo "### peer: redis-benchmark GET (32 connections, 200000 requests, no pipelining)"
redis-cli -p "$RPORT" set key:__rand_int__ x >/dev/null
redis-benchmark -p "$RPORT" -t get -n 200000 -c 32 -q | tr '\r' '\n' | grep -E "^GET" | tail -1
echo
start_serve "$TMP/serve-redis.log" FEATURE_STORE=redis REDIS_PORT="$RPORT"
bench_store "redis store" "$PORT"
start_serve "$TMP/serve-emb.log" FEATURE_STORE=embedded FEATURE_STORE_PATH="$TMP/emb/f.aof"
bench_store "embedded store" "$PORT"
echo "### embedded store in-process (tests/tools/bench_fs_embedded)"
"$TOOLS/bench_fs_embedded" "$TMP" 200000
