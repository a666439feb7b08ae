#!/usr/bin/env bash
# Benchmarks of `aipipe serve` on this machine, all traffic on 127.0.0.1:
#  1. wrk against GET /health (the HTTP layer alone);
#  2. wrk against POST /infer/ocr with one rendered text line (multipart upload);
#  3. a full timetable page: through the service vs. the peer, the tesseract CLI at its
#     fastest here (OMP_THREAD_LIMIT=1), same page, same machine, medians of N runs.
# usage: bench/bench_serve.sh [PAGE.png]   (default: shared Example 1.1). Prints markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGE=${1:-../shared/data/timetables/Teacher Timetable Example 1.1.png}
RUNS=${RUNS:-5}
DURATION=${DURATION:-10}
make -s build >/dev/null
BIN=build/aipipe
TMP=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$TMP"' EXIT

RATE_LIMIT_INFERENCE=0 LOG_LEVEL=warn $BIN serve --port 0 --log-level info 2>"$TMP/log" &
SERVER=$!
for _ in $(seq 100); do grep -q '"listening"' "$TMP/log" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -o '"port":[0-9]*' "$TMP/log" | head -1 | cut -d: -f2)
URL=http://127.0.0.1:$PORT

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }

echo "## aipipe serve ($(nproc) cores, $(date -u +%Y-%m-%d))"
echo
echo "### wrk GET /health (2 threads, 32 connections, ${DURATION}s)"
wrk -t2 -c32 -d"${DURATION}s" --latency "$URL/health" | grep -E "Requests/sec|50%|99%|Latency "
echo

build/tests/render_text "$TMP/line.png" "DejaVu Sans" 32 "Registration and Maths 9:00-9:30" >/dev/null
BOUNDARY=aipipebench
{ printf -- "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"line.png\"\r\nContent-Type: image/png\r\n\r\n" $BOUNDARY
  cat "$TMP/line.png"; printf "\r\n--%s--\r\n" $BOUNDARY; } >"$TMP/body"
cat >"$TMP/post.lua" <<LUA
local f = io.open("$TMP/body", "rb"); wrk.body = f:read("*a"); f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=$BOUNDARY"
LUA
echo "### wrk POST /infer/ocr, one text line (2 threads, 4 connections, ${DURATION}s)"
wrk -t2 -c4 -d"${DURATION}s" --latency -s "$TMP/post.lua" "$URL/infer/ocr" | grep -E "Requests/sec|50%|99%|Non-2xx"
echo

echo "### Full page: $(basename "$PAGE") (median of $RUNS)"
svc=(); cli=()
for _ in $(seq "$RUNS"); do
  t0=$(now); curl -sf -F "file=@$PAGE" "$URL/infer/ocr" >/dev/null; t1=$(now)
  svc+=("$(echo "$t1 - $t0" | bc)")
  t0=$(now); OMP_THREAD_LIMIT=1 tesseract "$PAGE" "$TMP/out" >/dev/null 2>&1; t1=$(now)
  cli+=("$(echo "$t1 - $t0" | bc)")
done
S=$(printf '%s\n' "${svc[@]}" | median); C=$(printf '%s\n' "${cli[@]}" | median)
echo "| path | wall time (s) |"
echo "|---|---|"
echo "| aipipe serve, POST /infer/ocr (upload + decode + OCR + JSON) | $S |"
echo "| OMP_THREAD_LIMIT=1 tesseract page.png out | $C |"
echo "| ratio service / CLI | $(echo "scale=2; $S / $C" | bc) |"
