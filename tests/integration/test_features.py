"""Integration tests of the feature API on `aipipe serve` with the embedded store.

Proves: POST /features, GET /features/{id}, Feast-style /get-online-features and /push
write and read typed features with statuses PRESENT/NOT_FOUND/EXPIRED and event
timestamps; mistakes answer 4xx naming the field; /infer/ocr with use_feature_store stores
the document's OCR features; /metrics has the store latency histogram and /health the
store's state; acknowledged writes survive a restart and a kill -9 (the append-only file);
bad definitions stop start-up (exit 2) naming the key."""
import base64
import concurrent.futures
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from harness import BIN, SOURCE_DIR, Server, render_text

TMP = tempfile.mkdtemp(prefix="aipipe-features-")
DEFS = os.path.join(SOURCE_DIR, "configs", "feature_store.yaml")


def start(extra=None):
    env = {"FEATURE_STORE_DEFINITIONS": DEFS, "RATE_LIMIT_FEATURES": "0",
           "RATE_LIMIT_INFERENCE": "0"}
    env.update(extra or {})
    return Server(env=env)


def setUpModule():
    global server
    server = start()


def tearDownModule():
    # The exit code of a SIGTERM'd server is test_serve's concern (draining); here only
    # that it goes away.
    server.stop()
    shutil.rmtree(TMP, ignore_errors=True)


class Api(unittest.TestCase):
    def test_post_then_get(self):
        status, _, body = server.json("POST", "/features", {
            "entity_id": "doc-1", "features": {"ocr_confidence": 0.875, "word_count": 42,
                                               "model_version": "tesseract-5", "cell_count": 12}})
        self.assertEqual((status, body), (200, {"status": "success", "entity_id": "doc-1"}))
        status, _, body = server.json(
            "GET", "/features/doc-1?features=ocr_confidence,word_count,document_layout:cell_count,"
                   "layout_score")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["entity_id"], "doc-1")
        self.assertEqual(body["features"], {"ocr_confidence": 0.875, "word_count": 42,
                                            "document_layout:cell_count": 12,
                                            "layout_score": None})
        self.assertEqual(body["statuses"]["layout_score"], "NOT_FOUND")
        self.assertRegex(body["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        # Without ?features: every feature of the document views; also under /api/v1.
        status, _, body = server.json("GET", "/api/v1/features/doc-1")
        self.assertEqual(status, 200)
        self.assertEqual(body["features"]["model_version"], "tesseract-5")
        self.assertIn("timeblock_count", body["features"])

    def test_event_timestamp_and_expiry(self):
        # document_ocr keeps values 30 days: one 31 days old reads as EXPIRED (absent).
        old = time.time() - 31 * 86400
        self.assertEqual(server.json("POST", "/features", {
            "entity_id": "doc-old", "features": {"word_count": 3},
            "event_timestamp": old})[0], 200)
        self.assertEqual(server.json("POST", "/features", {
            "entity_id": "doc-old", "features": {"image_dpi": 300},
            "event_timestamp": "2099-01-02T03:04:05.678Z"})[0], 200)
        status, _, body = server.json("GET", "/features/doc-old?features=word_count,image_dpi")
        self.assertEqual(status, 200)
        self.assertEqual(body["features"], {"word_count": None, "image_dpi": 300})
        self.assertEqual(body["statuses"], {"word_count": "EXPIRED", "image_dpi": "PRESENT"})
        self.assertEqual(body["timestamp"], "2099-01-02T03:04:05.678Z")
        status, _, body = server.json("GET", "/features/doc-old?features=word_count")
        self.assertEqual(status, 404)
        self.assertEqual(body["error"]["details"]["statuses"], {"word_count": "EXPIRED"})

    def test_online_features_and_push(self):
        hour_ago = int(time.time()) - 3600
        iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(hour_ago))
        status, _, body = server.json("POST", "/push", {
            "push_source_name": "document_layout", "to": "online",
            "df": {"document_id": ["p1", "p2", "p3"], "layout_score": [0.5, 0.75, 1],
                   "timeblock_count": [10, 20, 30],
                   "event_timestamp": [iso, hour_ago, None]}})
        self.assertEqual((status, body), (200, {"status": "success", "rows": 3}))
        ids = ["p1", "p2", "p3", "nobody"]
        status, _, body = server.json("POST", "/get-online-features", {
            "features": ["document_layout:layout_score", "document_layout:timeblock_count",
                         "document_ocr:word_count"],
            "entities": {"document_id": ids}})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["metadata"]["feature_names"],
                         ["document_id", "layout_score", "timeblock_count", "word_count"])
        res = body["results"]
        self.assertEqual(len(res), 4)
        self.assertEqual(res[0]["values"], ids)
        self.assertEqual(res[1]["values"], [0.5, 0.75, 1, None])
        self.assertEqual(res[1]["statuses"], ["PRESENT"] * 3 + ["NOT_FOUND"])
        self.assertEqual(res[1]["event_timestamps"][:2], [iso.replace("Z", ".000Z")] * 2)
        self.assertEqual(res[2]["values"], [10, 20, 30, None])
        self.assertEqual(res[3]["statuses"], ["NOT_FOUND"] * 4)
        status, _, body = server.json("POST", "/get-online-features", {
            "features": ["document_layout:layout_score"], "full_feature_names": True,
            "entities": {"document_id": ["p1"]}})
        self.assertEqual(body["metadata"]["feature_names"],
                         ["document_id", "document_layout__layout_score"])

    def test_errors(self):
        cases = [
            ("POST", "/features", {"entity_id": "d", "features": {"word_count": "many"}}, 400,
             "word_count"),
            ("POST", "/features", {"entity_id": "d", "features": {"colour": 1}}, 404, "colour"),
            ("POST", "/features", {"entity_id": "bad id", "features": {"word_count": 1}}, 400,
             "entity_id"),
            ("POST", "/features", {"entity_id": "d", "features": {}}, 400, "features"),
            ("POST", "/features", {"entity_id": "d", "features": {"word_count": 1},
                                   "event_timestamp": "yesterday"}, 400, "event_timestamp"),
            ("POST", "/features", {"entity_id": "d", "features": {
                "word_count": 1, "documents_uploaded": 2}}, 400, "one entity"),
            ("POST", "/get-online-features", {"features": ["document_ocr:nope"],
                                              "entities": {"document_id": ["a"]}}, 404, "nope"),
            ("POST", "/get-online-features", {"features": ["document_ocr:word_count"],
                                              "entities": {"teacher_id": ["a"]}}, 400, "teacher"),
            ("POST", "/get-online-features", {"features": ["document_ocr:word_count"],
                                              "entities": {"shoe_id": ["a"]}}, 404, "shoe_id"),
            ("POST", "/get-online-features", {"features": ["document_ocr:word_count"],
                                              "entities": {"document_id": ["x"] * 1001}}, 413,
             "1000"),
            ("POST", "/push", {"push_source_name": "nope", "df": {}}, 404, "nope"),
            ("POST", "/push", {"push_source_name": "document_ocr",
                               "df": {"document_id": ["a", "b"], "word_count": [1]}}, 400,
             "word_count"),
        ]
        for method, path, obj, code, fragment in cases:
            status, _, body = server.json(method, path, obj)
            self.assertEqual(status, code, (path, obj, body))
            self.assertIn(fragment, body["error"]["message"], body)
        status, _, body = server.request("POST", "/features", b"{nope",
                                         {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        status, _, body = server.json("GET", "/features/doc-1?features=nope")
        self.assertEqual(status, 404)
        status, _, body = server.json("GET", "/features/never-written")
        self.assertEqual(status, 404)

    def test_infer_ocr_records_features(self):
        page = os.path.join(TMP, "page.png")
        render_text(page, ["Monday Maths 09:00"])
        with open(page, "rb") as f:
            data = base64.b64encode(f.read()).decode()
        status, _, body = server.json("POST", "/infer/ocr", {
            "image_base64": data, "use_feature_store": True, "document_id": "ocr-doc-1"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["document_id"], "ocr-doc-1")
        self.assertTrue(body["features_stored"])
        status, _, got = server.json("GET", "/features/ocr-doc-1")
        self.assertEqual(status, 200)
        feats = got["features"]
        self.assertEqual(feats["word_count"], len(body["words"]))
        self.assertAlmostEqual(feats["ocr_confidence"], body["confidence"], places=6)
        self.assertEqual(feats["image_width"], body["image"]["width"])
        self.assertGreater(feats["image_dpi"], 0)
        self.assertEqual(feats["model_version"], body["model_version"])
        self.assertGreater(feats["processing_time"], 0)
        # Without use_feature_store nothing is stored and nothing is said.
        status, _, body = server.json("POST", "/infer/ocr", {"image_base64": data})
        self.assertNotIn("features_stored", body)

    def test_metrics_and_health(self):
        server.json("GET", "/features/doc-1")
        _, _, text = server.request("GET", "/metrics")
        text = text.decode()
        self.assertIn('feature_store_latency_seconds_bucket{operation="read"', text)
        self.assertIn('feature_store_latency_seconds_count{operation="write"}', text)
        status, _, body = server.json("GET", "/health")
        self.assertEqual(body["services"]["feature_store"], "up")
        self.assertEqual(body["status"], "healthy")

    def test_concurrent_writes(self):
        def write(i):
            return server.json("POST", "/features", {
                "entity_id": f"c{i}", "features": {"word_count": i}})[0]
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            self.assertEqual(set(pool.map(write, range(200))), {200})
        status, _, body = server.json("POST", "/get-online-features", {
            "features": ["document_ocr:word_count"],
            "entities": {"document_id": [f"c{i}" for i in range(200)]}})
        self.assertEqual(body["results"][1]["values"], list(range(200)))


def run_serve(env, *args):
    full = dict(os.environ)
    full.update(env)
    return subprocess.run([BIN, "serve", "--port", "0", *args], env=full, cwd=TMP,
                          capture_output=True, text=True, timeout=60)


class Durability(unittest.TestCase):
    def test_restart_and_kill9(self):
        path = os.path.join(TMP, "durable", "store.aof")
        env = {"FEATURE_STORE_DEFINITIONS": DEFS, "RATE_LIMIT_FEATURES": "0"}
        # The harness gives each server a fresh file; the flag (over the environment)
        # points every life of the server at one file.
        srv = Server(env=env, args=("--feature-store-path", path))
        for i in range(100):
            self.assertEqual(srv.json("POST", "/features", {
                "entity_id": f"k{i}", "features": {"word_count": i}})[0], 200)
        srv.stop()
        # A clean restart keeps everything.
        srv = Server(env=env, args=("--feature-store-path", path))
        ids = [f"k{i}" for i in range(100)]
        body = srv.json("POST", "/get-online-features", {
            "features": ["document_ocr:word_count"], "entities": {"document_id": ids}})[2]
        self.assertEqual(body["results"][1]["values"], list(range(100)))
        # Acknowledged writes under load, then kill -9 in the middle of it.
        acked = []
        def write(i):
            st = srv.json("POST", "/features", {"entity_id": f"w{i}",
                                               "features": {"word_count": i}})[0]
            if st == 200:
                acked.append(i)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(write, i) for i in range(400)]
            time.sleep(0.2)
            srv.proc.send_signal(signal.SIGKILL)
            for f in futures:
                try:
                    f.result()
                except OSError:
                    pass
        srv.proc.wait(30)
        self.assertGreater(len(acked), 0)
        srv = Server(env=env, args=("--feature-store-path", path))
        body = srv.json("POST", "/get-online-features", {
            "features": ["document_ocr:word_count"],
            "entities": {"document_id": [f"w{i}" for i in acked]}})[2]
        self.assertEqual(body["results"][1]["values"], acked, "an acknowledged write was lost")
        srv.stop()

    def test_bad_definitions_stop_startup(self):
        bad = os.path.join(TMP, "bad.yaml")
        with open(bad, "w") as f:
            f.write("entities:\n  - {name: doc, join_key: doc_id}\nfeature_views:\n"
                    "  - {name: v, entity: doc, features: [{name: a, type: decimal}]}\n")
        r = run_serve({"FEATURE_STORE_DEFINITIONS": bad,
                       "FEATURE_STORE_PATH": os.path.join(TMP, "bad", "f.aof")})
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("feature_views[0].features[0].type", r.stderr)
        self.assertIn("decimal", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
