"""Proves the artifact proxy path end to end, against a real `aipipe registry` whose
proxied artifacts go to (a) a local directory and (b) an S3-compatible server (s3rver),
and a real `aipipe serve`:
- `aipipe models register` uploads the model through /api/2.0/mlflow-artifacts/ (no
  --artifact-store): the version's source is mlflow-artifacts:/models/NAME/..., and the
  bytes in the registry's artifact destination are the model's bytes, checksums.sha256
  included (on S3 also a file over the 8 MiB multipart threshold);
- the inference service's loader downloads that version through the proxy into its cache,
  byte for byte, and serves OCR with it;
- checksums on the way up: a PUT whose Content-Digest differs from its body is refused
  with 400 INVALID_PARAMETER_VALUE and stores nothing; a matching one is stored;
- checksums on the way down: a version whose stored artifact was damaged after
  registration (same size, one byte flipped) is never loaded: serve keeps the current
  version, logs the checksum mismatch, and leaves no partial cache directory."""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, Server, multipart, render_text, wait_until  # noqa: E402
from s3server import S3Server  # noqa: E402

TESSDATA = "/usr/share/tesseract-ocr/5/tessdata"
NAME = "timetable-ocr"


def cli(args, env, expect=0):
    p = subprocess.run([BIN, "models", *args], env=env, capture_output=True, text=True,
                       timeout=180)
    assert p.returncode == expect, (args, p.returncode, p.stdout, p.stderr)
    return p


def http(reg, method, path, data=None, headers=None):
    req = urllib.request.Request(f"http://127.0.0.1:{reg.port}{path}", data=data,
                                 method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tree(root):
    """{relative path: sha256} of every file below root."""
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            full = os.path.join(d, f)
            out[os.path.relpath(full, root)] = sha256(full)
    return out


def proxied_tree(reg, prefix):
    """{relative path: sha256} of every artifact below prefix, read through the proxy."""
    out = {}
    st, body = http(reg, "GET", f"/api/2.0/mlflow-artifacts/artifacts?path={prefix}")
    assert st == 200, body
    for f in json.loads(body).get("files", []):
        key = f"{prefix}/{f['path']}"
        if f["is_dir"]:
            out.update({f"{f['path']}/{k}": v for k, v in proxied_tree(reg, key).items()})
        else:
            st, data = http(reg, "GET", f"/api/2.0/mlflow-artifacts/artifacts/{key}")
            assert st == 200 and len(data) == f["file_size"], (key, st, len(data))
            out[f["path"]] = hashlib.sha256(data).hexdigest()
    return out


def version(reg, n):
    st, body = http(reg, "GET", f"/api/2.0/mlflow/model-versions/get?name={NAME}&version={n}")
    assert st == 200, body
    return json.loads(body)["model_version"]


def loaded_version(srv):
    _, _, health = srv.json("GET", "/health")
    return (health.get("model") or {}).get("version")


def ocr_ok(srv, png, want_version):
    with open(png, "rb") as f:
        body, ctype = multipart({"file": ("line.png", "image/png", f.read())})
    st, _, data = srv.request("POST", "/infer/ocr", body, {"Content-Type": ctype})
    assert st == 200, data
    out = json.loads(data)
    assert out["model_version"] == f"{NAME}/{want_version}" and "Maths" in out["text"], out


def digest_checks(reg):
    """Content-Digest on proxied uploads: a mismatch is refused and stores nothing."""
    body = b"model bytes\n"
    good = base64.b64encode(hashlib.sha256(body).digest()).decode()
    bad = base64.b64encode(hashlib.sha256(b"other bytes\n").digest()).decode()
    path = "/api/2.0/mlflow-artifacts/artifacts/checks/digest.bin"
    st, resp = http(reg, "PUT", path, body, {"Content-Digest": f"sha-256=:{bad}:"})
    assert st == 400 and json.loads(resp)["error_code"] == "INVALID_PARAMETER_VALUE", (st, resp)
    st, _ = http(reg, "GET", path)
    assert st == 404, st
    st, resp = http(reg, "PUT", path, body, {"Content-Digest": "sha-256=:not base64"})
    assert st == 400, (st, resp)
    st, resp = http(reg, "PUT", path, body, {"Content-Digest": f"sha-512=:x:, sha-256=:{good}:"})
    assert st == 200, (st, resp)
    st, data = http(reg, "GET", path)
    assert st == 200 and data == body, (st, data)


def scenario(label, work, reg_args, reg_env, damage):
    """Registers two versions through the proxy, serves the first, damages the second in
    the store and checks it is refused. damage(reg, prefix, relpath) flips a byte of the
    stored artifact."""
    print(f"-- {label}", flush=True)
    valdir = os.path.join(work, "validation")
    os.makedirs(valdir, exist_ok=True)
    png = os.path.join(valdir, "line.png")
    render_text(png, ["Monday Maths 08:00"])
    models = {}
    for v in ("v1", "v2"):
        d = os.path.join(work, label, v)
        os.makedirs(os.path.join(d, "extra"))
        shutil.copy(os.path.join(TESSDATA, "eng.traineddata"), d)
        # over s3's 8 MiB multipart threshold, and nested
        with open(os.path.join(d, "extra", "blob.bin"), "wb") as f:
            f.write(os.urandom(9 * 1024 * 1024 + 123))
        models[v] = d
    cache = os.path.join(work, label, "cache")
    reg = Server("registry", args=reg_args, env=reg_env)
    srv = None
    try:
        env = dict(os.environ, MLFLOW_TRACKING_URI=f"http://127.0.0.1:{reg.port}")
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
            env.pop(k, None)  # the client needs no store credentials: the proxy has them
        digest_checks(reg)
        prefixes = {}
        for n, v in ((1, "v1"), (2, "v2")):
            p = cli(["register", NAME, models[v], "--tag", "engine=tesseract"], env)
            source = version(reg, n)["source"]
            assert source.startswith(f"mlflow-artifacts:/models/{NAME}/"), (source, p.stdout)
            prefixes[n] = source[len("mlflow-artifacts:/"):]
            local = tree(models[v])
            assert "checksums.sha256" in local and "extra/blob.bin" in local, local
            assert proxied_tree(reg, prefixes[n]) == local, label
        st, body = http(reg, "GET", f"/api/2.0/mlflow/model-versions/get-download-uri"
                                    f"?name={NAME}&version=1")
        assert json.loads(body)["artifact_uri"] == f"mlflow-artifacts:/{prefixes[1]}", body
        cli(["transition", NAME, "1", "Production"], env)

        serve_env = {"MLFLOW_TRACKING_URI": env["MLFLOW_TRACKING_URI"], "MODEL_NAME": NAME,
                     "MODEL_CACHE_DIR": cache, "MODEL_POLL_SECONDS": "1",
                     "MODEL_VALIDATION_DIR": valdir, "RATE_LIMIT_MODELS": "0",
                     "RATE_LIMIT_INFERENCE": "0", "MAX_CONCURRENT_INFERENCES": "1"}
        srv = Server("serve", env=serve_env)
        assert loaded_version(srv) == "1", (srv.json("GET", "/health"), srv.log[-10:])
        cached = tree(os.path.join(cache, NAME, "1"))
        cached.pop(".aipipe-version.json", None)
        local = tree(models["v1"])
        assert {k: v for k, v in cached.items() if k in local} == local, (cached, local)
        ocr_ok(srv, png, "1")

        # the stored copy of version 2 is damaged after registration
        damage(reg, prefixes[2], "eng.traineddata")
        cli(["transition", NAME, "2", "Production", "--archive-existing"], env)
        assert wait_until(lambda: any("checksum mismatch" in line for line in srv.log), 60), \
            srv.log[-10:]
        time.sleep(2)  # more polls: still refused
        assert loaded_version(srv) == "1"
        ocr_ok(srv, png, "1")
        assert srv.stop() == 0
        srv = None
        # (a poll may be mid-download while serve runs; once stopped nothing is left)
        leftovers = [f for f in os.listdir(os.path.join(cache, NAME)) if f.startswith("2")]
        assert not leftovers, leftovers
    finally:
        if srv:
            assert srv.stop() == 0
        reg.stop()


def flip(path):
    with open(path, "r+b") as f:
        f.seek(1000)
        b = f.read(1)
        f.seek(1000)
        f.write(bytes([b[0] ^ 0xFF]))


def main():
    work = tempfile.mkdtemp(prefix="aipipe-model-artifacts-")
    try:
        # (a) proxied artifacts in a local directory
        arts = os.path.join(work, "artifacts")
        scenario("local", work,
                 ["--backend-store-uri", f"sqlite:///{work}/local.db",
                  "--artifacts-destination", arts], None,
                 lambda reg, prefix, rel: flip(os.path.join(arts, prefix, rel)))

        # (b) proxied artifacts in S3; the damaged object is rewritten behind the registry
        with S3Server(bucket="models") as s3:
            def damage(reg, prefix, rel):
                path = f"/api/2.0/mlflow-artifacts/artifacts/{prefix}/{rel}"
                st, data = http(reg, "GET", path)
                assert st == 200, st
                data = bytearray(data)
                data[1000] ^= 0xFF
                # rewritten without a Content-Digest: this is the corruption
                st, _ = http(reg, "PUT", path, bytes(data))
                assert st == 200, st

            scenario("s3", work,
                     ["--backend-store-uri", f"sqlite:///{work}/s3.db",
                      "--artifacts-destination", "s3://models/registry"], s3.env(), damage)
            # the objects really are in the bucket, under the destination's prefix
            objects = []
            for d, _, files in os.walk(s3.dir):
                objects += [os.path.join(d, f) for f in files]
            assert any("registry/models" in o.replace(os.sep, "/") for o in objects), objects[:5]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
