#!/usr/bin/env bash
# OCR training benchmarks (issue 6): base model CER vs Tesseract on the SAME held-out-font
# crops, per-line inference time, LoRA on a domain set, student speed/CER, training
# GFLOP/s vs this machine's OpenBLAS sgemm GFLOP/s.
# Usage: bench/bench_train.sh [BUILD_DIR] [WORK_DIR]   (env: DOCS, STEPS, LORA_STEPS,
# DISTILL_STEPS, N_EVAL, THREADS, AUGMENT, HEAD=conv|bigru). Results go to
# WORK_DIR/results.txt; figures are copied by hand into docs/BENCHMARKS.md. The two heads
# side by side: run it twice with HEAD=conv and HEAD=bigru and different WORK_DIRs (the
# data are the same: datagen seed 7).
#
# Sets, all from one `aipipe datagen --lines` run (docs/DATAGEN.md):
#   upright  the first N_EVAL upright timetable lines of test.jsonl (kinds other than
#            "text"): documents never trained on, their fonts favoured towards the six
#            families held out of training; both the model and Tesseract read exactly these.
#   text     the first N_EVAL upright extra text lines (kind "text": words, codes, printable
#            ASCII, typographic characters; docs/DATAGEN.md) of test.jsonl: the full charset.
#   domain   lines in the held-out families only (Quicksand, Comic Neue, Dancing Script,
#            Cantarell, TeX Gyre Schola, URW Bookman: rounded, comic and script faces):
#            LoRA trains on those of val.jsonl and is scored on those of test.jsonl
#            (timetable kinds only, as upright), so neither the base nor the adapter has
#            seen the scored lines.
#   val      the first 500 upright lines of val.jsonl (every kind): where the weight of the
#            character prior (`aipipe train lm`, counted from train.jsonl's text) is chosen;
#            the test sets are then decoded with it (beam 8).
# On a machine shared with other work the wall-clock GFLOP/s measure the neighbours too:
# the trainer and sgemm_gflops also print GFLOP per CPU-second, the load-independent figure.
set -euo pipefail
BUILD=${1:-build-release}
WORK=${2:-/tmp/aipipe-bench-train}
BIN=$BUILD/aipipe
DOCS=${DOCS:-300}; STEPS=${STEPS:-6000}; LORA_STEPS=${LORA_STEPS:-300}
DISTILL_STEPS=${DISTILL_STEPS:-5000}; N_EVAL=${N_EVAL:-300}; THREADS=${THREADS:-1}
AUGMENT=${AUGMENT:-true}; HEAD=${HEAD:-conv}
MODEL=(--conv 16,32,64,96 --head "$HEAD" --dim 160 --blocks 3 --batch 16 --lr 0.003 --warmup 100
       --threads "$THREADS" --augment "$AUGMENT")
# LoRA rank 4 on the projection, each block's mixing layer and the output layer (12-14k
# adapter parameters with either head; the bigru's on its input-side matrices)
if [ "$HEAD" = bigru ]; then
  TARGETS=proj,head; for b in 0 1 2; do TARGETS+=",blocks.$b.gru.fwd.ih,blocks.$b.gru.bwd.ih"; done
else
  TARGETS=proj,blocks.0.conv,blocks.1.conv,blocks.2.conv,head
fi
mkdir -p "$WORK"; R=$WORK/results.txt; : > "$R"

cc -O2 -o "$WORK/sgemm" bench/sgemm_gflops.c $(pkg-config --cflags --libs openblas)
echo "sgemm GFLOP/s 1 thread: $("$WORK/sgemm" 1024 1)  2 threads: $("$WORK/sgemm" 1024 2)" | tee -a "$R"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$R"

[ -d "$WORK/dg" ] || "$BIN" datagen --count "$DOCS" --seed 7 --out "$WORK/dg" --lines --quiet
python3 - "$WORK" "$N_EVAL" <<'PY'
import json, os, sys
work, n = sys.argv[1], int(sys.argv[2])
lines = os.path.join(work, "dg", "lines")
held = {"Quicksand", "Comic Neue", "Dancing Script", "Cantarell", "TeX Gyre Schola", "URW Bookman"}
def subset(src, dst, keep, limit):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    k = 0
    with open(dst, "w") as out:
        for line in open(os.path.join(lines, src)):
            o = json.loads(line)
            if o.get("rotation", 0) or not keep(o):
                continue
            o["image"] = os.path.join(work, "dg", o["image"])
            out.write(json.dumps(o) + "\n")
            k += 1
            if limit and k >= limit:
                break
    os.system(f"cp {lines}/charset.txt {os.path.dirname(dst)}/")
subset("test.jsonl", f"{work}/upright/lines/test.jsonl", lambda o: o["kind"] != "text", n)
subset("test.jsonl", f"{work}/text/lines/test.jsonl", lambda o: o["kind"] == "text", n)
subset("val.jsonl", f"{work}/domain/lines/train.jsonl", lambda o: o["font"] in held, 0)
subset("test.jsonl", f"{work}/domain/lines/test.jsonl", lambda o: o["font"] in held and o["kind"] != "text", n)
subset("val.jsonl", f"{work}/val/lines/test.jsonl", lambda o: True, 500)
PY

"$BIN" train ocr --data "$WORK/dg" --out "$WORK/base" --steps "$STEPS" "${MODEL[@]}" \
  2>&1 | tee "$WORK/base.log" | grep -E "samples/s|done" | tee -a "$R"
# batch 1 at one thread, as the fine_tuned_ocr engine reads; cpu_ms_per_line is load-proof
echo "base on upright test lines: $("$BIN" train eval --base "$WORK/base" --data "$WORK/upright/lines" --eval-samples "$N_EVAL" --threads 1)" | tee -a "$R"
echo "base on domain test lines: $("$BIN" train eval --base "$WORK/base" --data "$WORK/domain/lines" --eval-samples "$N_EVAL" --threads 1)" | tee -a "$R"
echo "base on text test lines: $("$BIN" train eval --base "$WORK/base" --data "$WORK/text/lines" --eval-samples "$N_EVAL" --threads 1)" | tee -a "$R"

# the character prior beside the model (base/lm.safetensors, weight 0.4 in its metadata):
# the weight's sweep on the val lines, then the test sets read with it
"$BIN" train lm --base "$WORK/base" --data "$WORK/dg" 2>&1 | tee -a "$R"
for w in 0.2 0.3 0.4 0.5 0.7; do
  echo "base + prior at weight $w on val lines: $("$BIN" train eval --base "$WORK/base" --data "$WORK/val/lines" --eval-samples 500 --threads 1 --beam 8 --lm "$WORK/base/lm.safetensors" --lm-weight "$w")" | tee -a "$R"
done
for set in upright domain text; do
  echo "base + prior (beam 8, weight 0.4) on $set test lines: $("$BIN" train eval --base "$WORK/base" --data "$WORK/$set/lines" --eval-samples "$N_EVAL" --threads 1 --beam 8 --lm "$WORK/base/lm.safetensors" --lm-weight 0.4)" | tee -a "$R"
done

# Tesseract on the same crops (single line mode, one thread)
tess() {
python3 - "$1" "$2" <<'PY'
import json, os, subprocess, sys
man, name = sys.argv[1], sys.argv[2]
def ed(a, b):
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        p, d[0] = d[0], i
        for j in range(1, len(b) + 1):
            p, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, p + (a[i - 1] != b[j - 1]))
    return d[len(b)]
errs = tot = k = 0; cpu = 0.0
env = dict(os.environ, OMP_THREAD_LIMIT="1")
for line in open(man):
    o = json.loads(line)
    r0 = os.times()
    out = subprocess.run(["tesseract", o["image"], "-", "--psm", "7"], capture_output=True,
                         text=True, env=env).stdout.strip()
    r1 = os.times()
    cpu += r1.children_user - r0.children_user + r1.children_system - r0.children_system
    errs += ed(out, o["text"]); tot += len(o["text"]); k += 1
print(f"tesseract --psm 7 on {name} lines: cer {errs / tot:.4f}, {1000 * cpu / k:.0f} ms CPU/line "
      f"(CLI, includes process start and model load), {k} lines")
PY
}
tess "$WORK/upright/lines/test.jsonl" "upright test" | tee -a "$R"
tess "$WORK/domain/lines/test.jsonl" "domain test" | tee -a "$R"
tess "$WORK/text/lines/test.jsonl" "text test" | tee -a "$R"

"$BIN" train lora --base "$WORK/base" --data "$WORK/domain" --out "$WORK/lora" --steps "$LORA_STEPS" \
  --rank 4 --alpha 8 --targets "$TARGETS" --merge --batch 16 \
  --lr 0.003 --warmup 30 --threads "$THREADS" --augment "$AUGMENT" \
  2>&1 | grep -E "trained parameters|done" | tee -a "$R"
echo "lora merged on domain test lines: $("$BIN" train eval --base "$WORK/lora/merged" --data "$WORK/domain/lines" --eval-samples "$N_EVAL")" | tee -a "$R"

"$BIN" train distill --teacher "$WORK/base" --data "$WORK/dg" --out "$WORK/student" \
  --steps "$DISTILL_STEPS" --student-conv 8,16,32,48 --student-dim 64 --student-blocks 1 \
  --batch 16 --lr 0.003 --warmup 100 --threads "$THREADS" --augment "$AUGMENT" \
  2>&1 | grep -E "samples/s|done" | tee -a "$R"
echo "student on upright test lines: $("$BIN" train eval --base "$WORK/student" --data "$WORK/upright/lines" --eval-samples "$N_EVAL")" | tee -a "$R"
