#!/usr/bin/env bash
# Times `aipipe datagen` on COUNT (1,000) mixed documents (all four formats, all layout
# families, light degradation, 2 worker threads); for comparison the same documents' first
# fifth on one and two threads, and a fifth with heavy degradation plus line crops (about a
# hundred crops per document). Usage: bench/bench_datagen.sh [BUILD_DIR] [COUNT]
set -euo pipefail
BIN=${1:-build}/aipipe
COUNT=${2:-1000}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
run() { # label, count, then datagen flags
  local label=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  local count=$1; shift
  "$BIN" datagen --count "$count" --seed 2024 --out "$OUT/$label" --quiet "$@"
  t1=$(date +%s.%N)
  local n
  n=$(find "$OUT/$label" -maxdepth 1 -name '*.json' | wc -l)
  printf '%-40s %6d docs  %7.1f s  %6.1f docs/s  %s\n' "$label" "$n" "$(echo "$t1 - $t0" | bc)" \
    "$(echo "$n / ($t1 - $t0)" | bc -l)" "$(du -sh "$OUT/$label" | cut -f1)"
}
FIFTH=$((COUNT / 5))
run mixed-light-jobs2 "$COUNT" --formats png,jpg,pdf,docx --degrade light --jobs 2
run mixed-light-jobs2-fifth "$FIFTH" --formats png,jpg,pdf,docx --degrade light --jobs 2
run mixed-light-jobs1-fifth "$FIFTH" --formats png,jpg,pdf,docx --degrade light --jobs 1
run png-heavy-lines-jobs2-fifth "$FIFTH" --formats png --degrade heavy --lines --jobs 2
