"""Proves: `aipipe eval` scores the real gold timetables against themselves as perfect
(F1 = 1.0, all meta right); on perturbed predictions (shifted times, misspelt, dropped,
extra, moved and end-less blocks, wrong meta, a missing prediction) its per-document and
pooled counts equal an independent Python implementation of EVAL.md, both as JSON and as
the text table; pooled figures sum counts; bad usage exits 2, a malformed prediction or a
document that cannot be found for --run exits 1 while still printing every row."""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, SHARED_DATA  # noqa: E402

DATA = os.environ.get("AIPIPE_SHARED_DATA", SHARED_DATA)
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


# ---- an independent reference of EVAL.md (what the C code must agree with) ----

def norm(s):
    return [c for c in (s or "").lower() if c.isalnum()][:256]


def lev(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def sim(a, b):
    a, b = norm(a), norm(b)
    longest = max(len(a), len(b))
    return 1.0 if longest == 0 else 1.0 - lev(a, b) / longest


def minutes(t):
    if t is None:
        return None
    h, m = t.split(":")
    return int(h) * 60 + int(m)


def close(g, p):
    if g is None:
        return True
    return p is not None and abs(g - p) <= 5


def reference(gold, pred):
    gb, pb = gold["timeblocks"], pred["timeblocks"] if pred else []
    cands = []
    for i, g in enumerate(gb):
        for j, p in enumerate(pb):
            if g["day"] != p["day"]:
                continue
            s = sim(g["name"], p["name"])
            if s < 0.8 - 1e-9:
                continue
            gs, ps = minutes(g["startTime"]), minutes(p["startTime"])
            gap = abs(gs - ps) if gs is not None and ps is not None else 10 ** 6
            cands.append((-s, gap, i, j))
    cands.sort()
    used_g, used_p, tp, strict = set(), set(), 0, 0
    for _, _, i, j in cands:
        if i in used_g or j in used_p:
            continue
        used_g.add(i)
        used_p.add(j)
        tp += 1
        g, p = gb[i], pb[j]
        if close(minutes(g["startTime"]), minutes(p["startTime"])) and \
                close(minutes(g["endTime"]), minutes(p["endTime"])):
            strict += 1
    given = right = 0
    for key in ("teacher", "className", "term", "year"):
        gv = gold.get(key)
        if gv is None or gv == "":
            continue
        given += 1
        pv = (pred or {}).get(key)
        if pv is not None and sim(str(gv), str(pv)) >= 0.8 - 1e-9:
            right += 1
    return {"gold": len(gb), "pred": len(pb), "name_tp": tp, "strict_tp": strict,
            "meta_given": given, "meta_right": right}


def f1(tp, g, p):
    return 1.0 if g + p == 0 else 2.0 * tp / (g + p)


# ---- perturbations ----

def misspell(name, rng):
    """One edit on a long name (still >= 0.8 similar), or a name changed beyond repair."""
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    if len(norm(name)) >= 5 and letters:
        i = rng.choice(letters)
        return name[:i] + ("x" if name[i].lower() != "x" else "y") + name[i + 1:]
    return name + " zzzz"


def shift(t, delta):
    if t is None:
        return None
    m = minutes(t) + delta
    return "%02d:%02d" % (m // 60 % 24, m % 60)


def perturb(doc, rng):
    doc = json.loads(json.dumps(doc))
    out = []
    for b in doc["timeblocks"]:
        r = rng.random()
        if r < 0.08:
            continue                                   # dropped
        if r < 0.16:
            b["startTime"] = shift(b["startTime"], rng.choice([-6, 5, 7, 30]))
        elif r < 0.22:
            b["endTime"] = shift(b["endTime"], rng.choice([-5, 6, -15]))
        elif r < 0.30:
            b["name"] = misspell(b["name"], rng)
        elif r < 0.34:
            b["day"] = DAYS[(DAYS.index(b["day"]) + 1) % 5]  # another day: never matches
        elif r < 0.38:
            b["endTime"] = None
        out.append(b)
        if rng.random() < 0.05:
            out.append(dict(b, name="Extra " + b["name"]))  # a duplicate-ish extra block
    rng.shuffle(out)  # the order of blocks must not matter
    doc["timeblocks"] = out
    if doc.get("teacher"):
        doc["teacher"] = doc["teacher"][:-1]
    if doc.get("year"):
        doc["year"] = doc["year"] + 1
    return doc


# ---- running the binary ----

def run(*args):
    p = subprocess.run([BIN, "eval", *args], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def gold_files():
    return sorted(f for f in os.listdir(DATA) if f.endswith(".json"))


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def test_self(tmp):
    rc, out, err = run("--gold", DATA, "--pred", DATA, "--json")
    check(rc == 0, "self-score exit %d: %s" % (rc, err))
    res = json.loads(out)
    check(len(res["documents"]) == len(gold_files()), "one row per gold file")
    for d in res["documents"] + [res["pooled"]]:
        check(d["name_f1"] == 1.0 and d["strict_f1"] == 1.0, "perfect self-score: %s" % d)
        c = d["counts"]
        check(c["name_tp"] == c["gold"] == c["pred"] == c["strict_tp"], "counts %s" % c)
        check(d["meta"] in (None, 1.0), "meta %s" % d["meta"])
    rc, out, _ = run("--gold", DATA, "--pred", DATA)
    check(rc == 0 and "pooled (%d documents)" % len(gold_files()) in out, out)
    check(out.count("1.000") >= 2 * (len(gold_files()) + 1), out)


def test_perturbed(tmp):
    pred_dir = os.path.join(tmp, "pred")
    os.mkdir(pred_dir)
    files = gold_files()
    rng = random.Random(20241127)
    golds, preds = {}, {}
    for f in files:
        golds[f] = load(os.path.join(DATA, f))
        preds[f] = perturb(golds[f], rng)
        with open(os.path.join(pred_dir, f), "w", encoding="utf-8") as out:
            json.dump(preds[f], out, ensure_ascii=False)
    rc, out, err = run("--gold", DATA, "--pred", pred_dir, "--json")
    check(rc == 0, "exit %d: %s" % (rc, err))
    res = json.loads(out)
    pooled = {k: 0 for k in ("gold", "pred", "name_tp", "strict_tp", "meta_given",
                             "meta_right")}
    for f, d in zip(files, res["documents"]):
        want = reference(golds[f], preds[f])
        check(d["document"] == f[:-5], "row order %s" % d["document"])
        check(d["counts"] == want, "%s: binary %s, reference %s" % (f, d["counts"], want))
        check(abs(d["strict_f1"] - f1(want["strict_tp"], want["gold"], want["pred"])) < 1e-9,
              "strict_f1")
        check(want["strict_tp"] < want["name_tp"] < want["gold"], "perturbation bites")
        for k in pooled:
            pooled[k] += want[k]
    check(res["pooled"]["counts"] == pooled, "pooled sums counts: %s" % res["pooled"])
    check(abs(res["pooled"]["strict_f1"] -
              f1(pooled["strict_tp"], pooled["gold"], pooled["pred"])) < 1e-9, "pooled F1")

    # the text table carries the same figures
    rc, text, _ = run("--gold", DATA, "--pred", pred_dir)
    check(rc == 0, "text exit")
    line = [l for l in text.splitlines() if l.startswith("pooled")][0].split()
    check(int(line[3]) == pooled["gold"] and int(line[5]) == pooled["name_tp"], line)

    # --verbose lists what was missed
    rc, out, _ = run("--gold", DATA, "--pred", pred_dir, "--json", "--verbose")
    d0 = json.loads(out)["documents"][0]
    want = reference(golds[files[0]], preds[files[0]])
    check(len(d0["details"]["unmatched_gold"]) == want["gold"] - want["name_tp"], "details")
    check(len(d0["details"]["time_mismatches"]) == want["name_tp"] - want["strict_tp"],
          "time mismatches")

    # a missing prediction is an empty one, not a skipped document
    os.remove(os.path.join(pred_dir, files[-1]))
    rc, out, _ = run("--gold", DATA, "--pred", pred_dir, "--json")
    res = json.loads(out)
    last = res["documents"][-1]
    check(rc == 0 and last["missing"] and last["counts"]["pred"] == 0 and
          last["counts"]["name_tp"] == 0, "missing prediction: %s" % last)
    check(res["pooled"]["counts"]["gold"] == pooled["gold"], "gold still counted")

    # a malformed prediction fails the run (exit 1) but every row is printed
    with open(os.path.join(pred_dir, files[0]), "w") as out:
        out.write("{not json")
    rc, out, err = run("--gold", DATA, "--pred", pred_dir, "--json")
    check(rc == 1 and "invalid JSON" in err, "malformed prediction: %d %s" % (rc, err))
    res = json.loads(out)
    check(len(res["documents"]) == len(files) and res["documents"][0]["error"], "rows kept")


def test_single_files_and_usage(tmp):
    f = os.path.join(DATA, gold_files()[0])
    rc, out, _ = run("--gold", f, "--pred", f, "--json")
    check(rc == 0 and json.loads(out)["pooled"]["strict_f1"] == 1.0, "file vs file")
    check(run("--help")[0] == 0, "--help")
    for bad in ([], ["--gold"], ["--gold", DATA], ["--gold", DATA, "--pred", f],
                ["--gold", DATA, "--pred", DATA, "--run"], ["--gold", DATA, "--bogus"]):
        rc, _, err = run(*bad)
        check(rc == 2, "usage %s -> %d %s" % (bad, rc, err))
    rc, _, _ = run("--gold", os.path.join(tmp, "nowhere"), "--pred", tmp)
    check(rc == 1, "missing gold dir")


def test_run_without_document(tmp):
    gold_dir = os.path.join(tmp, "gold_only")
    os.mkdir(gold_dir)
    doc = load(os.path.join(DATA, gold_files()[0]))
    doc["source"] = "not-here.png"
    with open(os.path.join(gold_dir, "lonely.json"), "w") as out:
        json.dump(doc, out)
    rc, out, err = run("--gold", gold_dir, "--run", "--json")
    check(rc == 1 and "no document found" in err, "--run without a document: %d %s" % (rc, err))
    row = json.loads(out)["documents"][0]
    check(row["counts"]["pred"] == 0 and row["strict_f1"] == 0.0, row)


def main():
    if not os.path.isdir(DATA):
        print("skip: no shared data at %s" % DATA)
        return 0
    tmp = tempfile.mkdtemp(prefix="aipipe-eval-")
    try:
        for t in (test_self, test_perturbed, test_single_files_and_usage,
                  test_run_without_document):
            t(tmp)
            print("ok", t.__name__)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
