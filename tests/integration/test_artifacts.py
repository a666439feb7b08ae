"""Proves: `aipipe artifacts sync` moves a directory tree to S3 (a real S3-compatible
server, s3rver) and back byte for byte, a file over the 8 MiB threshold going up as a
multipart upload; a second sync copies nothing; a changed file (same size, new bytes)
is found by its MD5/ETag and copied alone; --dry-run changes nothing; --delete removes
what the source lacks; `artifacts ls` lists one level and recursively; bad usage exits 2
and a missing bucket exits 1."""
import hashlib
import os
import subprocess
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN  # noqa: E402
from s3server import S3Server  # noqa: E402


def run(args, env, expect=0):
    p = subprocess.run([BIN, "artifacts", *args], env=env, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == expect, (args, p.returncode, p.stdout, p.stderr)
    return p


def tree(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            path = os.path.join(d, f)
            with open(path, "rb") as fh:
                out[os.path.relpath(path, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def main(work):
    src = os.path.join(work, "src")
    os.makedirs(os.path.join(src, "model", "sub"))
    big = os.urandom(9 * 1024 * 1024 + 12345)  # over the 8 MiB threshold: 2 parts
    with open(os.path.join(src, "model", "eng.traineddata"), "wb") as f:
        f.write(big)
    with open(os.path.join(src, "model", "MLmodel"), "w") as f:
        f.write("flavors: {}\n")
    with open(os.path.join(src, "model", "sub", "name with space+plus.txt"), "w") as f:
        f.write("x" * 100)
    with S3Server(bucket="models") as s3:
        env = dict(os.environ, **s3.env())
        dst = "s3://models/runs/r1"
        p = run(["sync", src, dst], env)
        assert "3 copied" in p.stderr, p.stderr
        log = "\n".join(s3.log)
        assert "?uploads=" in log and "partNumber=2" in log, "no multipart upload seen"

        p = run(["ls", dst, "-r"], env)
        lines = sorted(p.stdout.split("\n")[:-1])
        assert any(l.endswith("model/eng.traineddata") and str(len(big)) in l for l in lines), lines
        assert len(lines) == 3, lines
        p = run(["ls", dst], env)
        assert p.stdout.split() == ["DIR", "model/"], p.stdout

        p = run(["sync", src, dst], env)
        assert "0 copied" in p.stderr and "3 unchanged" in p.stderr, p.stderr

        back = os.path.join(work, "back")
        p = run(["sync", dst, back, "--dry-run"], env)
        assert "(dryrun) 3 copied" in p.stderr and not os.path.exists(back), p.stderr
        run(["sync", dst, back], env)
        assert tree(back) == tree(src)

        # same size, other bytes: only the content hash can tell
        with open(os.path.join(src, "model", "MLmodel"), "w") as f:
            f.write("flavors: []\n")
        p = run(["sync", src, dst], env)
        assert "1 copied" in p.stderr and "copy: model/MLmodel" in p.stderr, p.stderr
        p = run(["sync", dst, back], env)
        assert "1 copied" in p.stderr, p.stderr
        assert tree(back) == tree(src)

        os.remove(os.path.join(src, "model", "sub", "name with space+plus.txt"))
        p = run(["sync", src, dst, "--delete", "--dry-run"], env)
        assert "(dryrun) delete: model/sub/name with space+plus.txt" in p.stderr, p.stderr
        p = run(["sync", src, dst, "--delete"], env)
        assert "1 deleted" in p.stderr, p.stderr
        p = run(["ls", dst, "-r"], env)
        assert len(p.stdout.split("\n")[:-1]) == 2, p.stdout

        run(["sync", src, "s3://no-such-bucket/x"], env, expect=1)
        run(["sync", src], env, expect=2)
        run(["sync", src, dst, "--bogus"], env, expect=2)
        p = run(["--help"], env)
        assert "--delete" in p.stdout
    print("ok")


if __name__ == "__main__":
    work = tempfile.mkdtemp(prefix="aipipe-art-")
    try:
        main(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
