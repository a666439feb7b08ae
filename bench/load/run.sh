#!/usr/bin/env bash
# Load test of `aipipe serve` with traffic shaped like production's (bench/load/mixed.lua):
# uploads of three sizes to POST /infer/ocr (one text line, a block of lines, a full
# timetable page), GET /health and GET /metrics, and feature reads and model listing where
# the service has those routes (each route is probed first; one answering 404 is skipped).
# Client side: wrk's throughput and latency over the mix. Server side: the service's own
# histograms (inference_latency_seconds by endpoint) and CPU seconds, read from /metrics
# before and after, which show where the time goes. All traffic on 127.0.0.1.
#
# usage: bench/load/run.sh            (env: DURATION=30 CONNECTIONS=8 THREADS=2
#                                      AIPIPE_BIN=build/aipipe FEATURES_PATH=/features/...)
# Prints markdown for docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${AIPIPE_BIN:-build/aipipe}
RENDER=${RENDER_TEXT:-$(dirname "$BIN")/tests/render_text}
PAGE=${PAGE:-../shared/data/timetables/Teacher Timetable Example 1.1.png}
DURATION=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-8}
THREADS=${THREADS:-2}
FEATURES_PATH=${FEATURES_PATH:-/features/doc-1?features=ocr_confidence,cell_count}
[ -x "$BIN" ] || { echo "no $BIN: make build (or set AIPIPE_BIN)" >&2; exit 1; }
[ -x "$RENDER" ] || { echo "no $RENDER: make build (or set RENDER_TEXT)" >&2; exit 1; }

TMP=$(mktemp -d)
SERVER=""
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

RATE_LIMIT_INFERENCE=0 RATE_LIMIT_FEATURES=0 RATE_LIMIT_MODELS=0 LOG_FORMAT=json \
  "$BIN" serve --host 127.0.0.1 --port 0 --log-level info 2>"$TMP/log" &
SERVER=$!
for _ in $(seq 200); do grep -q '"listening"' "$TMP/log" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -o '"port":[0-9]*' "$TMP/log" | head -1 | cut -d: -f2)
[ -n "$PORT" ] || { echo "server did not start:" >&2; cat "$TMP/log" >&2; exit 1; }
URL=http://127.0.0.1:$PORT

# Upload bodies (multipart, boundary as in mixed.lua).
body() { # body NAME IMAGE
  { printf -- "--aipipeloadtest\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s.png\"\r\nContent-Type: image/png\r\n\r\n" "$1"
    cat "$2"; printf "\r\n--aipipeloadtest--\r\n"; } >"$TMP/$1.body"
}
"$RENDER" "$TMP/small.png" "DejaVu Sans" 32 "Registration and Maths 9:00-9:30" >/dev/null
"$RENDER" "$TMP/medium.png" "DejaVu Sans" 28 "Monday Tuesday Wednesday Thursday Friday" \
  "08:35 Registration and Early Morning work" "09:00 RWI" "09:30 Maths" "10:00 Assembly" \
  "10:20 Break" "10:35 English" "11:35 Phonics" "12:00 Lunch" "13:00 Science" \
  "14:00 PE with Mr Smith" "15:00 Story time" >/dev/null
body small "$TMP/small.png"
body medium "$TMP/medium.png"
body page "$PAGE"
printf '%s' "$FEATURES_PATH" >"$TMP/features.path"

# One entity's features to read back (the write answers 404 where the service has no
# feature API; the probe below then drops the route).
curl -s -o /dev/null -XPOST "$URL/features" -H 'Content-Type: application/json' \
  -d '{"entity_id": "doc-1", "features": {"ocr_confidence": 0.93, "cell_count": 40}}' || true

# The mix; routes the service does not have (404) drop out.
ROUTES=(small=40 medium=25 page=5 health=20 metrics=5)
probe() { curl -s -o /dev/null -w '%{http_code}' "$URL$1"; }
[ "$(probe "$FEATURES_PATH")" != 404 ] && ROUTES+=(features=10) || echo "<!-- skipped: GET $FEATURES_PATH answers 404 -->"
[ "$(probe /models)" != 404 ] && ROUTES+=(models=2) || echo "<!-- skipped: GET /models answers 404 -->"

size() { stat -c %s "$1" | awk '{ printf "%.0f KB", $1 / 1024 }'; }
# Each upload alone on the idle service (median of 3): the work one request costs, before
# any queueing.
alone() { # alone NAME -> median seconds
  for _ in 1 2 3; do
    curl -s -o /dev/null -w '%{time_total}\n' -XPOST --data-binary "@$TMP/$1.body" \
      -H 'Content-Type: multipart/form-data; boundary=aipipeloadtest' "$URL/infer/ocr"
  done | sort -n | sed -n 2p
}
ALONE_SMALL=$(alone small); ALONE_MEDIUM=$(alone medium); ALONE_PAGE=$(alone page)
curl -s "$URL/metrics" >"$TMP/before"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 60s --latency \
  -s bench/load/mixed.lua "$URL" -- "$TMP" "${ROUTES[@]}" >"$TMP/wrk"
curl -s "$URL/metrics" >"$TMP/after"

echo "### Mixed traffic: wrk ${THREADS} threads x ${CONNECTIONS} connections, ${DURATION} s ($(nproc) cores, $(date -u +%Y-%m-%d))"
echo
echo "Mix (weights): ${ROUTES[*]}; uploads: small $(size "$TMP/small.body"), medium $(size "$TMP/medium.body"), page $(size "$TMP/page.body")."
echo
echo "Each upload alone on the idle service (median of 3): small ${ALONE_SMALL} s, medium ${ALONE_MEDIUM} s, page ${ALONE_PAGE} s."
echo
echo '```'
grep -E "Requests/sec|Transfer/sec|requests in|Non-2xx|Socket errors|Latency |50%|90%|99%" "$TMP/wrk"
echo '```'
echo
python3 - "$TMP/before" "$TMP/after" "$DURATION" <<'EOF'
import re, sys
from collections import defaultdict

def parse(path):
    series = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r'([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)', line)
        if m:
            series[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return series

before, after, duration = parse(sys.argv[1]), parse(sys.argv[2]), float(sys.argv[3])
delta = {k: v - before.get(k, 0.0) for k, v in after.items()}
labels = lambda s: dict(re.findall(r'(\w+)="([^"]*)"', s))

buckets = defaultdict(list)
counts, sums, status = {}, {}, defaultdict(dict)
for (name, lab), v in delta.items():
    l = labels(lab)
    if name == "inference_latency_seconds_bucket":
        buckets[l["endpoint"]].append((float(l["le"]), v))
    elif name == "inference_latency_seconds_count":
        counts[l["endpoint"]] = v
    elif name == "inference_latency_seconds_sum":
        sums[l["endpoint"]] = v
    elif name == "inference_requests_total":
        status[l["endpoint"]][l["status"]] = v

def quantile(q, bs):
    bs = sorted(bs)
    total = bs[-1][1]
    if total <= 0:
        return float("nan")
    rank, prev_le, prev_n = q * total, 0.0, 0.0
    for le, n in bs:
        if n >= rank:
            if le == float("inf"):
                return prev_le
            return prev_le + (le - prev_le) * (rank - prev_n) / max(n - prev_n, 1e-9)
        prev_le, prev_n = le, n
    return prev_le

print("Server side, from the service's own histograms (inference_latency_seconds; quantiles")
print("interpolated within buckets):")
print()
print("| endpoint | requests | req/s | statuses | mean | p50 | p99 |")
print("|---|---|---|---|---|---|---|")
for ep in sorted(counts, key=lambda e: -counts[e]):
    n = counts[ep]
    if n <= 0:
        continue
    st = ", ".join(f"{k}: {int(v)}" for k, v in sorted(status[ep].items()) if v > 0)
    print(f"| {ep} | {int(n)} | {n / duration:.1f} | {st} | {1000 * sums[ep] / n:.1f} ms "
          f"| {1000 * quantile(0.5, buckets[ep]):.1f} ms | {1000 * quantile(0.99, buckets[ep]):.1f} ms |")
cpu = delta.get(("process_cpu_seconds_total", ""), 0.0)
print()
print(f"Service CPU: {cpu:.1f} s over {duration:.0f} s = {cpu / duration:.2f} cores busy; "
      f"resident memory after: {after.get(('process_resident_memory_bytes', ''), 0) / 2**20:.0f} MiB.")
EOF
