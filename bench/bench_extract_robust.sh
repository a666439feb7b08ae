#!/usr/bin/env bash
# The real timetables as they might arrive: each page turned, skewed, shrunk, blurred,
# noisy, photographed at an angle or badly compressed (tests/tools/transform_image), then
# `aipipe eval --run` per variant against the page's own gold. Prints strict and name F1
# pooled over the pages for each variant, so a change to the raster path shows what it
# does to pages that are not the clean originals. Usage:
#   bench/bench_extract_robust.sh [BUILD_DIR]   (extra `aipipe eval` flags in EVAL_FLAGS)
set -euo pipefail
BUILD=${1:-build}
DATA=${AIPIPE_SHARED_DATA:-$(dirname "$0")/../../shared/data/timetables}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
VARIANTS=("original" "rot90" "rot180" "rot270" "skew 2" "skew -4" "scale 0.6" "scale 0.45"
  "gray" "blur 2" "noise 25" "persp 0.04" "persp 0.08" "jpeg 30")
printf '%-12s %9s %9s\n' variant strict name
for v in "${VARIANTS[@]}"; do
  dir="$OUT/${v// /_}"
  mkdir -p "$dir"
  for gold in "$DATA"/*.json; do
    name=$(basename "$gold" .json)
    ext=png
    [[ $v == jpeg* ]] && ext=jpg
    if [[ $v == original ]]; then
      cp "$DATA/$name.png" "$dir/$name.png"
    else
      # shellcheck disable=SC2086 # the variant is an operation and its argument
      "$BUILD/tests/transform_image" "$DATA/$name.png" "$dir/$name.$ext" $v
    fi
    python3 - "$gold" "$dir/$name.json" "$name.$ext" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["source"] = sys.argv[3]
json.dump(doc, open(sys.argv[2], "w"))
EOF
  done
  # shellcheck disable=SC2086 # EVAL_FLAGS holds several flags
  "$BUILD/aipipe" eval --gold "$dir" --run --json ${EVAL_FLAGS:-} >"$dir.eval.json" 2>/dev/null || true
  python3 - "$dir.eval.json" "$v" <<'EOF'
import json, sys
try:
    p = json.load(open(sys.argv[1]))["pooled"]
    print(f"{sys.argv[2]:<12} {p['strict_f1']:9.3f} {p['name_f1']:9.3f}")
except (ValueError, KeyError):
    print(f"{sys.argv[2]:<12} {'failed':>9}")
EOF
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
