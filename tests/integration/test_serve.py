"""Integration tests of `aipipe serve`: the real binary on a loopback port.

Proves: every route answers (also under /api/v1); OCR returns the words of images rendered
with a Debian font, with boxes where they were drawn; uploads work as multipart, base64 and
allowed paths; every error code comes as {"error": {code, message, details}}; rate limits
and the bounded queue answer 429 and 503 with Retry-After; many parallel requests all
succeed; /metrics passes promtool; SIGTERM drains in-flight requests and exits 0."""
import base64
import concurrent.futures
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import unittest
import zlib

from harness import BIN, CONVERT_IMAGE, Server, multipart, render_text, wait_until

TMP = tempfile.mkdtemp(prefix="aipipe-serve-")
LINES = ["Maths English Science", "Registration Assembly", "Lunch at 12:15"]


def setUpModule():
    global PAGE, PAGE_BYTES, WORDS, server
    PAGE = os.path.join(TMP, "allowed", "page.png")
    os.makedirs(os.path.dirname(PAGE))
    WORDS = render_text(PAGE, LINES)
    with open(PAGE, "rb") as f:
        PAGE_BYTES = f.read()
    server = Server(env={"ALLOWED_IMAGE_DIRS": os.path.join(TMP, "allowed"),
                         "RATE_LIMIT_INFERENCE": "0"})


def tearDownModule():
    assert server.stop() == 0
    shutil.rmtree(TMP, ignore_errors=True)


def ocr_multipart(srv, data, extra=None):
    fields = {"file": ("page.png", "image/png", data)}
    fields.update(extra or {})
    body, ctype = multipart(fields)
    status, headers, raw = srv.request("POST", "/infer/ocr", body, {"Content-Type": ctype})
    return status, headers, json.loads(raw)


def big_png(width, height):
    """A PNG whose header claims width x height (the pixel data is not needed to refuse it)."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
            chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


class Routes(unittest.TestCase):
    def test_health(self):
        for prefix in ("", "/api/v1"):
            status, _, body = server.json("GET", prefix + "/health")
            self.assertEqual(status, 200)
            self.assertEqual(body["status"], "healthy")
            self.assertEqual(body["services"]["inference"], "up")
            self.assertIn("feature_store", body["services"])
            self.assertEqual(body["services"]["model_registry"], "disabled")
            self.assertRegex(body["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(server.json("GET", "/health/live")[0], 200)
        self.assertEqual(server.json("GET", "/api/v1/health/ready")[2], {"status": "ready"})

    def test_request_id_is_echoed(self):
        _, headers, _ = server.request("GET", "/health", headers={"X-Request-ID": "abc-123"})
        self.assertEqual(headers["x-request-id"], "abc-123")
        _, headers, _ = server.request("GET", "/health", headers={"X-Request-ID": "bad id!"})
        self.assertRegex(headers["x-request-id"], r"^[0-9a-f]{16}$")

    def test_metrics_and_promtool(self):
        ocr_multipart(server, PAGE_BYTES)
        status, headers, raw = server.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain; version=0.0.4"))
        text = raw.decode()
        for name in ("inference_requests_total{endpoint=\"infer_ocr\",status=\"200\"}",
                     "inference_latency_seconds_bucket{endpoint=\"infer_ocr\",le=\"+Inf\"}",
                     "model_confidence{model=\"tesseract-", "inference_requests_in_flight",
                     "inference_request_size_bytes_bucket", "inference_response_size_bytes_sum",
                     "process_cpu_seconds_total", "process_resident_memory_bytes",
                     "process_open_fds", "aipipe_build_info{"):
            self.assertIn(name, text)
        promtool = subprocess.run(["promtool", "check", "metrics"], input=raw,
                                  capture_output=True)
        self.assertEqual(promtool.returncode, 0, promtool.stdout + promtool.stderr)


class Ocr(unittest.TestCase):
    def check_words(self, body):
        got = [w["text"] for w in body["words"]]
        self.assertEqual(got, [w["text"] for w in WORDS])
        self.assertEqual(body["text"].split(), got)
        for drawn, read in zip(WORDS, body["words"]):
            # the box read lies where the word was drawn (ink vs. layout box: a few px)
            self.assertLess(abs(read["left"] - drawn["left"]), 8, read)
            self.assertLess(abs(read["left"] + read["width"] - drawn["left"] - drawn["width"]),
                            8, read)
            self.assertTrue(drawn["top"] - 4 <= read["top"] <= drawn["top"] + drawn["height"])
            self.assertGreater(read["confidence"], 0.5)
        self.assertGreater(body["confidence"], 0.5)
        self.assertEqual(body["engine"], "tesseract")
        self.assertTrue(body["model_version"].startswith("tesseract-"))
        self.assertGreaterEqual(body["processing_time"], 0)

    def test_multipart(self):
        status, _, body = ocr_multipart(server, PAGE_BYTES)
        self.assertEqual(status, 200, body)
        self.check_words(body)
        self.assertEqual(body["image"]["format"], "png")

    def test_base64_and_path(self):
        status, _, body = server.json("POST", "/api/v1/infer/ocr",
                                      {"image_base64": base64.b64encode(PAGE_BYTES).decode()})
        self.assertEqual(status, 200, body)
        self.check_words(body)
        status, _, body = server.json("POST", "/infer/ocr", {"image_path": PAGE})
        self.assertEqual(status, 200, body)
        self.check_words(body)

    def test_model_version(self):
        status, _, body = ocr_multipart(server, PAGE_BYTES, {"model_version": b"tesseract"})
        self.assertEqual(status, 200)
        status, _, body = server.json("POST", "/infer/ocr", {"image_path": PAGE,
                                                            "model_version": body["model_version"]})
        self.assertEqual(status, 200)
        status, _, body = server.json("POST", "/infer/ocr", {"image_path": PAGE,
                                                            "model_version": "crnn-v9"})
        self.assertEqual(status, 404)
        self.assertEqual(body["error"]["code"], "MODEL_NOT_FOUND")
        self.assertTrue(body["error"]["details"]["available"])

    def test_other_formats(self):
        for fmt in ("jpg", "tif", "bmp", "webp", "pnm", "gif"):
            out = os.path.join(TMP, "page." + fmt)
            subprocess.run([CONVERT_IMAGE, PAGE, out], check=True)
            with open(out, "rb") as f:
                status, _, body = ocr_multipart(server, f.read())
            self.assertEqual(status, 200, body)
            self.assertIn("Registration", body["text"])

    def test_parallel_requests(self):
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            results = list(pool.map(lambda _: ocr_multipart(server, PAGE_BYTES), range(24)))
        for status, _, body in results:
            self.assertEqual(status, 200, body)
            self.assertIn("Registration", body["text"])


class Errors(unittest.TestCase):
    """The malformed-upload corpus: each gets a 4xx JSON error and the server stays up."""

    def expect(self, result, status, code):
        got_status, _, raw = result
        self.assertEqual(got_status, status, raw)
        body = json.loads(raw)
        self.assertEqual(body["error"]["code"], code)
        self.assertTrue(body["error"]["message"])
        self.assertIsInstance(body["error"]["details"], dict)

    def post(self, body, ctype):
        headers = {"Content-Type": ctype} if ctype else {}
        return server.request("POST", "/infer/ocr", body, headers)

    def mp(self, data):
        body, ctype = multipart({"file": ("x.png", "image/png", data)})
        return self.post(body, ctype)

    def test_corpus(self):
        cases = [
            (self.mp(PAGE_BYTES[: len(PAGE_BYTES) // 2]), 400, "INVALID_REQUEST"),  # truncated
            (self.mp(os.urandom(4096)), 415, "UNSUPPORTED_MEDIA_TYPE"),  # random bytes
            (self.mp(b""), 400, "INVALID_REQUEST"),  # empty file
            (self.mp(big_png(20000, 20000)), 413, "PAYLOAD_TOO_LARGE"),  # 400 MP
            (self.post(PAGE_BYTES, "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE"),
            (self.post(PAGE_BYTES, None), 415, "UNSUPPORTED_MEDIA_TYPE"),
            (self.post(b"", "application/json"), 400, "INVALID_REQUEST"),  # empty body
            (self.post(b"{not json", "application/json"), 400, "INVALID_REQUEST"),
            (self.post(b"[1,2]", "application/json"), 400, "INVALID_REQUEST"),
            (self.post(b'{"image_base64": "%%%"}', "application/json"), 400, "INVALID_REQUEST"),
            (self.post(b'{"image_base64": 5}', "application/json"), 400, "INVALID_REQUEST"),
            (self.post(b'{}', "application/json"), 400, "INVALID_REQUEST"),
            (self.post(json.dumps({"image_path": "/etc/passwd"}).encode(), "application/json"),
             403, "FORBIDDEN"),
            (self.post(json.dumps({"image_path": os.path.join(TMP, "allowed", "..", "x")}).encode(),
                       "application/json"), 403, "FORBIDDEN"),
            (self.post(json.dumps({"image_path": os.path.join(TMP, "allowed", "nope.png")}).encode(),
                       "application/json"), 404, "NOT_FOUND"),
            (self.post(b"--b\r\nxx", "multipart/form-data; boundary=b"), 400, "INVALID_REQUEST"),
            (self.post(b"abc", "multipart/form-data"), 400, "INVALID_REQUEST"),
            (server.request("GET", "/infer/ocr"), 405, "METHOD_NOT_ALLOWED"),
            (server.request("GET", "/nope"), 404, "NOT_FOUND"),
        ]
        for result, status, code in cases:
            with self.subTest(status=status, code=code):
                self.expect(result, status, code)
        self.assertEqual(server.json("GET", "/health")[0], 200)

    def test_symlink_escape(self):
        link = os.path.join(TMP, "allowed", "escape.png")
        os.symlink("/etc/hostname", link)
        result = self.post(json.dumps({"image_path": link}).encode(), "application/json")
        self.expect(result, 403, "FORBIDDEN")

    def test_body_over_limit_refused_before_upload(self):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(b"POST /infer/ocr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                      b"\r\nContent-Length: 999999999\r\n\r\n")
            reply = s.recv(65536).decode()
        self.assertTrue(reply.startswith("HTTP/1.1 413"), reply)
        self.assertIn("PAYLOAD_TOO_LARGE", reply)

    def test_chunked_body_over_limit(self):
        with Server(env={"MAX_BODY_BYTES": "2048"}) as small:
            with socket.create_connection(("127.0.0.1", small.port), timeout=10) as s:
                s.sendall(b"POST /infer/ocr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                          b"\r\nTransfer-Encoding: chunked\r\n\r\n")
                for _ in range(6):
                    s.sendall(b"400\r\n" + b"a" * 1024 + b"\r\n")
                s.sendall(b"0\r\n\r\n")
                reply = s.recv(65536).decode()
            self.assertTrue(reply.startswith("HTTP/1.1 413"), reply)


class Limits(unittest.TestCase):
    def test_rate_limit(self):
        with Server(env={"RATE_LIMIT_INFERENCE": "3"}) as srv:
            statuses = [srv.request("POST", "/infer/ocr", b"{}",
                                    {"Content-Type": "application/json"}) for _ in range(4)]
            self.assertEqual([s[0] for s in statuses], [400, 400, 400, 429])
            body = json.loads(statuses[3][2])
            self.assertEqual(body["error"]["code"], "RATE_LIMIT_EXCEEDED")
            self.assertGreaterEqual(int(statuses[3][1]["retry-after"]), 1)
            self.assertEqual(srv.request("GET", "/health")[0], 200)  # other routes unaffected

    def test_full_queue_answers_503(self):
        big = os.path.join(TMP, "big.png")
        render_text(big, LINES * 12, size=28)
        with open(big, "rb") as f:
            data = f.read()
        env = {"MAX_CONCURRENT_INFERENCES": "1", "MAX_QUEUED_INFERENCES": "0",
               "RATE_LIMIT_INFERENCE": "0"}
        results = []
        with Server(env=env) as srv:
            # Bursts of parallel requests for one engine and no queue: some must be refused.
            # A loaded machine may serialise one burst by chance, so up to five are sent.
            for _ in range(5):
                with concurrent.futures.ThreadPoolExecutor(6) as pool:
                    results += list(pool.map(lambda _: ocr_multipart(srv, data), range(6)))
                if any(r[0] == 503 for r in results):
                    break
        statuses = {r[0] for r in results}
        self.assertIn(200, statuses)
        self.assertIn(503, statuses)
        self.assertLessEqual(statuses, {200, 503})
        for status, headers, body in results:
            if status == 503:
                self.assertEqual(body["error"]["code"], "SERVICE_UNAVAILABLE")
                self.assertGreaterEqual(int(headers["retry-after"]), 1)


class Lifecycle(unittest.TestCase):
    def test_sigterm_drains_in_flight(self):
        # A request whose body is half sent is in flight, deterministically: SIGTERM then,
        # send the rest, and it must still be answered in full before the process exits 0.
        srv = Server()
        body, ctype = multipart({"file": ("page.png", "image/png", PAGE_BYTES)})
        half = len(body) // 2
        with socket.create_connection(("127.0.0.1", srv.port), timeout=60) as s:
            s.sendall((f"POST /infer/ocr HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
                       f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
                      + body[:half])
            self.assertTrue(wait_until(lambda: b"inference_requests_in_flight 2" in
                                       srv.request("GET", "/metrics")[2], 30))
            srv.proc.send_signal(15)
            self.assertTrue(wait_until(lambda: any('"draining"' in l for l in srv.log), 30))
            s.sendall(body[half:])
            reply = b""
            while chunk := s.recv(65536):
                reply += chunk
        head, _, payload = reply.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), head)
        self.assertIn("Registration", json.loads(payload)["text"])
        self.assertEqual(srv.stop(), 0)
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", srv.port), timeout=2)

    def test_bad_config_stops_startup(self):
        env = dict(os.environ, MODEL_STORAGE_TYPE="gcs")
        r = subprocess.run([BIN, "serve"], env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("models.storage_type", r.stderr)
        self.assertIn("local, s3", r.stderr)
        r = subprocess.run([BIN, "serve", "--port", "http"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("server.port", r.stderr)

    def test_help_and_version(self):
        r = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0)
        for flag in ("--port", "--max-body-bytes", "--allowed-dirs", "MLFLOW_TRACKING_URI"):
            self.assertIn(flag, r.stdout)
        r = subprocess.run([BIN, "--version"], capture_output=True, text=True)
        self.assertRegex(r.stdout, r"^aipipe \d+\.\d+\.\d+")
        r = subprocess.run([BIN, "bogus"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
