#!/usr/bin/env bash
# Times `aipipe datagen` on 1,000 mixed documents (all four formats, all layout families,
# light degradation, 2 worker threads) and, for comparison, the same run on one thread and
# with heavy degradation plus line crops. Usage: bench/bench_datagen.sh [BUILD_DIR] [COUNT]
set -euo pipefail
BIN=${1:-build}/aipipe
COUNT=${2:-1000}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
run() { # label, then datagen flags
  local label=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" datagen --count "$COUNT" --seed 2024 --out "$OUT/$label" --quiet "$@"
  t1=$(date +%s.%N)
  local n
  n=$(find "$OUT/$label" -maxdepth 1 -name '*.json' | wc -l)
  printf '%-40s %6d docs  %7.1f s  %6.1f docs/s  %s\n' "$label" "$n" "$(echo "$t1 - $t0" | bc)" \
    "$(echo "$n / ($t1 - $t0)" | bc -l)" "$(du -sh "$OUT/$label" | cut -f1)"
}
run mixed-light-jobs2 --formats png,jpg,pdf,docx --degrade light --jobs 2
run mixed-light-jobs1 --formats png,jpg,pdf,docx --degrade light --jobs 1
run png-heavy-lines-jobs2 --formats png --degrade heavy --lines --jobs 2
