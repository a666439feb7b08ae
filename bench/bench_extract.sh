#!/usr/bin/env bash
# Times `aipipe extract` against `OMP_THREAD_LIMIT=1 tesseract PAGE out` (plain page OCR,
# Tesseract at its fastest here) on the same pages, interleaved so that both see the same
# machine load; prints the median wall time and the median CPU time (user + system) of each
# over RUNS runs, and the wall ratio (the issue's bar: extract <= 0.5 x tesseract). On a
# shared machine the wall ratio depends on the load (printed at the end); CPU time much less.
# Usage: bench/bench_extract.sh [BUILD_DIR] [RUNS]
set -euo pipefail
BIN=${1:-build}/aipipe
RUNS=${2:-5}
DATA=${AIPIPE_SHARED_DATA:-$(dirname "$0")/../../shared/data/timetables}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
measure() { # file command...: appends "wall cpu" seconds to file
  local f=$1
  shift
  /usr/bin/time -f '%e %U %S' -o "$OUT/time" "$@" >/dev/null 2>&1
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$OUT/time" >>"$f"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
printf '%-32s %9s %9s %7s %9s %9s\n' page extract tesseract ratio 'cpu ext' 'cpu tess'
for page in "$DATA"/*.png; do
  : >"$OUT/e"; : >"$OUT/t"
  for _ in $(seq "$RUNS"); do
    measure "$OUT/e" "$BIN" extract "$page"
    measure "$OUT/t" env OMP_THREAD_LIMIT=1 tesseract "$page" "$OUT/page"
  done
  ew=$(cut -d' ' -f1 "$OUT/e" | median); tw=$(cut -d' ' -f1 "$OUT/t" | median)
  ec=$(cut -d' ' -f2 "$OUT/e" | median); tc=$(cut -d' ' -f2 "$OUT/t" | median)
  printf '%-32s %8.2fs %8.2fs %7.2f %8.2fs %8.2fs\n' "$(basename "$page" .png)" "$ew" "$tw" \
    "$(echo "$ew / $tw" | bc -l)" "$ec" "$tc"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
