#!/usr/bin/env python3
"""Integration test of `aipipe datagen` (the real binary). Proves:
- determinism: the same seed gives the same gold bytes and the same image bytes, with one
  worker thread or two; another seed gives other documents;
- every layout family renders to a PDF that MuPDF (mutool) opens, and its real text holds
  every gold name and every gold start/end time (times read back from the drawn notations
  under EVAL.md's rules): the gold matches what was drawn;
- DOCX files are zip packages whose word/document.xml parses, holds Word tables with
  gridSpan and vMerge, and holds every gold name;
- a clean crop of a cell (from --lines) read by OCR (`aipipe ocr --layout block`) matches
  the gold name;
- --lines writes crops, train/val/test manifests with held-out fonts kept out of train,
  and a charset covering every transcription;
- degraded JPEG/PNG output decodes; bad arguments exit 2 with a message naming the flag;
- --oldstyle 100 leaves every gold byte as it was and redraws the figures of documents in
  a family that has old-style ones (their line crops differ, same texts).
Small counts only: the suite runs twice, once under ASan."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
import zipfile

BIN = os.environ.get("AIPIPE_BIN", "build/aipipe")
HELDOUT = {"URW Bookman", "Comic Neue", "Cantarell", "TeX Gyre Schola", "Dancing Script", "Quicksand"}
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg, file=sys.stderr)


def run(args, timeout=600):
    return subprocess.run([BIN] + args, capture_output=True, text=True, timeout=timeout)


def gen(out, *extra, count=2, seed=1):
    r = run(["datagen", "--count", str(count), "--seed", str(seed), "--out", out, "--quiet"] + list(extra))
    if r.returncode != 0:
        raise SystemExit(f"datagen {extra} failed: {r.stderr}")
    return out


def golds(d):
    return sorted(f for f in os.listdir(d) if f.endswith(".json"))


def norm(s):
    return "".join(ch for ch in unicodedata.normalize("NFKC", s).lower() if ch.isalnum())


def times_in(text):
    """Every minute value any notation in text can mean (EVAL.md: 1:00-5:59 bare is pm)."""
    found = set()
    for m in re.finditer(r"(?<![\d])(\d{1,2})(?:[:.](\d{2}))?\s?([AaPp][Mm])?(?!\d)", text):
        h, mi, suf = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").lower()
        if h > 23 or mi > 59:
            continue
        if suf == "pm" and h < 12:
            h += 12
        elif suf == "am" and h == 12:
            h = 0
        elif not suf and 1 <= h <= 5:
            h += 12
        found.add(h * 60 + mi)
    return found


def hm(s):
    return int(s[:2]) * 60 + int(s[3:])


def name_found(name, hay, letters):
    n = norm(name)
    if n in hay:
        return True
    # A word spelled one letter per day: each letter is its own cell.
    return name.isupper() and all(ch.lower() in letters for ch in n)


def test_determinism(tmp):
    a = gen(os.path.join(tmp, "a"), "--jobs", "2", "--formats", "png,docx", count=4, seed=7)
    b = gen(os.path.join(tmp, "b"), "--jobs", "1", "--formats", "png,docx", count=4, seed=7)
    c = gen(os.path.join(tmp, "c"), "--jobs", "2", "--formats", "png,docx", count=4, seed=8)
    check(golds(a) == golds(b) and len(golds(a)) == 4, "same seed: same gold files")
    for f in sorted(os.listdir(a)):
        with open(os.path.join(a, f), "rb") as x, open(os.path.join(b, f), "rb") as y:
            check(x.read() == y.read(), f"same seed, jobs 2 vs 1: {f} differs")
    differ = 0
    for f in golds(a):
        with open(os.path.join(a, f), "rb") as x, open(os.path.join(c, f), "rb") as y:
            differ += x.read() != y.read()
    check(differ == 4, "another seed gives other gold")


def test_families_pdf(tmp):
    for fam in ("grid-rows", "grid-cols", "lists"):
        d = gen(os.path.join(tmp, "pdf-" + fam), "--layout", fam, "--formats", "pdf", count=2, seed=11)
        for g in golds(d):
            gold = json.load(open(os.path.join(d, g), encoding="utf-8"))
            pdf = os.path.join(d, gold["source"])
            check(gold["source"].endswith(".pdf") and os.path.exists(pdf), f"{fam}: {pdf} written")
            with open(pdf, "rb") as f:
                check(f.read(5) == b"%PDF-", f"{fam}: {pdf} is a PDF")
            r = subprocess.run(["mutool", "draw", "-F", "txt", "-o", "-", pdf], capture_output=True, timeout=120)
            check(r.returncode == 0, f"{fam}: mutool opens {pdf}: {r.stderr[-200:]}")
            text = r.stdout.decode("utf-8", "replace")
            hay = norm(text)
            letters = {norm(t) for t in text.split() if len(norm(t)) == 1}
            times = times_in(text)
            check(len(gold["timeblocks"]) > 0, f"{fam}: {g} has timeblocks")
            for b in gold["timeblocks"]:
                check(name_found(b["name"], hay, letters), f"{fam}: {g}: name {b['name']!r} not in the PDF text")
                if b["notes"]:
                    check(norm(b["notes"]) in hay, f"{fam}: {g}: notes {b['notes']!r} not in the PDF text")
                check(hm(b["startTime"]) in times, f"{fam}: {g}: start {b['startTime']} of {b['name']!r} not drawn")
                if b["endTime"]:
                    check(hm(b["endTime"]) in times, f"{fam}: {g}: end {b['endTime']} of {b['name']!r} not drawn")


def test_docx(tmp):
    spans = merges = 0
    for fam in ("grid-rows", "grid-cols", "lists"):
        d = gen(os.path.join(tmp, "docx-" + fam), "--layout", fam, "--formats", "docx", count=2, seed=5)
        for g in golds(d):
            gold = json.load(open(os.path.join(d, g), encoding="utf-8"))
            path = os.path.join(d, gold["source"])
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                check({"[Content_Types].xml", "_rels/.rels", "word/document.xml"} <= names, f"{path}: package parts")
                root = ET.fromstring(z.read("word/document.xml"))
            tables = root.findall(f".//{W}tbl")
            check(len(tables) >= 1, f"{path}: has a Word table")
            spans += len(root.findall(f".//{W}gridSpan"))
            merges += len(root.findall(f".//{W}vMerge"))
            cells = ["".join(t.text or "" for t in tc.iter(f"{W}t")) for tc in root.iter(f"{W}tc")]
            hay = norm(" ".join(cells))
            letters = {norm(c) for c in cells if len(norm(c)) == 1}
            for b in gold["timeblocks"]:
                check(name_found(b["name"], hay, letters), f"{path}: name {b['name']!r} not in the tables")
    check(spans > 0 and merges > 0, f"DOCX uses gridSpan ({spans}) and vMerge ({merges})")


def test_lines_and_ocr(tmp):
    d = gen(os.path.join(tmp, "lines"), "--lines", "--layout", "lists", "--degrade", "none", count=3, seed=21)
    manifests = {}
    for split in ("train", "val", "test"):
        p = os.path.join(d, "lines", split + ".jsonl")
        check(os.path.exists(p), f"{split} manifest written")
        manifests[split] = [json.loads(l) for l in open(p, encoding="utf-8")] if os.path.exists(p) else []
    entries = [e for m in manifests.values() for e in m]
    check(len(entries) > 20, f"line crops written ({len(entries)})")
    for e in manifests["train"]:
        check(e["font"] not in HELDOUT, f"held-out font {e['font']} in train")
    kinds = {e["kind"] for e in entries}
    check({"name", "time", "text"} <= kinds, f"names, times and extra text among the lines ({kinds})")
    # The extra text lines reach beyond a timetable's vocabulary (docs/DATAGEN.md).
    extra = "".join(e["text"] for e in entries if e["kind"] == "text")
    check(len(set(extra)) > 60, f"extra text lines use many characters ({len(set(extra))})")
    charset = set(open(os.path.join(d, "lines", "charset.txt"), encoding="utf-8").read().split("\n"))
    for e in entries:
        check(os.path.exists(os.path.join(d, e["image"])), f"crop {e['image']} exists")
        missing = {ch for ch in e["text"] if ch not in charset}
        check(not missing, f"charset lacks {missing}")

    # OCR on clean crops of cells whose single line is a whole gold name, in plain fonts.
    gold_names = set()
    for g in golds(d):
        for b in json.load(open(os.path.join(d, g), encoding="utf-8"))["timeblocks"]:
            gold_names.add(b["name"])
    plain = ("DejaVu Sans", "Liberation Sans", "Liberation Serif", "Noto Sans", "Carlito", "Roboto",
             "Open Sans", "Lato", "FreeSans", "Nimbus Sans", "DejaVu Serif", "Noto Serif", "Andika")
    picks = [e for e in entries if e["kind"] == "name" and e["rotation"] == 0 and e["text"] in gold_names
             and e["size_px"] >= 14 and len(norm(e["text"])) >= 4]
    picks.sort(key=lambda e: (e["font"] not in plain, e["image"]))
    picks = picks[:6]
    check(len(picks) >= 3, f"enough whole-name crops to OCR ({len(picks)})")
    good = 0
    for e in picks:
        r = run(["ocr", os.path.join(d, e["image"]), "--layout", "block"], timeout=300)
        text = json.loads(r.stdout)["text"] if r.returncode == 0 else ""
        a, b = norm(text), norm(e["text"])
        dist = levenshtein(a, b)
        ok = 1 - dist / max(len(a), len(b), 1) >= 0.8
        good += ok
        if not ok:
            print(f"note: OCR read {text!r} for {e['text']!r} ({e['font']})", file=sys.stderr)
    check(good >= max(1, len(picks) * 2 // 3), f"OCR matches the gold name on clean crops ({good}/{len(picks)})")


def levenshtein(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def test_degraded(tmp):
    for level in ("light", "heavy"):
        d = gen(os.path.join(tmp, "deg-" + level), "--degrade", level, "--formats", "png,jpg", count=3, seed=3)
        for g in golds(d):
            src = json.load(open(os.path.join(d, g), encoding="utf-8"))["source"]
            with open(os.path.join(d, src), "rb") as f:
                head = f.read(8)
            check(head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8"), f"{level}: {src} is PNG or JPEG")


def test_oldstyle(tmp):
    a = gen(os.path.join(tmp, "lining"), "--lines", count=6, seed=21)
    b = gen(os.path.join(tmp, "oldstyle"), "--lines", "--oldstyle", "100", count=6, seed=21)
    check(golds(a) == golds(b), "--oldstyle: the same documents")
    for g in golds(a):
        with open(os.path.join(a, g), "rb") as x, open(os.path.join(b, g), "rb") as y:
            check(x.read() == y.read(), f"--oldstyle: {g}'s gold unchanged")
    onum = {"Noto Sans", "Noto Serif", "Carlito", "Open Sans", "Roboto", "Lato", "TeX Gyre Heros",
            "TeX Gyre Termes", "TeX Gyre Pagella", "Linux Libertine O", "Linux Biolinum O"}
    la = [json.loads(l) for l in open(os.path.join(a, "lines", "train.jsonl"), encoding="utf-8")]
    lb = [json.loads(l) for l in open(os.path.join(b, "lines", "train.jsonl"), encoding="utf-8")]
    check([x["text"] for x in la] == [x["text"] for x in lb], "--oldstyle: the same line texts")
    redrawn = checked = 0
    for x, y in zip(la, lb):
        if x["font"] not in onum or not re.search(r"[3-9]", x["text"]):
            continue
        checked += 1
        with open(os.path.join(a, x["image"]), "rb") as f, open(os.path.join(b, y["image"]), "rb") as g:
            redrawn += f.read() != g.read()
    check(redrawn > 0, f"--oldstyle: figures redrawn ({redrawn} of {checked} lines)")
    r = run(["datagen", "--count", "1", "--seed", "1", "--out", os.path.join(tmp, "x"), "--oldstyle", "101"])
    check(r.returncode == 2 and "--oldstyle" in r.stderr, "--oldstyle 101 refused")


def test_bad_args(tmp):
    out = os.path.join(tmp, "bad")
    cases = [
        ([], "--count"),
        (["--count", "0", "--seed", "1", "--out", out], "--count"),
        (["--count", "abc", "--seed", "1", "--out", out], "--count"),
        (["--count", "2", "--seed", "-1", "--out", out], "--seed"),
        (["--count", "2", "--seed", "1"], "--out"),
        (["--count", "2", "--seed", "1", "--out", out, "--formats", "png,bmp"], "bmp"),
        (["--count", "2", "--seed", "1", "--out", out, "--degrade", "extreme"], "--degrade"),
        (["--count", "2", "--seed", "1", "--out", out, "--layout", "spiral"], "--layout"),
        (["--count", "2", "--seed", "1", "--out", out, "--jobs", "0"], "--jobs"),
        (["--count", "2", "--seed", "1", "--out", out, "--frobnicate"], "--frobnicate"),
        (["--count"], "--count"),
    ]
    for args, word in cases:
        r = run(["datagen"] + args)
        check(r.returncode == 2, f"datagen {args}: exit {r.returncode}, want 2")
        check(word in r.stderr, f"datagen {args}: message names {word}: {r.stderr.strip()}")
    check(not os.path.exists(out), "bad arguments write nothing")
    r = run(["datagen", "--help"])
    check(r.returncode == 0 and "--count" in r.stdout, "--help prints the flags")
    # A file where the directory should be: a clear failure, exit 1.
    blocker = os.path.join(tmp, "file")
    open(blocker, "w").close()
    r = run(["datagen", "--count", "1", "--seed", "1", "--out", blocker, "--quiet"])
    check(r.returncode == 1 and blocker in r.stderr, f"--out on a file: exit 1 naming it ({r.stderr.strip()})")


def main():
    tmp = tempfile.mkdtemp(prefix="aipipe-datagen-")
    try:
        for t in (test_bad_args, test_determinism, test_families_pdf, test_docx, test_degraded, test_oldstyle,
                  test_lines_and_ocr):
            t(tmp)
            print(f"{t.__name__}: done", file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        return 1
    print("test_datagen: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
