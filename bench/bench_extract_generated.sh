#!/usr/bin/env bash
# Extraction quality on generated documents (the issue's bar: strict F1 >= 0.95 on 200
# documents of mixed formats and degradations). Draws COUNT documents with aipipe datagen
# (SEED, png/jpg/pdf/docx, light degradation), runs `aipipe eval --run`, and prints the
# pooled figures, then the same by format and by layout family. The family of each document
# is found by drawing the set again with each family forced (datagen keeps every other draw
# when a family is forced, so a document whose gold is byte-identical to the forced set's
# is of that family). Usage: bench/bench_extract_generated.sh [BUILD_DIR] [COUNT] [SEED]
set -euo pipefail
BIN=${1:-build}/aipipe
COUNT=${2:-200}
SEED=${3:-7}
DEGRADE=${DEGRADE:-light}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
gen() { # dir [--layout FAMILY]
  local dir=$1
  shift
  "$BIN" datagen --count "$COUNT" --seed "$SEED" --out "$dir" --formats png,jpg,pdf,docx \
    --degrade "$DEGRADE" --quiet "$@"
}
gen "$OUT/mixed"
for fam in grid-rows grid-cols lists; do gen "$OUT/$fam" --layout "$fam"; done
start=$(date +%s)
"$BIN" eval --gold "$OUT/mixed" --run --json >"$OUT/eval.json" || true
end=$(date +%s)
python3 - "$OUT" <<'EOF'
import json, os, sys
out = sys.argv[1]
ev = json.load(open(os.path.join(out, "eval.json")))
def family(doc):
    gold = open(os.path.join(out, "mixed", doc + ".json"), "rb").read()
    for fam in ("grid-rows", "grid-cols", "lists"):
        p = os.path.join(out, fam, doc + ".json")
        if os.path.exists(p) and open(p, "rb").read() == gold:
            return fam
    return "?"
groups = {}
for d in ev["documents"]:
    fmt = os.path.splitext(d.get("pred_file") or "")[1].lstrip(".") or "?"
    for key in ("all", "format " + fmt, "family " + family(d["document"])):
        g = groups.setdefault(key, {"docs": 0, "gold": 0, "pred": 0, "name_tp": 0, "strict_tp": 0, "failed": 0})
        c = d["counts"]
        g["docs"] += 1
        g["failed"] += 1 if d.get("error") else 0
        for k in ("gold", "pred", "name_tp", "strict_tp"):
            g[k] += c[k]
f1 = lambda tp, g: 2 * tp / (g["gold"] + g["pred"]) if g["gold"] + g["pred"] else 0.0
print(f"{'set':<18} {'docs':>5} {'gold':>6} {'pred':>6} {'name_f1':>8} {'strict_f1':>9} {'failed':>6}")
for key in sorted(groups, key=lambda k: (k != "all", k)):
    g = groups[key]
    print(f"{key:<18} {g['docs']:>5} {g['gold']:>6} {g['pred']:>6} {f1(g['name_tp'], g):>8.3f} "
          f"{f1(g['strict_tp'], g):>9.3f} {g['failed']:>6}")
EOF
echo "eval took $((end - start)) s; load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
