"""Proves, against a real `aipipe registry` (SQLite) and a real `aipipe serve`:
- serve loads the Production version of MODEL_NAME from the registry at start-up, from
  a model directory (a Tesseract traineddata) it downloads into MODEL_CACHE_DIR, and
  answers /infer/ocr with it;
- a newly promoted version is picked up by the poll without a restart;
- GET /models and /models/NAME list the versions with stage, type, metrics, created_at;
- POST /models/NAME/deploy of the previous version rolls back, and the next poll does
  not undo it; with validate, a worse candidate (Tesseract's osd model, which reads no
  text) is refused with 409 and the current model stays;
- with the registry gone, serve keeps answering with its model and /health says
  model_registry "down"; a restart without the registry serves the cached version;
- the `aipipe models` CLI lists, gets, transitions, deploys and rolls back.
Requests go on while versions swap: none fails."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, Server, multipart, render_text, wait_until  # noqa: E402

TESSDATA = "/usr/share/tesseract-ocr/5/tessdata"
NAME = "timetable-ocr"


def api(reg, method, endpoint, body=None):
    url = f"http://127.0.0.1:{reg.port}/api/2.0/mlflow/{endpoint}"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"{}")


def model_dir(root, name, traineddata):
    d = os.path.join(root, name)
    os.makedirs(d)
    shutil.copy(os.path.join(TESSDATA, traineddata), d)
    return d


def cli(args, env, expect=0):
    p = subprocess.run([BIN, "models", *args], env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == expect, (args, p.returncode, p.stdout, p.stderr)
    return p


def ocr(srv, png):
    with open(png, "rb") as f:
        body, ctype = multipart({"file": ("line.png", "image/png", f.read())})
    return srv.request("POST", "/infer/ocr", body, {"Content-Type": ctype})


def loaded_version(srv):
    st, _, health = srv.json("GET", "/health")
    return (health.get("model") or {}).get("version")


def main():
    work = tempfile.mkdtemp(prefix="aipipe-models-")
    cache = os.path.join(work, "cache")
    valdir = os.path.join(work, "validation")
    os.makedirs(valdir)
    png = os.path.join(valdir, "line.png")
    render_text(png, ["Monday Maths 08:00"])
    with open(os.path.join(valdir, "line.txt"), "w") as f:
        f.write("Monday Maths 08:00\n")
    v1 = model_dir(work, "v1", "eng.traineddata")
    v2 = model_dir(work, "v2", "eng.traineddata")
    bad = model_dir(work, "bad", "osd.traineddata")

    reg_args = ["--backend-store-uri", f"sqlite:///{work}/registry.db"]
    reg = Server("registry", args=reg_args)
    env = dict(os.environ, MLFLOW_TRACKING_URI=f"http://127.0.0.1:{reg.port}")
    # register through the CLI (checksums written and verified on download)
    cli(["register", NAME, v1, "--tag", "engine=tesseract"], env)
    cli(["register", NAME, v2, "--tag", "engine=tesseract"], env)
    cli(["transition", NAME, "1", "Production"], env)
    p = cli(["list"], env)
    assert NAME in p.stdout, p.stdout

    serve_env = {"MLFLOW_TRACKING_URI": env["MLFLOW_TRACKING_URI"], "MODEL_NAME": NAME,
                 "MODEL_CACHE_DIR": cache, "MODEL_POLL_SECONDS": "1",
                 "MODEL_VALIDATION_DIR": valdir, "RATE_LIMIT_MODELS": "0", "RATE_LIMIT_INFERENCE": "0",
                 "MAX_CONCURRENT_INFERENCES": "1"}
    srv = Server("serve", env=serve_env)
    try:
        assert loaded_version(srv) == "1", (srv.json("GET", "/health"), srv.log[-10:])
        assert os.path.exists(os.path.join(cache, NAME, "1", "eng.traineddata"))
        st, _, data = ocr(srv, png)
        assert st == 200, data
        out = json.loads(data)
        assert out["model_version"] == f"{NAME}/1", out
        assert "Maths" in out["text"], out

        # requests keep flowing while versions swap
        failures, stop = [], threading.Event()

        def load():
            while not stop.is_set():
                s, _, d = ocr(srv, png)
                if s != 200:
                    failures.append((s, d))
        t = threading.Thread(target=load)
        t.start()

        cli(["transition", NAME, "2", "Production", "--archive-existing"], env)
        assert wait_until(lambda: loaded_version(srv) == "2", 60), "v2 not picked up"

        st, _, models = srv.json("GET", "/models")
        assert st == 200, models
        by_version = {m["version"]: m for m in models["models"]}
        assert by_version["2"]["stage"] == "Production" and by_version["2"]["loaded"]
        assert by_version["1"]["stage"] == "Archived", by_version
        assert by_version["2"]["type"] == "tesseract" and by_version["2"]["created_at"]
        assert "metrics" in by_version["2"]
        st, _, one = srv.json("GET", f"/models/{NAME}")
        assert st == 200 and one["previous_version"] == "1", one
        st, _, _ = srv.json("GET", "/models/no-such-model")
        assert st == 404

        # rollback through the CLI: a deploy of the previous version
        serve_url = f"http://127.0.0.1:{srv.port}"
        p = cli(["rollback", NAME, "--serve-url", serve_url], env)
        assert loaded_version(srv) == "1", p.stdout
        time.sleep(2.5)  # two polls: the pinned rollback stays
        assert loaded_version(srv) == "1"
        cli(["deploy", NAME, "2", "--serve-url", serve_url], env)
        assert loaded_version(srv) == "2"
        stop.set()
        t.join()
        assert not failures, failures[:3]

        # validation refuses a worse candidate
        p = cli(["register", NAME, bad, "--tag", "engine=tesseract"], env)
        st, _, res = srv.json("POST", f"/models/{NAME}/deploy", {"version": "3", "validate": True})
        assert st == 409, res
        assert loaded_version(srv) == "2"
        st, _, res = srv.json("POST", f"/models/{NAME}/deploy", {"version": "1", "validate": True})
        assert st == 200 and res["validation"]["candidate_score"] > 0.5, res
        st, _, res = srv.json("POST", f"/models/{NAME}/deploy", {"version": "x"})
        assert st == 400, res

        # the registry goes away: serving goes on, /health says so
        reg.stop()
        assert wait_until(lambda: srv.json("GET", "/health")[2]["services"]["model_registry"]
                          == "down", 30)
        st, _, data = ocr(srv, png)
        assert st == 200, data
    finally:
        assert srv.stop() == 0
        reg.stop()

    # a restart without the registry serves the cached current version
    srv = Server("serve", env=serve_env)
    try:
        st, _, health = srv.json("GET", "/health")
        assert health["model"]["version"] == "1" and health["model"]["from_cache"], health
        assert health["services"]["model_registry"] == "down", health
        st, _, data = ocr(srv, png)
        assert st == 200 and json.loads(data)["model_version"] == f"{NAME}/1"
    finally:
        assert srv.stop() == 0
    shutil.rmtree(work, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
