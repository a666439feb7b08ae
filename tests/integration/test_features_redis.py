"""Integration tests of the redis feature store: `aipipe serve` against a real
redis-server on a free loopback port.

Proves: writes land in one Redis hash per (entity, view) with the hash-tagged key layout,
each field "<event ms> <JSON>", and a PEXPIRE of twice the view's TTL; reads of 10
entities come back through the pipeline; REDIS_PASSWORD and REDIS_DB are used; when Redis
goes down, /health says degraded with the store down, the feature routes answer 503 and
/infer/ocr still answers at once with a warning instead of features; when Redis comes
back, so does the store."""
import base64
import os
import socket
import time
import unittest

import redis_servers as rs
from harness import SOURCE_DIR, Server, render_text, wait_until

DEFS = os.path.join(SOURCE_DIR, "configs", "feature_store.yaml")


@unittest.skipUnless(rs.AVAILABLE, "redis-server, redis-sentinel and redis-cli are needed "
                                   "(scripts/install-deps.sh)")
class Standalone(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = rs.tmpdir("aipipe-redis-")
        cls.redis = rs.redis(cls.root, "standalone", ["requirepass s3cret"])
        cls.server = Server(env={"FEATURE_STORE": "redis", "REDIS_PORT": str(cls.redis.port),
                                 "REDIS_PASSWORD": "s3cret", "REDIS_DB": "3",
                                 "FEATURE_STORE_DEFINITIONS": DEFS, "RATE_LIMIT_FEATURES": "0",
                                 "RATE_LIMIT_INFERENCE": "0"})

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            rs.stop_all()

    def _db3(self, *args):
        # One connection: AUTH, SELECT 3, then the command (resp() opens one per call).
        with socket.create_connection(("127.0.0.1", self.redis.port), timeout=5) as s:
            f = s.makefile("rb")
            for cmd in (("AUTH", "s3cret"), ("SELECT", "3"), args):
                out = b"*%d\r\n" % len(cmd)
                for a in cmd:
                    a = str(a).encode()
                    out += b"$%d\r\n%s\r\n" % (len(a), a)
                s.sendall(out)
                reply = rs._read(f)
            return reply

    def test_a_layout_and_reads(self):
        srv = self.server
        ids = [f"doc-{i}" for i in range(10)]
        for i, d in enumerate(ids):
            st, _, body = srv.json("POST", "/features", {
                "entity_id": d, "features": {"word_count": i, "ocr_confidence": i / 10,
                                             "cell_count": 2 * i}})
            self.assertEqual(st, 200, body)
        raw = self._db3("HGET", "fs:{document:doc-3}:document_ocr", "word_count")
        ms, value = raw.split(" ", 1)
        self.assertEqual(value, "3")
        self.assertLess(abs(int(ms) / 1000 - time.time()), 60)
        ttl = self._db3("TTL", "fs:{document:doc-3}:document_ocr")
        self.assertGreater(ttl, 2592000)  # twice the 30-day TTL, minus the seconds passed
        self.assertLessEqual(ttl, 2 * 2592000)
        self.assertEqual(self._db3("EXISTS", "fs:{document:doc-3}:document_layout"), 1)
        st, _, body = srv.json("POST", "/get-online-features", {
            "features": ["document_ocr:word_count", "document_layout:cell_count",
                         "document_ocr:image_dpi"],
            "entities": {"document_id": ids + ["missing"]}})
        self.assertEqual(st, 200, body)
        self.assertEqual(body["results"][1]["values"], list(range(10)) + [None])
        self.assertEqual(body["results"][2]["values"], [2 * i for i in range(10)] + [None])
        self.assertEqual(body["results"][3]["statuses"], ["NOT_FOUND"] * 11)
        st, _, body = srv.json("GET", "/features/doc-7?features=word_count,cell_count")
        self.assertEqual(body["features"], {"word_count": 7, "cell_count": 14})
        self.assertEqual(srv.json("GET", "/health")[2]["services"]["feature_store"], "up")

    def test_b_redis_down_and_back(self):
        srv = self.server
        page = os.path.join(self.root, "page.png")
        render_text(page, ["Tuesday English"])
        with open(page, "rb") as f:
            image = base64.b64encode(f.read()).decode()
        port = self.redis.port
        self.redis.kill9()
        try:
            self.assertTrue(wait_until(
                lambda: srv.json("GET", "/health")[2]["status"] == "degraded", 15))
            health = srv.json("GET", "/health")
            self.assertEqual(health[0], 200)
            self.assertEqual(health[2]["services"]["feature_store"], "down")
            self.assertEqual(health[2]["services"]["inference"], "up")
            started = time.time()
            st, _, body = srv.json("POST", "/infer/ocr", {
                "image_base64": image, "use_feature_store": True, "document_id": "down-1"})
            self.assertEqual(st, 200, body)
            self.assertFalse(body["features_stored"])
            self.assertTrue(any("feature" in w for w in body["warnings"]), body)
            self.assertIn("text", body)
            self.assertLess(time.time() - started, 30)
            st, _, body = srv.json("GET", "/features/doc-1")
            self.assertEqual(st, 503, body)
            st, _, body = srv.json("POST", "/features", {"entity_id": "x",
                                                         "features": {"word_count": 1}})
            self.assertEqual(st, 503, body)
        finally:
            # The same port again: the store reconnects on its own.
            type(self).redis = rs.redis(self.root, "standalone2", ["requirepass s3cret"],
                                        port=port)
        self.assertTrue(wait_until(
            lambda: srv.json("POST", "/features", {"entity_id": "back",
                                                   "features": {"word_count": 5}})[0] == 200, 20))
        self.assertTrue(wait_until(
            lambda: srv.json("GET", "/health")[2]["status"] == "healthy", 20))
        self.assertEqual(srv.json("GET", "/features/back?features=word_count")[2]["features"],
                         {"word_count": 5})


if __name__ == "__main__":
    unittest.main(verbosity=2)
