#!/usr/bin/env bash
# Times `aipipe extract` against `OMP_THREAD_LIMIT=1 tesseract PAGE out` (plain page OCR,
# Tesseract at its fastest here) on the same pages, interleaved so that both see the same
# machine load; prints the median wall time of each over RUNS runs and their ratio (the
# issue's bar: extract <= 0.5 x tesseract). Usage: bench/bench_extract.sh [BUILD_DIR] [RUNS]
set -euo pipefail
BIN=${1:-build}/aipipe
RUNS=${2:-5}
DATA=${AIPIPE_SHARED_DATA:-$(dirname "$0")/../../shared/data/timetables}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
wall() { # command...: seconds of wall time
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
printf '%-34s %10s %10s %7s\n' page extract tesseract ratio
for page in "$DATA"/*.png; do
  : >"$OUT/e"; : >"$OUT/t"
  for _ in $(seq "$RUNS"); do
    wall "$BIN" extract "$page" >>"$OUT/e"
    wall env OMP_THREAD_LIMIT=1 tesseract "$page" "$OUT/page" >>"$OUT/t"
  done
  e=$(median <"$OUT/e"); t=$(median <"$OUT/t")
  printf '%-34s %9.2fs %9.2fs %7.2f\n' "$(basename "$page" .png)" "$e" "$t" "$(echo "$e / $t" | bc -l)"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
