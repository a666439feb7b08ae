"""Integration tests of `aipipe registry`: the same suite against the embedded SQLite store
and against a real PostgreSQL (Debian's postgresql-15, a throw-away cluster initialised in
a temporary directory and started on a free loopback port; stopped at the end, also on
failure). What each test proves is in its docstring. Standard library only."""
import base64
import concurrent.futures
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server  # noqa: E402

API = "/api/2.0/mlflow/"


class Registry(Server):
    def __init__(self, store_uri, env=None, args=(), artifacts=None):
        self.artifacts = artifacts or tempfile.mkdtemp(prefix="aipipe-art-")
        super().__init__("registry", args=["--backend-store-uri", store_uri, "--threads", "16",
                                           "--artifacts-destination", self.artifacts, *args],
                         env=env)

    def stop(self, timeout=60):
        try:
            return super().stop(timeout)
        finally:
            shutil.rmtree(self.artifacts, ignore_errors=True)

    def call(self, method, endpoint, obj=None, prefix=API):
        if method == "GET" and obj:
            q = urllib.parse.urlencode(obj, doseq=True)
            return self.json("GET", prefix + endpoint + "?" + q)[::2]
        return self.json(method, prefix + endpoint, obj)[::2]

    def ok(self, method, endpoint, obj=None):
        status, body = self.call(method, endpoint, obj)
        assert status == 200, (endpoint, obj, status, body)
        return body

    def err(self, method, endpoint, obj, status, code):
        st, body = self.call(method, endpoint, obj)
        assert st == status and body.get("error_code") == code, (endpoint, obj, st, body)
        assert isinstance(body.get("message"), str) and body["message"], body
        return body


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A PostgreSQL 15 cluster in a temporary directory, owned by the postgres user."""

    BIN = "/usr/lib/postgresql/15/bin"

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="aipipe-pg-")
        self.port = free_port()
        os.chmod(self.dir, 0o755)
        shutil.chown(self.dir, "postgres", "postgres")
        data = os.path.join(self.dir, "data")
        self._as_pg([f"{self.BIN}/initdb", "-D", data, "-U", "postgres", "-A", "trust",
                     "--no-sync", "-E", "UTF8"])
        self._as_pg([f"{self.BIN}/pg_ctl", "-D", data, "-l", os.path.join(self.dir, "log"),
                     "-w", "-t", "30", "-o",
                     f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                     "-c fsync=off -c max_connections=200", "start"])
        self.data = data

    def _as_pg(self, cmd):
        subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.dir)

    def uri(self, db="postgres"):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def createdb(self, name):
        self._as_pg([f"{self.BIN}/createdb", "-h", self.dir, "-p", str(self.port), "-U",
                     "postgres", name])
        return self.uri(name)

    def stop(self):
        try:
            self._as_pg([f"{self.BIN}/pg_ctl", "-D", self.data, "-m", "immediate", "-w",
                         "stop"])
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


# --- the suite -------------------------------------------------------------------------

def test_experiments(r):
    """Experiments: create/get/get-by-name/update/delete/restore/tags/search/list with
    MLflow's shapes; the Default experiment 0 exists; names are unique."""
    eid = r.ok("POST", "experiments/create",
               {"name": "exp-a", "tags": [{"key": "team", "value": "ocr"}]})["experiment_id"]
    assert isinstance(eid, str) and eid != "0"
    e = r.ok("GET", "experiments/get", {"experiment_id": eid})["experiment"]
    assert e["name"] == "exp-a" and e["lifecycle_stage"] == "active"
    assert e["artifact_location"].endswith("/" + eid)
    assert e["tags"] == [{"key": "team", "value": "ocr"}]
    assert r.ok("GET", "experiments/get-by-name", {"experiment_name": "exp-a"})[
        "experiment"]["experiment_id"] == eid
    assert r.ok("GET", "experiments/get", {"experiment_id": "0"})["experiment"]["name"] == \
        "Default"
    r.err("POST", "experiments/create", {"name": "exp-a"}, 400, "RESOURCE_ALREADY_EXISTS")
    r.ok("POST", "experiments/update", {"experiment_id": eid, "new_name": "exp-b"})
    r.ok("POST", "experiments/set-experiment-tag",
         {"experiment_id": eid, "key": "stage", "value": "dev"})
    e = r.ok("GET", "experiments/get-by-name", {"experiment_name": "exp-b"})["experiment"]
    assert {t["key"] for t in e["tags"]} == {"team", "stage"}
    r.ok("POST", "experiments/delete", {"experiment_id": eid})
    names = [x["name"] for x in r.ok("POST", "experiments/search", {}).get("experiments", [])]
    assert "exp-b" not in names and "Default" in names
    deleted = r.ok("POST", "experiments/search", {"view_type": "DELETED_ONLY"})["experiments"]
    assert [x["name"] for x in deleted] == ["exp-b"]
    r.ok("POST", "experiments/restore", {"experiment_id": eid})
    found = r.ok("POST", "experiments/search",
                 {"filter": "name LIKE 'exp-%' and tags.team = 'ocr'"})["experiments"]
    assert [x["experiment_id"] for x in found] == [eid]
    listed = r.ok("GET", "experiments/list", {})["experiments"]
    assert [x["experiment_id"] for x in listed][:1] == ["0"]
    r.err("GET", "experiments/get", {"experiment_id": "987654"}, 404, "RESOURCE_DOES_NOT_EXIST")
    r.err("GET", "experiments/get-by-name", {"experiment_name": "nope"}, 404,
          "RESOURCE_DOES_NOT_EXIST")
    r.err("POST", "experiments/delete", {"experiment_id": "0"}, 400, "INVALID_PARAMETER_VALUE")


def test_experiment_delete_twice(r):
    """Deleting an experiment twice and restoring it restores the runs the first delete
    took with it (a repeated delete changes nothing), and leaves a run deleted on its own
    deleted."""
    eid = r.ok("POST", "experiments/create", {"name": "delete-twice"})["experiment_id"]
    kept = r.ok("POST", "runs/create", {"experiment_id": eid})["run"]["info"]["run_id"]
    alone = r.ok("POST", "runs/create", {"experiment_id": eid})["run"]["info"]["run_id"]
    r.ok("POST", "runs/delete", {"run_id": alone})
    time.sleep(0.01)
    r.ok("POST", "experiments/delete", {"experiment_id": eid})
    time.sleep(0.01)
    r.ok("POST", "experiments/delete", {"experiment_id": eid})
    e = r.ok("GET", "experiments/get", {"experiment_id": eid})["experiment"]
    assert e["lifecycle_stage"] == "deleted"
    r.ok("POST", "experiments/restore", {"experiment_id": eid})
    stage = lambda rid: r.ok("GET", "runs/get", {"run_id": rid})["run"]["info"]["lifecycle_stage"]
    assert stage(kept) == "active"
    assert stage(alone) == "deleted"


def test_long_artifact_location(r):
    """A run's artifact URI is its experiment's artifact location, however long, with
    /<run id>/artifacts after it (it was cut at about 2 KiB)."""
    location = "file:///tmp/" + "d" * 3000
    eid = r.ok("POST", "experiments/create", {"name": "long-location",
                                              "artifact_location": location})["experiment_id"]
    info = r.ok("POST", "runs/create", {"experiment_id": eid})["run"]["info"]
    assert info["artifact_uri"] == f"{location}/{info['run_id']}/artifacts", len(info["artifact_uri"])


def test_runs(r):
    """Runs: create/get/update/delete/restore, log-metric/parameter/batch, set/delete-tag,
    metric history, and a changed param refused."""
    eid = r.ok("POST", "experiments/create", {"name": "runs-exp"})["experiment_id"]
    run = r.ok("POST", "runs/create", {"experiment_id": eid, "run_name": "first",
                                       "start_time": 1000, "user_id": "ana",
                                       "tags": [{"key": "k", "value": "v"}]})["run"]
    info = run["info"]
    rid = info["run_id"]
    assert info["run_uuid"] == rid and info["status"] == "RUNNING" and info["run_name"] == "first"
    assert info["experiment_id"] == eid and info["start_time"] == 1000
    assert info["artifact_uri"].endswith(f"/{rid}/artifacts")
    assert {"key": "mlflow.runName", "value": "first"} in run["data"]["tags"]
    r.ok("POST", "runs/log-metric", {"run_id": rid, "key": "loss", "value": 1.5,
                                     "timestamp": 10, "step": 0})
    r.ok("POST", "runs/log-metric", {"run_id": rid, "key": "loss", "value": 0.5,
                                     "timestamp": 20, "step": 1})
    r.ok("POST", "runs/log-parameter", {"run_id": rid, "key": "lr", "value": "0.01"})
    r.ok("POST", "runs/log-parameter", {"run_id": rid, "key": "lr", "value": "0.01"})
    r.err("POST", "runs/log-parameter", {"run_id": rid, "key": "lr", "value": "0.02"}, 400,
          "INVALID_PARAMETER_VALUE")
    r.ok("POST", "runs/log-batch", {
        "run_id": rid,
        "metrics": [{"key": "acc", "value": 0.75, "timestamp": 30, "step": 2},
                    {"key": "nan", "value": "NaN", "timestamp": 30, "step": 0}],
        "params": [{"key": "epochs", "value": "3"}],
        "tags": [{"key": "note", "value": "hello"}]})
    r.ok("POST", "runs/set-tag", {"run_id": rid, "key": "gone", "value": "x"})
    r.ok("POST", "runs/delete-tag", {"run_id": rid, "key": "gone"})
    r.err("POST", "runs/delete-tag", {"run_id": rid, "key": "gone"}, 404,
          "RESOURCE_DOES_NOT_EXIST")
    data = r.ok("GET", "runs/get", {"run_id": rid})["run"]["data"]
    metrics = {m["key"]: m for m in data["metrics"]}
    assert metrics["loss"]["value"] == 0.5 and metrics["loss"]["step"] == 1
    assert metrics["acc"]["value"] == 0.75 and metrics["nan"]["value"] == "NaN"
    assert {p["key"]: p["value"] for p in data["params"]} == {"lr": "0.01", "epochs": "3"}
    tags = {t["key"]: t["value"] for t in data["tags"]}
    assert tags["note"] == "hello" and "gone" not in tags
    hist = r.ok("GET", "metrics/get-history", {"run_id": rid, "metric_key": "loss"})["metrics"]
    assert [(m["value"], m["step"]) for m in hist] == [(1.5, 0), (0.5, 1)]
    upd = r.ok("POST", "runs/update", {"run_id": rid, "status": "FINISHED", "end_time": 2000})
    assert upd["run_info"]["status"] == "FINISHED" and upd["run_info"]["end_time"] == 2000
    r.ok("POST", "runs/delete", {"run_id": rid})
    assert r.ok("GET", "runs/get", {"run_id": rid})["run"]["info"]["lifecycle_stage"] == "deleted"
    r.err("POST", "runs/log-metric", {"run_id": rid, "key": "x", "value": 1, "timestamp": 1},
          400, "INVALID_PARAMETER_VALUE")
    r.ok("POST", "runs/restore", {"run_id": rid})
    r.err("GET", "runs/get", {"run_id": "0" * 32}, 404, "RESOURCE_DOES_NOT_EXIST")
    r.err("POST", "runs/create", {"experiment_id": "424242"}, 404, "RESOURCE_DOES_NOT_EXIST")


def test_log_batch(r):
    """log-batch written as multi-row statements keeps the per-item semantics: a key logged
    twice in one batch leaves the latest (step, timestamp) in latest_metrics and the last
    tag value; a changed param anywhere in the batch refuses the whole batch (nothing of
    it is stored); 1,000 metrics (several statements) land whole."""
    eid = r.ok("POST", "experiments/create", {"name": "batch-exp"})["experiment_id"]
    rid = r.ok("POST", "runs/create", {"experiment_id": eid})["run"]["info"]["run_id"]
    r.ok("POST", "runs/log-batch", {
        "run_id": rid,
        "metrics": [{"key": "loss", "value": 3.0, "timestamp": 10, "step": 5},
                    {"key": "loss", "value": 2.0, "timestamp": 20, "step": 4},
                    {"key": "loss", "value": 1.0, "timestamp": 10, "step": 5},
                    {"key": "acc", "value": 0.5, "timestamp": 1, "step": 0}],
        "params": [{"key": "lr", "value": "0.1"}, {"key": "lr", "value": "0.1"}],
        "tags": [{"key": "t", "value": "first"}, {"key": "t", "value": "second"}]})
    data = r.ok("GET", "runs/get", {"run_id": rid})["run"]["data"]
    metrics = {m["key"]: m for m in data["metrics"]}
    assert metrics["loss"]["value"] == 1.0 and metrics["loss"]["step"] == 5, metrics
    assert {t["key"]: t["value"] for t in data["tags"]}["t"] == "second"
    hist = r.ok("GET", "metrics/get-history", {"run_id": rid, "metric_key": "loss"})["metrics"]
    assert sorted((m["step"], m["value"]) for m in hist) == [(4, 2.0), (5, 1.0), (5, 3.0)], hist
    r.err("POST", "runs/log-batch", {
        "run_id": rid,
        "metrics": [{"key": "never", "value": 1, "timestamp": 1, "step": 0}],
        "params": [{"key": "new", "value": "x"}, {"key": "lr", "value": "0.2"}]},
        400, "INVALID_PARAMETER_VALUE")
    data = r.ok("GET", "runs/get", {"run_id": rid})["run"]["data"]
    assert "never" not in {m["key"] for m in data["metrics"]}
    assert {p["key"]: p["value"] for p in data["params"]} == {"lr": "0.1"}
    r.err("POST", "runs/log-batch", {
        "run_id": rid, "params": [{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]},
        400, "INVALID_PARAMETER_VALUE")
    many = [{"key": f"m{i % 300}", "value": i, "timestamp": 100 + i, "step": i // 300}
            for i in range(1000)]
    r.ok("POST", "runs/log-batch", {"run_id": rid, "metrics": many})
    data = r.ok("GET", "runs/get", {"run_id": rid})["run"]["data"]
    metrics = {m["key"]: m for m in data["metrics"]}
    assert metrics["m0"]["value"] == 900 and metrics["m99"]["value"] == 999, metrics["m0"]
    assert metrics["m100"]["value"] == 700 and metrics["m100"]["step"] == 2
    hist = r.ok("GET", "metrics/get-history", {"run_id": rid, "metric_key": "m7"})["metrics"]
    assert sorted(m["value"] for m in hist) == [7, 307, 607, 907], hist
    r.err("POST", "runs/log-batch", {"run_id": rid, "metrics": many + many[:1]},
          400, "INVALID_PARAMETER_VALUE")


def test_run_search(r):
    """runs/search: filters on metrics, params, tags and attributes with =, !=, <, <=, >, >=,
    LIKE, ILIKE, IN; order_by on metrics and attributes; max_results and page_token walk
    every run exactly once."""
    eid = r.ok("POST", "experiments/create", {"name": "search-exp"})["experiment_id"]
    ids = []
    for i in range(12):
        rid = r.ok("POST", "runs/create", {"experiment_id": eid, "run_name": f"run-{i:02d}",
                                           "start_time": 1000 + i})["run"]["info"]["run_id"]
        ids.append(rid)
        r.ok("POST", "runs/log-batch", {
            "run_id": rid,
            "metrics": [{"key": "acc", "value": i / 10, "timestamp": 1, "step": 0}],
            "params": [{"key": "model", "value": "crnn" if i % 2 else "tesseract"}],
            "tags": [{"key": "group", "value": "A" if i < 6 else "B"}]})

    def search(filt="", **kw):
        body = {"experiment_ids": [eid], "filter": filt}
        body.update(kw)
        return r.ok("POST", "runs/search", body)

    def names(filt, **kw):
        return sorted(x["info"]["run_name"] for x in search(filt, **kw).get("runs", []))

    assert names("metrics.acc > 0.85") == ["run-09", "run-10", "run-11"]
    assert names("metrics.acc >= 0.9 AND params.model = 'crnn'") == ["run-09", "run-11"]
    assert names("metrics.acc < 0.2") == ["run-00", "run-01"]
    assert len(names("metrics.acc <= 0.2")) == 3
    assert len(names("params.model != 'crnn'")) == 6
    assert len(names("tags.group = 'B' and metrics.acc != 0.6")) == 5
    assert names("attributes.run_name LIKE 'run-1%'") == ["run-10", "run-11"]
    assert names("run_name ILIKE 'RUN-0_'") == [f"run-0{i}" for i in range(10)]
    assert names(f"attributes.run_id IN ('{ids[0]}', '{ids[3]}')") == ["run-00", "run-03"]
    assert names("attributes.start_time > 1009") == ["run-10", "run-11"]
    assert names("tags.\"group\" = 'A' and params.`model` LIKE 'tess%'") == \
        ["run-00", "run-02", "run-04"]
    assert names("attributes.status = 'RUNNING'") == sorted(f"run-{i:02d}" for i in range(12))
    top = search(order_by=["metrics.acc DESC"], max_results=3)["runs"]
    assert [x["info"]["run_name"] for x in top] == ["run-11", "run-10", "run-09"]
    asc = search(order_by=["attributes.start_time ASC"], max_results=2)["runs"]
    assert [x["info"]["run_name"] for x in asc] == ["run-00", "run-01"]
    seen, token, pages = [], None, 0
    while True:
        body = {"max_results": 5}
        if token:
            body["page_token"] = token
        page = search(**body)
        seen += [x["info"]["run_id"] for x in page["runs"]]
        pages += 1
        token = page.get("next_page_token")
        if not token:
            break
    assert pages == 3 and sorted(seen) == sorted(ids) and len(set(seen)) == 12
    # default order: newest start_time first
    assert search(max_results=1)["runs"][0]["info"]["run_name"] == "run-11"
    for bad in ["metrics.acc >", "metrics.acc = 'x'", "params.model > 'a'", "foo.bar = 1",
                "attributes.nope = 'x'", "metrics.acc > 1 OR metrics.acc < 0"]:
        r.err("POST", "runs/search", {"experiment_ids": [eid], "filter": bad}, 400,
              "INVALID_PARAMETER_VALUE")
    r.err("POST", "runs/search", {"experiment_ids": [eid], "page_token": "garbage!"}, 400,
          "INVALID_PARAMETER_VALUE")
    r.err("POST", "runs/search", {"experiment_ids": [eid], "max_results": 0}, 400,
          "INVALID_PARAMETER_VALUE")


def test_request_errors(r):
    """Malformed JSON, a body that is not an object, unknown fields, wrong types and
    missing parameters give MLflow's error body with INVALID_PARAMETER_VALUE and 400;
    an unknown endpoint ENDPOINT_NOT_FOUND; the ajax-api prefix answers too."""
    for body in [b"{", b"[1,2]", b"not json", b'{"name": "x",}']:
        st, _, data = r.request("POST", API + "experiments/create", body,
                                {"Content-Type": "application/json"})
        doc = json.loads(data)
        assert st == 400 and doc["error_code"] == "INVALID_PARAMETER_VALUE", (body, st, doc)
    r.err("POST", "experiments/create", {"name": "x", "bogus": 1}, 400,
          "INVALID_PARAMETER_VALUE")
    r.err("POST", "experiments/create", {}, 400, "INVALID_PARAMETER_VALUE")
    r.err("POST", "experiments/create", {"name": ""}, 400, "INVALID_PARAMETER_VALUE")
    r.err("POST", "experiments/create", {"name": ["x"]}, 400, "INVALID_PARAMETER_VALUE")
    r.err("GET", "experiments/get", {}, 400, "INVALID_PARAMETER_VALUE")
    r.err("GET", "experiments/get", {"experiment_id": "1", "extra": "2"}, 400,
          "INVALID_PARAMETER_VALUE")
    r.err("POST", "runs/log-metric", {"run_id": "x", "key": "k", "timestamp": 1}, 400,
          "INVALID_PARAMETER_VALUE")
    r.err("POST", "runs/log-metric", {"run_id": "x", "key": "k", "value": "abc",
                                      "timestamp": 1}, 400, "INVALID_PARAMETER_VALUE")
    st, body = r.call("POST", "no/such-endpoint", {})
    assert st == 404 and body["error_code"] == "ENDPOINT_NOT_FOUND", body
    st, body = r.call("GET", "experiments/get", {"experiment_id": "0"},
                      prefix="/ajax-api/2.0/mlflow/")
    assert st == 200 and body["experiment"]["name"] == "Default"


def test_health_metrics(r):
    """/health answers 200 with the store up, HEAD too (the inference service probes with
    HEAD); /metrics exposes registry_* request metrics."""
    st, _, body = r.json("GET", "/health")
    assert st == 200 and body["status"] == "healthy" and body["services"]["backend_store"] == "up"
    st, _, _ = r.request("HEAD", "/health")
    assert st == 200
    st, _, text = r.request("GET", "/metrics")
    text = text.decode()
    assert st == 200 and "registry_requests_total" in text and "registry_build_info" in text


def test_registered_models(r):
    """Registered models and versions: create/get/rename/update/delete, tags, aliases,
    stages with archive_existing_versions, get-latest-versions, download URI, searches;
    DELETE and PATCH routes take JSON bodies as MLflow's clients send them."""
    m = r.ok("POST", "registered-models/create",
             {"name": "ocr-model", "description": "crnn",
              "tags": [{"key": "task", "value": "ocr"}]})["registered_model"]
    assert m["name"] == "ocr-model" and m["description"] == "crnn"
    assert m["tags"] == [{"key": "task", "value": "ocr"}] and m["latest_versions"] == []
    r.err("POST", "registered-models/create", {"name": "ocr-model"}, 400,
          "RESOURCE_ALREADY_EXISTS")
    versions = []
    for i in range(3):
        mv = r.ok("POST", "model-versions/create",
                  {"name": "ocr-model", "source": f"mlflow-artifacts:/1/run{i}/artifacts/model",
                   "run_id": f"run{i}", "tags": [{"key": "i", "value": str(i)}]})["model_version"]
        assert mv["version"] == str(i + 1) and mv["current_stage"] == "None"
        assert mv["status"] == "READY" and mv["source"].endswith(f"run{i}/artifacts/model")
        versions.append(mv["version"])
    r.err("POST", "model-versions/create", {"name": "missing", "source": "x"}, 404,
          "RESOURCE_DOES_NOT_EXIST")
    mv = r.ok("POST", "model-versions/transition-stage",
              {"name": "ocr-model", "version": "1", "stage": "production"})["model_version"]
    assert mv["current_stage"] == "Production"
    r.ok("POST", "model-versions/transition-stage",
         {"name": "ocr-model", "version": "2", "stage": "Staging"})
    mv = r.ok("POST", "model-versions/transition-stage",
              {"name": "ocr-model", "version": "3", "stage": "Production",
               "archive_existing_versions": True})["model_version"]
    assert mv["current_stage"] == "Production"
    assert r.ok("GET", "model-versions/get", {"name": "ocr-model", "version": "1"})[
        "model_version"]["current_stage"] == "Archived"
    latest = r.ok("POST", "registered-models/get-latest-versions",
                  {"name": "ocr-model", "stages": ["Production"]})["model_versions"]
    assert [(v["version"], v["current_stage"]) for v in latest] == [("3", "Production")]
    every = r.ok("POST", "registered-models/get-latest-versions", {"name": "ocr-model"})[
        "model_versions"]
    assert sorted((v["current_stage"], v["version"]) for v in every) == \
        [("Archived", "1"), ("Production", "3"), ("Staging", "2")]
    r.err("POST", "model-versions/transition-stage",
          {"name": "ocr-model", "version": "2", "stage": "Gold"}, 400, "INVALID_PARAMETER_VALUE")
    r.err("GET", "model-versions/get", {"name": "ocr-model", "version": "9"}, 404,
          "RESOURCE_DOES_NOT_EXIST")
    r.err("GET", "model-versions/get", {"name": "ocr-model", "version": "x"}, 400,
          "INVALID_PARAMETER_VALUE")
    uri = r.ok("GET", "model-versions/get-download-uri", {"name": "ocr-model", "version": "3"})
    assert uri["artifact_uri"].endswith("run2/artifacts/model")
    # aliases
    r.ok("POST", "registered-models/alias", {"name": "ocr-model", "alias": "champion",
                                              "version": "3"})
    got = r.ok("GET", "registered-models/alias", {"name": "ocr-model", "alias": "champion"})
    assert got["model_version"]["version"] == "3" and got["model_version"]["aliases"] == \
        ["champion"]
    m = r.ok("GET", "registered-models/get", {"name": "ocr-model"})["registered_model"]
    assert m["aliases"] == [{"alias": "champion", "version": "3"}]
    r.ok("DELETE", "registered-models/alias", {"name": "ocr-model", "alias": "champion"})
    r.err("GET", "registered-models/alias", {"name": "ocr-model", "alias": "champion"}, 404,
          "RESOURCE_DOES_NOT_EXIST")
    # tags
    r.ok("POST", "registered-models/set-tag", {"name": "ocr-model", "key": "k", "value": "v"})
    r.ok("DELETE", "registered-models/delete-tag", {"name": "ocr-model", "key": "k"})
    r.ok("POST", "model-versions/set-tag",
         {"name": "ocr-model", "version": "2", "key": "k", "value": "v"})
    r.ok("DELETE", "model-versions/delete-tag", {"name": "ocr-model", "version": "2", "key": "i"})
    tags = r.ok("GET", "model-versions/get", {"name": "ocr-model", "version": "2"})[
        "model_version"]["tags"]
    assert tags == [{"key": "k", "value": "v"}]
    # update, rename, search
    m = r.ok("PATCH", "registered-models/update",
             {"name": "ocr-model", "description": "better"})["registered_model"]
    assert m["description"] == "better"
    mv = r.ok("PATCH", "model-versions/update",
              {"name": "ocr-model", "version": "1", "description": "old"})["model_version"]
    assert mv["description"] == "old"
    r.ok("POST", "registered-models/create", {"name": "layout-model"})
    m = r.ok("POST", "registered-models/rename",
             {"name": "ocr-model", "new_name": "ocr-crnn"})["registered_model"]
    assert m["name"] == "ocr-crnn" and len(m["latest_versions"]) == 3
    r.err("POST", "registered-models/rename", {"name": "ocr-crnn", "new_name": "layout-model"},
          400, "RESOURCE_ALREADY_EXISTS")
    assert r.ok("GET", "model-versions/get", {"name": "ocr-crnn", "version": "3"})[
        "model_version"]["current_stage"] == "Production"
    found = r.ok("GET", "registered-models/search", {"filter": "name LIKE 'ocr%'"})
    assert [x["name"] for x in found["registered_models"]] == ["ocr-crnn"]
    page = r.ok("GET", "registered-models/search", {"max_results": 1})
    assert len(page["registered_models"]) == 1 and page["next_page_token"]
    page2 = r.ok("GET", "registered-models/search",
                 {"max_results": 1, "page_token": page["next_page_token"]})
    assert page2["registered_models"][0]["name"] != page["registered_models"][0]["name"]
    vs = r.ok("GET", "model-versions/search", {"filter": "name = 'ocr-crnn' and run_id = 'run1'"})
    assert [v["version"] for v in vs["model_versions"]] == ["2"]
    vs = r.ok("GET", "model-versions/search",
              {"filter": "run_id IN ('run0', 'run2')", "order_by": "version_number ASC"})
    assert [v["version"] for v in vs["model_versions"]] == ["1", "3"]
    r.err("GET", "model-versions/search", {"filter": "bogus = 'x'"}, 400,
          "INVALID_PARAMETER_VALUE")
    # delete a version: its number is never reused
    r.ok("DELETE", "model-versions/delete", {"name": "ocr-crnn", "version": "3"})
    mv = r.ok("POST", "model-versions/create", {"name": "ocr-crnn", "source": "s"})
    assert mv["model_version"]["version"] == "4"
    r.ok("DELETE", "registered-models/delete", {"name": "ocr-crnn"})
    r.err("GET", "registered-models/get", {"name": "ocr-crnn"}, 404, "RESOURCE_DOES_NOT_EXIST")
    r.err("GET", "model-versions/get", {"name": "ocr-crnn", "version": "1"}, 404,
          "RESOURCE_DOES_NOT_EXIST")


def test_parallel_versions(r):
    """64 clients creating versions of one model at once get distinct, gapless numbers
    1..N (the version counter is bumped inside each creating transaction)."""
    r.ok("POST", "registered-models/create", {"name": "race"})
    n = 96

    def create(i):
        return int(r.ok("POST", "model-versions/create",
                        {"name": "race", "source": f"s3://b/{i}"})["model_version"]["version"])

    with concurrent.futures.ThreadPoolExecutor(64) as pool:
        got = list(pool.map(create, range(n)))
    assert sorted(got) == list(range(1, n + 1)), sorted(got)
    listed = r.ok("GET", "model-versions/search", {"filter": "name = 'race'"})["model_versions"]
    assert sorted(int(v["version"]) for v in listed) == list(range(1, n + 1))
    # parallel experiment creation: distinct ids, one winner per name
    def mk(i):
        return r.call("POST", "experiments/create", {"name": f"par-{i % 8}"})

    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        res = list(pool.map(mk, range(64)))
    oks = [b["experiment_id"] for st, b in res if st == 200]
    assert len(oks) == 8 and len(set(oks)) == 8, res
    assert all(b["error_code"] == "RESOURCE_ALREADY_EXISTS" for st, b in res if st != 200)


def test_kill9(name, uri):
    """kill -9 of the registry in the middle of a write load loses no acknowledged write:
    every param and model version whose request got a 200 is there after a restart, and the
    version numbers stay gapless."""
    r = Registry(uri)
    acked_params, acked_versions, stop = [], [], threading.Event()
    try:
        eid = r.ok("POST", "experiments/create", {"name": "kill9"})["experiment_id"]
        rid = r.ok("POST", "runs/create", {"experiment_id": eid})["run"]["info"]["run_id"]
        r.ok("POST", "registered-models/create", {"name": "kill9-model"})

        def writer(w):
            i = 0
            while not stop.is_set():
                try:
                    st, _ = r.call("POST", "runs/log-parameter",
                                   {"run_id": rid, "key": f"w{w}-{i}", "value": str(i)})
                    if st == 200:
                        acked_params.append(f"w{w}-{i}")
                    st, body = r.call("POST", "model-versions/create",
                                      {"name": "kill9-model", "source": f"w{w}-{i}"})
                    if st == 200:
                        acked_versions.append(int(body["model_version"]["version"]))
                except Exception:
                    return  # the server is gone
                i += 1

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        r.proc.send_signal(signal.SIGKILL)
        r.proc.wait()
        stop.set()
        for t in threads:
            t.join(30)
    finally:
        stop.set()
        if r.proc.poll() is None:
            r.proc.kill()
    artifacts = r.artifacts
    assert len(acked_params) > 20 and len(acked_versions) > 20, (len(acked_params),
                                                                  len(acked_versions))
    with Registry(uri, artifacts=artifacts) as r2:
        params = {p["key"] for p in r2.ok("GET", "runs/get", {"run_id": rid})["run"]["data"][
            "params"]}
        missing = [k for k in acked_params if k not in params]
        assert not missing, f"{len(missing)} acknowledged params lost: {missing[:5]}"
        listed = sorted(int(v["version"]) for v in r2.ok(
            "GET", "model-versions/search", {"filter": "name = 'kill9-model'"})["model_versions"])
        assert set(acked_versions) <= set(listed), set(acked_versions) - set(listed)
        assert listed == list(range(1, len(listed) + 1)), "version numbers have a gap"
    print(f"ok   [{name}] test_kill9 ({len(acked_params)} params, {len(acked_versions)} "
          f"versions acknowledged before kill -9)")


def test_artifacts(r):
    """Proxied artifacts: PUT/GET/DELETE under /api/2.0/mlflow-artifacts/artifacts/, the
    one-level listing, artifacts/list of a run (its mlflow-artifacts:/ root), and paths
    that would escape the store refused with INVALID_PARAMETER_VALUE."""
    eid = r.ok("POST", "experiments/create", {"name": "art-exp"})["experiment_id"]
    run = r.ok("POST", "runs/create", {"experiment_id": eid})["run"]["info"]
    root = run["artifact_uri"]
    assert root.startswith("mlflow-artifacts:/"), root
    base = "/api/2.0/mlflow-artifacts/artifacts/" + root[len("mlflow-artifacts:/"):].lstrip("/")
    blob = bytes(range(256)) * 40
    st, _, _ = r.request("PUT", base + "/model/model.bin", blob)
    assert st == 200
    st, _, _ = r.request("PUT", base + "/metrics.json", b'{"cer": 0.01}')
    assert st == 200
    st, hdrs, data = r.request("GET", base + "/model/model.bin")
    assert st == 200 and data == blob
    listed = r.ok("GET", "artifacts/list", {"run_id": run["run_id"]})
    assert listed["root_uri"] == root
    files = {f["path"]: f for f in listed["files"]}
    assert files["model"]["is_dir"] and files["metrics.json"]["file_size"] == 13, files
    sub = r.ok("GET", "artifacts/list", {"run_id": run["run_id"], "path": "model"})["files"]
    assert [(f["path"], f.get("file_size")) for f in sub] == [("model/model.bin", len(blob))]
    st, _, body = r.json("GET", "/api/2.0/mlflow-artifacts/artifacts?path=" +
                         urllib.parse.quote(base.split("/artifacts/", 1)[1] + "/model"))
    assert st == 200 and [f["path"] for f in body["files"]] == ["model.bin"], body
    st, _, body = r.json("GET", base + "/missing.bin")
    assert st == 404 and body["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    st, _, body = r.json("PUT", "/api/2.0/mlflow-artifacts/artifacts/a/%2e%2e/%2e%2e/escape")
    assert st in (400, 404) and body["error_code"] in ("INVALID_PARAMETER_VALUE",
                                                       "RESOURCE_DOES_NOT_EXIST"), body
    st, _, _ = r.request("DELETE", base + "/metrics.json")
    assert st == 200
    st, _, _ = r.request("GET", base + "/metrics.json")
    assert st == 404
    r.err("GET", "artifacts/list", {"run_id": "f" * 32}, 404, "RESOURCE_DOES_NOT_EXIST")


SUITE = [test_experiments, test_experiment_delete_twice, test_long_artifact_location, test_runs, test_log_batch, test_run_search, test_request_errors, test_health_metrics,
         test_registered_models, test_parallel_versions, test_artifacts]


def run_suite(name, uri):
    t0 = time.time()
    with Registry(uri) as r:
        for test in SUITE:
            try:
                test(r)
            except Exception:
                print(f"FAIL [{name}] {test.__name__}", file=sys.stderr)
                print("\n".join(r.log[-30:]), file=sys.stderr)
                raise
            print(f"ok   [{name}] {test.__name__}")
    print(f"[{name}] suite in {time.time() - t0:.1f}s")


def main():
    tmp = tempfile.mkdtemp(prefix="aipipe-reg-")
    try:
        run_suite("sqlite", f"sqlite:///{tmp}/registry.db")
        test_kill9("sqlite", f"sqlite:///{tmp}/kill9.db")
        if os.environ.get("AIPIPE_SKIP_POSTGRES"):
            print("postgresql: skipped (AIPIPE_SKIP_POSTGRES)")
            return
        t0 = time.time()
        pg = Postgres()
        print(f"postgresql: cluster up in {time.time() - t0:.1f}s on port {pg.port}")
        try:
            run_suite("postgresql", pg.createdb("suite"))
            test_kill9("postgresql", pg.createdb("kill9"))
        finally:
            pg.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
