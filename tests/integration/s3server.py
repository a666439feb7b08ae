"""S3rver, the S3-compatible test server from npm (tests/node), started on a free
loopback port in a fresh directory with one bucket, and always stopped. It checks access
keys but not signatures (those are checked by tests/unit/test_artifact_s3.c).

    with S3Server(bucket="models") as s3:
        env = s3.env()   # AWS_* variables that point aipipe at it
"""
import os
import re
import shutil
import subprocess
import tempfile
import threading

SOURCE_DIR = os.environ.get("AIPIPE_SOURCE_DIR", ".")
NODE_DIR = os.path.join(SOURCE_DIR, "tests", "node")
S3RVER = os.path.join(NODE_DIR, "node_modules", ".bin", "s3rver")


def ensure_installed():
    """npm ci in tests/node when s3rver is missing (install-deps normally did it)."""
    if not os.path.exists(S3RVER):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=NODE_DIR, check=True, stdout=subprocess.DEVNULL)


class S3Server:
    # s3rver's built-in credentials: the only ones it accepts
    ACCESS_KEY = "S3RVER"
    SECRET_KEY = "S3RVER"

    def __init__(self, bucket="aipipe-test"):
        ensure_installed()
        self.bucket = bucket
        self.dir = tempfile.mkdtemp(prefix="aipipe-s3rver-")
        self.log = []
        env = dict(os.environ)
        # s3rver 3 hashes with MD4/MD5 helpers that OpenSSL 3 only has in its legacy provider
        env["NODE_OPTIONS"] = "--openssl-legacy-provider"
        self.proc = subprocess.Popen(
            [S3RVER, "-d", self.dir, "-a", "127.0.0.1", "-p", "0", "--no-vhost-buckets",
             "--configure-bucket", bucket],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.port = None
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(60) or self.port is None:
            self.stop()
            raise RuntimeError("s3rver did not start: " + "\n".join(self.log[-20:]))

    def _read(self):
        for line in self.proc.stdout:
            self.log.append(line.rstrip("\n"))
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                self._ready.set()
        self._ready.set()

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def env(self):
        return {"AWS_ACCESS_KEY_ID": self.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": self.SECRET_KEY,
                "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": self.endpoint}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
