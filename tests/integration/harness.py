"""Shared helpers of the integration tests: start the real `aipipe` binary on a free
loopback port, speak HTTP to it, render test images. Standard library only."""
import atexit
import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid

BIN = os.environ.get("AIPIPE_BIN", "build/aipipe")
SOURCE_DIR = os.environ.get("AIPIPE_SOURCE_DIR", ".")
BUILD_DIR = os.environ.get("AIPIPE_BUILD_DIR", "build")
RENDER_TEXT = os.path.join(BUILD_DIR, "tests", "render_text")
CONVERT_IMAGE = os.path.join(BUILD_DIR, "tests", "convert_image")
SHARED_DATA = os.path.join(SOURCE_DIR, "..", "shared", "data", "timetables")


_scratch_root = None


def _scratch_root_dir():
    """One per-process temp dir, removed at exit however the servers using it ended
    (killed ones included)."""
    global _scratch_root
    if _scratch_root is None:
        _scratch_root = tempfile.mkdtemp(prefix="aipipe-fs-")
        atexit.register(shutil.rmtree, _scratch_root, True)
    return _scratch_root


def _scratch_dir():
    """A fresh directory under the per-process temp dir."""
    return tempfile.mkdtemp(dir=_scratch_root_dir())


class Server:
    """`aipipe <command>` on 127.0.0.1 with --port 0; the port is read from its
    'listening' log line. Use as a context manager; stop() sends SIGTERM. It runs in the
    per-process scratch dir unless cwd is given, so its default var/ goes with it."""

    def __init__(self, command="serve", args=(), env=None, cwd=None):
        self.log = []
        full_env = dict(os.environ)
        full_env.update({"LOG_FORMAT": "json", "HOST": "127.0.0.1"})
        full_env.update(env or {})
        # Each server gets its own embedded feature store file (the store locks its file).
        if "FEATURE_STORE_PATH" not in (env or {}):
            full_env["FEATURE_STORE_PATH"] = os.path.join(_scratch_dir(), "features.aof")
        self.proc = subprocess.Popen([BIN, command, "--port", "0", *args], env=full_env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     cwd=cwd or _scratch_root_dir(), text=True)
        self.port = None
        self._ready = threading.Event()
        threading.Thread(target=self._read_log, daemon=True).start()
        if not self._ready.wait(60) or self.port is None:
            self.proc.kill()
            raise RuntimeError("server did not start: " + "\n".join(self.log[-20:]))

    def _read_log(self):
        for line in self.proc.stderr:
            self.log.append(line.rstrip("\n"))
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("message") == "listening":
                self.port = rec["port"]
                self._ready.set()
        self._ready.set()

    def request(self, method, path, body=None, headers=None, timeout=120):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def json(self, method, path, obj=None, headers=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        body = None if obj is None else json.dumps(obj).encode()
        status, hdrs, data = self.request(method, path, body, h)
        return status, hdrs, json.loads(data) if data else None

    def stop(self, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def multipart(fields):
    """fields: {name: bytes or (filename, content_type, bytes)} -> (body, content_type)."""
    boundary = uuid.uuid4().hex
    out = bytearray()
    for name, value in fields.items():
        out += f"--{boundary}\r\n".encode()
        if isinstance(value, tuple):
            filename, ctype, data = value
            out += (f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: {ctype}\r\n\r\n").encode()
        else:
            data = value
            out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def render_text(path, lines, font="DejaVu Sans", size=32):
    """Draws lines into a PNG; returns the drawn words' boxes."""
    out = subprocess.run([RENDER_TEXT, path, font, str(size), *lines], check=True,
                         capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines()]


def wait_until(cond, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False
