"""Integration tests of POST /infer/document on the real binary.

Proves: a real timetable uploaded as multipart, base64 or an allowed path comes back as
timeblocks scoring strict F1 >= 0.9 with `aipipe eval`, with confidence, bbox, warnings,
model_version and processing_time; a page without a timetable is 200 with no blocks and a
warning; undecodable input is a 4xx; extract_features stores the document's features."""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN, SHARED_DATA, Server, multipart, render_text

TMP = tempfile.mkdtemp(prefix="aipipe-doc-")
EXAMPLE = "Teacher Timetable Example 1.1"


def setUpModule():
    global server, PAGE
    PAGE = os.path.join(SHARED_DATA, EXAMPLE + ".png")
    if not os.path.exists(PAGE):
        raise unittest.SkipTest("no shared data at " + SHARED_DATA)
    server = Server(env={"ALLOWED_IMAGE_DIRS": SHARED_DATA, "RATE_LIMIT_INFERENCE": "0",
                         "FEATURE_STORE_PATH": os.path.join(TMP, "features.log")})


def tearDownModule():
    if "server" in globals():
        assert server.stop() == 0
    shutil.rmtree(TMP, ignore_errors=True)


def strict_f1(doc):
    pred = os.path.join(TMP, "pred")
    os.makedirs(pred, exist_ok=True)
    with open(os.path.join(pred, EXAMPLE + ".json"), "w") as f:
        json.dump(doc, f)
    out = subprocess.run([BIN, "eval", "--gold", os.path.join(SHARED_DATA, EXAMPLE + ".json"),
                          "--pred", os.path.join(pred, EXAMPLE + ".json"), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["pooled"]["strict_f1"]


class Document(unittest.TestCase):
    def test_multipart(self):
        with open(PAGE, "rb") as f:
            body, ctype = multipart({"file": (EXAMPLE + ".png", "image/png", f.read())})
        status, _, raw = server.request("POST", "/infer/document", body, {"Content-Type": ctype})
        self.assertEqual(status, 200, raw)
        doc = json.loads(raw)
        self.assertEqual(doc["source"], EXAMPLE + ".png")
        self.assertGreaterEqual(strict_f1(doc), 0.9)
        block = doc["timeblocks"][0]
        self.assertTrue(0 <= block["confidence"] <= 1)
        self.assertGreater(block["bbox"]["w"], 0)
        self.assertIsInstance(doc["warnings"], list)
        self.assertTrue(doc["model_version"].startswith("tesseract-"))
        self.assertGreater(doc["processing_time"], 0)

    def test_path_and_base64_and_features(self):
        status, _, doc = server.json("POST", "/api/v1/infer/document",
                                     {"image_path": PAGE, "extract_features": True,
                                      "document_id": "doc-42"})
        self.assertEqual(status, 200, doc)
        self.assertGreaterEqual(strict_f1(doc), 0.9)
        self.assertTrue(doc["features_stored"], doc.get("warnings"))
        status, _, feats = server.json("GET", "/features/doc-42?features=timeblock_count")
        self.assertEqual(status, 200, feats)
        self.assertEqual(feats["features"]["timeblock_count"], len(doc["timeblocks"]))

        with open(PAGE, "rb") as f:
            b64 = base64.b64encode(f.read()).decode()
        status, _, doc = server.json("POST", "/infer/document", {"image_base64": b64})
        self.assertEqual(status, 200)
        self.assertGreaterEqual(strict_f1(doc), 0.9)

    def test_no_timetable(self):
        page = os.path.join(TMP, "letter.png")
        render_text(page, ["Dear parents,", "the school trip is on Friday."])
        with open(page, "rb") as f:
            body, ctype = multipart({"file": ("letter.png", "image/png", f.read())})
        status, _, raw = server.request("POST", "/infer/document", body, {"Content-Type": ctype})
        self.assertEqual(status, 200, raw)
        doc = json.loads(raw)
        self.assertEqual(doc["timeblocks"], [])
        self.assertTrue(doc["warnings"])

    def test_bad_input(self):
        for data, status, code in ((os.urandom(2048), 415, "UNSUPPORTED_MEDIA_TYPE"),
                                   (open(PAGE, "rb").read()[:5000], 400, "INVALID_REQUEST")):
            body, ctype = multipart({"file": ("x.png", "image/png", data)})
            got, _, raw = server.request("POST", "/infer/document", body, {"Content-Type": ctype})
            self.assertEqual(got, status, raw)
            self.assertEqual(json.loads(raw)["error"]["code"], code)
        status, _, body = server.json("POST", "/infer/document",
                                      {"image_path": PAGE, "model_version": "nope"})
        self.assertEqual(status, 404)
        self.assertEqual(body["error"]["code"], "MODEL_NOT_FOUND")
        self.assertEqual(server.json("GET", "/health")[0], 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
