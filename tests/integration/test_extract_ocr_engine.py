"""Proves: `aipipe extract --ocr-engine auto|fine_tuned_ocr` without a model where
--ocr-model points (or EXTRACT_OCR_MODEL) still extracts, with Tesseract, the same
timeblocks as --ocr-engine tesseract, says so in a log line, and exits 0 (no model is never
an error); `aipipe eval --run` takes the same flags; a bad engine name, by flag or by
EXTRACT_OCR_ENGINE, exits 2. `aipipe serve` with extract.ocr_engine auto and no model
answers /infer/document from the model's Tesseract engines and names them in engine and
model_version; a bad extract.ocr_engine stops it at start-up with exit 2. With a model and
no extract.ocr_engine, the service reads cells as the command line does (auto: the CRNN,
Tesseract for doubtful cells) and gets the page's names right. Run from a folder without
models/, `aipipe extract` finds the model of the checkout it was built in."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, SHARED_DATA, Server  # noqa: E402

DATA = os.environ.get("AIPIPE_SHARED_DATA", SHARED_DATA)
MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models", "ocr-base")
PAGE = "Teacher Timetable Example 1.1"


def run(*args, env=None, check=True, cwd=None):
    e = dict(os.environ)
    e.pop("EXTRACT_OCR_ENGINE", None)
    e.pop("EXTRACT_OCR_MODEL", None)
    e.update(env or {})
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=600, env=e,
                       cwd=cwd)
    if check and p.returncode != 0:
        raise AssertionError(f"aipipe {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p


def blocks(out):
    return [(b["day"], b["name"], b["startTime"], b["endTime"])
            for b in json.loads(out)["timeblocks"]]


def main():
    assert run("extract", "x.png", "--ocr-engine", "crnn", check=False).returncode == 2
    assert run("extract", "x.png", env={"EXTRACT_OCR_ENGINE": "x"}, check=False).returncode == 2
    assert run("extract", "x.png", "--ocr-model", check=False).returncode == 2
    assert "--ocr-engine" in run("extract", "--help").stdout
    assert "--ocr-engine" in run("eval", "--help").stdout
    if not os.path.isdir(DATA):
        print(f"skip: no shared data at {DATA}")
        return 0
    page = os.path.join(DATA, PAGE + ".png")
    want = blocks(run("extract", page, "--ocr-engine", "tesseract").stdout)
    assert len(want) > 20, want
    missing = "/nonexistent/aipipe-ocr-model"
    p = run("extract", page, "--ocr-engine", "auto", "--ocr-model", missing)
    assert blocks(p.stdout) == want
    assert "no OCR model" in p.stderr, p.stderr
    p = run("extract", page, env={"EXTRACT_OCR_ENGINE": "fine_tuned_ocr",
                                  "EXTRACT_OCR_MODEL": missing})
    assert blocks(p.stdout) == want
    p = run("eval", "--gold", os.path.join(DATA, PAGE + ".json"), "--run", "--json",
            "--ocr-engine", "auto", "--ocr-model", missing)
    assert json.loads(p.stdout)["pooled"]["name_f1"] >= 0.95, p.stdout
    # run from a folder without models/: the model of the checkout the program was built in
    with tempfile.TemporaryDirectory() as elsewhere:
        p = run("extract", page, cwd=elsewhere)
        assert "no OCR model" not in p.stderr, p.stderr

    p = run("serve", "--port", "0", env={"EXTRACT_OCR_ENGINE": "crnn"}, check=False)
    assert p.returncode == 2, (p.returncode, p.stderr)
    server = Server(env={"EXTRACT_OCR_ENGINE": "auto", "EXTRACT_OCR_MODEL": missing,
                         "ALLOWED_IMAGE_DIRS": DATA, "RATE_LIMIT_INFERENCE": "0"})
    try:
        status, _, doc = server.json("POST", "/infer/document", {"image_path": page})
        assert status == 200, doc
        assert blocks(json.dumps(doc)) == want
        assert doc["engine"] == "tesseract", doc["engine"]
        assert doc["model_version"].startswith("tesseract-"), doc["model_version"]
    finally:
        assert server.stop() == 0

    # the default reader with a model: the CRNN reads, Tesseract behind it
    with open(os.path.join(DATA, PAGE + ".json")) as f:
        gold = {(b["day"], b["name"]) for b in json.load(f)["timeblocks"]}
    server = Server(env={"EXTRACT_OCR_MODEL": os.path.abspath(MODEL), "ALLOWED_IMAGE_DIRS": DATA,
                         "RATE_LIMIT_INFERENCE": "0"})
    try:
        status, _, doc = server.json("POST", "/infer/document", {"image_path": page})
        assert status == 200, doc
        assert doc["engine"].startswith("fine_tuned_ocr"), doc["engine"]
        assert doc["model_version"].startswith("crnn-ctc-v1-"), doc["model_version"]
        got = {(b[0], b[1]) for b in blocks(json.dumps(doc))}
        assert len(got & gold) >= 0.95 * len(gold), sorted(gold - got)
    finally:
        assert server.stop() == 0
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
