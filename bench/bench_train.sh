#!/usr/bin/env bash
# OCR training benchmarks (issue 6): base model CER vs Tesseract on held-out-font crops,
# per-line inference time vs Tesseract (OMP_THREAD_LIMIT=1), LoRA CER drop and trained
# share, student speed/CER, training GFLOP/s vs this machine's OpenBLAS sgemm GFLOP/s.
# Usage: bench/bench_train.sh [BUILD_DIR] [WORK_DIR]   (env: DOCS, STEPS, LORA_STEPS,
# DISTILL_STEPS, N_EVAL). Results go to WORK_DIR/results.txt; figures are copied by hand
# into docs/BENCHMARKS.md.
set -euo pipefail
BUILD=${1:-build-release}
WORK=${2:-/tmp/aipipe-bench-train}
BIN=$BUILD/aipipe
DOCS=${DOCS:-150}; STEPS=${STEPS:-1200}; LORA_STEPS=${LORA_STEPS:-300}
DISTILL_STEPS=${DISTILL_STEPS:-600}; N_EVAL=${N_EVAL:-200}
MODEL=(--conv 16,32,64,96 --dim 128 --blocks 2 --batch 16 --lr 0.003 --warmup 60)
mkdir -p "$WORK"; R=$WORK/results.txt; : > "$R"

cc -O2 -o "$WORK/sgemm" bench/sgemm_gflops.c $(pkg-config --cflags --libs openblas)
echo "sgemm GFLOP/s 1 thread: $("$WORK/sgemm" 1024 1)  2 threads: $("$WORK/sgemm" 1024 2)" | tee -a "$R"

[ -d "$WORK/dg" ] || "$BIN" datagen --count "$DOCS" --seed 7 --out "$WORK/dg" --lines --quiet
"$BIN" train ocr --data "$WORK/dg" --out "$WORK/base" --steps "$STEPS" "${MODEL[@]}" \
  2>&1 | tee "$WORK/base.log" | grep -E "samples/s|done" | tee -a "$R"
echo "base on test split (held-out fonts): $("$BIN" train eval --base "$WORK/base" --data "$WORK/dg" --eval-samples "$N_EVAL")" | tee -a "$R"

# Tesseract on the same crops (first N_EVAL of test.jsonl, single line mode, one thread)
python3 - "$WORK/dg/lines/test.jsonl" "$N_EVAL" <<'PY' | tee -a "$R"
import json, os, subprocess, sys, time
man, n = sys.argv[1], int(sys.argv[2])
root = os.path.dirname(os.path.dirname(man))
def ed(a, b):
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        p, d[0] = d[0], i
        for j in range(1, len(b) + 1):
            p, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, p + (a[i - 1] != b[j - 1]))
    return d[len(b)]
errs = tot = 0; secs = 0.0; k = 0
env = dict(os.environ, OMP_THREAD_LIMIT="1")
for line in open(man):
    o = json.loads(line)
    if o.get("rotation", 0): continue
    t0 = time.time()
    out = subprocess.run(["tesseract", os.path.join(root, o["image"]), "-", "--psm", "7"],
                         capture_output=True, text=True, env=env).stdout.strip()
    secs += time.time() - t0
    errs += ed(out, o["text"]); tot += len(o["text"]); k += 1
    if k >= n: break
print(f"tesseract on test split: cer {errs / tot:.4f}, {1000 * secs / k:.1f} ms/line "
      f"(CLI, includes process start), {k} lines")
PY

"$BIN" train lora --base "$WORK/base" --data "$WORK/dg" --out "$WORK/lora" --steps "$LORA_STEPS" \
  --rank 4 --alpha 8 --targets proj,blocks.0.conv,blocks.1.conv,head --merge "${MODEL[@]}" \
  2>&1 | grep -E "trained parameters|done" | tee -a "$R"
echo "lora merged on test split: $("$BIN" train eval --base "$WORK/lora/merged" --data "$WORK/dg" --eval-samples "$N_EVAL")" | tee -a "$R"

"$BIN" train distill --teacher "$WORK/base" --data "$WORK/dg" --out "$WORK/student" \
  --steps "$DISTILL_STEPS" --student-conv 8,16,32,48 --student-dim 64 --student-blocks 1 \
  --batch 16 --lr 0.003 --warmup 60 2>&1 | grep -E "samples/s|done" | tee -a "$R"
echo "student on test split: $("$BIN" train eval --base "$WORK/student" --data "$WORK/dg" --eval-samples "$N_EVAL")" | tee -a "$R"
