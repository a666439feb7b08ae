#!/usr/bin/env bash
# CER of aipipe's OCR model and of Tesseract on the SAME text-line crops of the cells that
# the extractor finds on the real timetables (issue 6: "also on the cells of the real
# timetables ... crop them at the cells your extractor finds").
# Usage: bench/bench_real_cells.sh [BUILD_DIR] [MODEL] [WORK_DIR]
#   BUILD_DIR  holds aipipe and tests/real_cell_lines (default b-rel)
#   MODEL      the fine_tuned_ocr model (default models/ocr-base)
# Env: AIPIPE_SHARED_DATA (default ../shared/data/timetables), PRINT_LINES=1 lists every crop.
#
# What is scored, step by step:
# 1. `aipipe extract PAGE --debug-dir D` on each raster page (PNG/JPEG): its timeblocks'
#    bboxes are the cells, D/cells.png gives each cell's reading direction.
# 2. tests/real_cell_lines crops each distinct cell, turns it upright by the extractor's
#    direction, splits it into text lines by its ink profile (engine independent; see the
#    tool's header) and reads every line crop with the model and with Tesseract (psm 7,
#    OMP_THREAD_LIMIT=1, C API in the same process, so no process start is timed).
# 3. Each cell gets its gold text: among the gold timeblocks of the days the extractor gives
#    the cell, the one whose name (and notes) is most like what either engine read in the
#    cell (the better of the two, so neither engine is favoured; ties: the start closest to
#    the extracted one). Times come from the extractor and can be off, so they only break
#    ties. The reference is the name, then the notes when there are any.
# 4. The reference is cut at character positions into consecutive pieces, one per line
#    crop in reading order (spaces at a piece's ends dropped; a piece may be empty: a line
#    holding text outside the gold, such as a time printed in the cell, is not scored). The
#    cut is the one that minimises the two engines' summed edit distance, so both engines
#    are scored against the same pieces; every reference character is in some piece.
# 5. CER = sum of Levenshtein distances / sum of piece lengths, over the lines with a
#    non-empty piece, exact characters (case, punctuation, dashes); also shown after
#    lower-casing and keeping letters and digits only (EVAL.md's name normalisation).
set -euo pipefail
BUILD=${1:-b-rel}
MODEL=${2:-models/ocr-base}
WORK=${3:-/tmp/aipipe-bench-real-cells}
DATA=${AIPIPE_SHARED_DATA:-$(dirname "$0")/../../shared/data/timetables}
rm -rf "$WORK"; mkdir -p "$WORK"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), model $MODEL"
k=0
for page in "$DATA"/*.png "$DATA"/*.jpg "$DATA"/*.jpeg; do
  [ -f "$page" ] || continue
  gold="${page%.*}.json"
  [ -f "$gold" ] || continue
  k=$((k + 1)); d="$WORK/p$k"; mkdir -p "$d/crops"
  "$BUILD/aipipe" extract "$page" --debug-dir "$d/debug" > "$d/extract.json"
  OMP_THREAD_LIMIT=1 "$BUILD/tests/real_cell_lines" "$page" "$d/extract.json" \
    "$d/debug/cells.png" "$MODEL" "$d/crops" > "$d/lines.jsonl"
  cp "$gold" "$d/gold.json"
done
python3 - "$WORK" <<'PY'
import collections, json, os, re, sys
work = sys.argv[1]
PRINT = os.environ.get("PRINT_LINES") == "1"

def ed(a, b):
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        p, d[0] = d[0], i
        for j in range(1, len(b) + 1):
            p, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, p + (a[i - 1] != b[j - 1]))
    return d[len(b)]

def norm(s):
    return re.sub(r"[^a-z0-9]", "", s.lower())

def minutes(t):
    if not t: return None
    h, m = t.split(":")
    return int(h) * 60 + int(m)

def sim(a, b):
    a, b = norm(a), norm(b)
    return 1 - ed(a, b) / max(len(a), len(b), 1)

def gold_of(blocks, gold, lines):
    """The (name, notes) of the gold block a cell shows: among the gold blocks of the days the
    extractor gives the cell, the one whose text is most like what either engine read in
    the cell (the better of the two similarities, so neither engine is favoured); ties go
    to the start closest to the extracted one."""
    days = {b["day"] for b in blocks}
    s = min((minutes(b.get("startTime")) for b in blocks if b.get("startTime")), default=None)
    reads = [" ".join(o[e] for o in lines) for e in ("model", "tesseract")]
    best, key = None, None
    for g in gold:
        if g["day"] not in days: continue
        ref = g["name"] + (" " + g["notes"] if g.get("notes") else "")
        gs = minutes(g.get("startTime"))
        dt = abs(gs - s) if gs is not None and s is not None else 24 * 60
        k = (max(sim(r, ref) for r in reads), -dt)
        if key is None or k > key:
            best, key = (g["name"], g.get("notes")), k
    return best

def align(ref, lines):
    """Cuts ref into len(lines) consecutive pieces minimising the summed edit distance of
    both engines' readings; returns the pieces (stripped)."""
    n, L = len(lines), len(ref)
    INF = float("inf")
    memo = {}
    def cost(i, a, b):
        piece = ref[a:b].strip()
        if not piece: return 0
        return ed(lines[i]["model"], piece) + ed(lines[i]["tesseract"], piece)
    # best[i][a]: lines i.. take ref[a:]
    best = [[INF] * (L + 1) for _ in range(n + 1)]
    cut = [[0] * (L + 1) for _ in range(n + 1)]
    best[n][L] = 0
    for a in range(L):
        best[n][a] = INF if ref[a:].strip() else 0
    for i in range(n - 1, -1, -1):
        for a in range(L + 1):
            for b in range(a, L + 1):
                c = cost(i, a, b) + best[i + 1][b]
                if c < best[i][a]:
                    best[i][a], cut[i][a] = c, b
    pieces, a = [], 0
    for i in range(n):
        b = cut[i][a]
        pieces.append(ref[a:b].strip())
        a = b
    return pieces

tot = collections.Counter()
ms = collections.defaultdict(list)
for p in sorted(os.listdir(work)):
    d = os.path.join(work, p)
    ex = json.load(open(os.path.join(d, "extract.json")))
    gold = json.load(open(os.path.join(d, "gold.json")))["timeblocks"]
    cells = collections.defaultdict(list)
    for b in ex["timeblocks"]:
        bb = b["bbox"]
        cells[(bb["x"], bb["y"], bb["w"], bb["h"])].append(b)
    lines = collections.defaultdict(list)
    for l in open(os.path.join(d, "lines.jsonl")):
        o = json.loads(l)
        lines[tuple(o["bbox"])].append(o)
        ms["model"].append(o["model_ms"]); ms["tesseract"].append(o["tesseract_ms"])
    for box, ls in lines.items():
        ls.sort(key=lambda o: o["line"])
        g = gold_of(cells.get(box, []), gold, ls)
        if not g:
            tot["cells_without_gold"] += 1
            continue
        ref = g[0] + (" " + g[1] if g[1] else "")
        tot["cells"] += 1
        for o, piece in zip(ls, align(ref, ls)):
            tot["lines"] += 1
            if not piece:
                tot["unscored"] += 1
                if PRINT: print(f"  unscored  {o['model']!r} | {o['tesseract']!r}")
                continue
            tot["scored"] += 1
            tot["chars"] += len(piece); tot["nchars"] += len(norm(piece))
            for e in ("model", "tesseract"):
                tot[e] += ed(o[e], piece); tot[e + "_n"] += ed(norm(o[e]), norm(piece))
            if PRINT: print(f"  {piece!r:36} model {o['model']!r:36} tesseract {o['tesseract']!r}")
print(f"pages {len(os.listdir(work))}, cells {tot['cells']} (without gold {tot['cells_without_gold']}), "
      f"line crops {tot['lines']}, scored {tot['scored']} ({tot['chars']} reference characters), "
      f"unscored {tot['unscored']}")
for e in ("model", "tesseract"):
    v = sorted(ms[e])
    print(f"{e:9} CER {tot[e] / max(tot['chars'], 1):.4f} ({tot[e]} edits), normalised "
          f"{tot[e + '_n'] / max(tot['nchars'], 1):.4f}; per line median {v[len(v) // 2]:.1f} ms, "
          f"mean {sum(v) / len(v):.1f} ms")
PY
