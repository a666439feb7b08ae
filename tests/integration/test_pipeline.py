"""Proves, with the real binary, tiny models and a real `aipipe registry` (SQLite, a temporary
artifact root), that `aipipe pipeline run`:
- without MLFLOW_TRACKING_URI runs prepare-data -> train -> evaluate into a local run dir
  and skips register and promote with "skipped: no registry" (exit 0);
- skips finished steps on a rerun (`--step evaluate` again: "skipped"), and redoes only the
  step whose settings changed;
- resumes an interrupted train step from its checkpoint (kill -9 mid-training);
- refuses a step whose predecessor is not done (exit 1) and bad arguments (exit 2);
- with a registry records one parent run with the five steps as child runs
  (mlflow.parentRunId), the trainer's params and metrics, the evaluation metrics, the model
  (with the character prior counted after training) as artifacts, and a model version tagged with its metrics, promoted to Production when
  there is none;
- `--step register` again creates no second version;
- a candidate that does not beat Production on the same held-out sets (1 training step,
  and a margin it cannot meet) is registered but not promoted; a rule it meets (rerun of
  promote alone) promotes it and archives the old Production version."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, SOURCE_DIR, Server  # noqa: E402

CONFIG = os.path.join(SOURCE_DIR, "configs", "training.yaml")
TINY = ["--height", "16", "--conv", "4,4,8,8", "--dim", "8", "--blocks", "1", "--kernel", "3",
        "--batch", "4", "--max-width", "96", "--eval-samples", "8", "--threads", "1",
        "--seed", "3", "--warmup", "2", "--lr", "0.01", "--checkpoint-every", "5",
        "--eval-every", "0", "--progress", "false",
        "--train-docs", "2", "--eval-docs", "2", "--jobs", "1", "--eval-lines", "30",
        "--eval-threads", "1", "--metric", "cer", "--model-name", "pl-test"]


def run(args, env, expect=0):
    p = subprocess.run([BIN, "pipeline", *args], capture_output=True, text=True, env=env,
                       timeout=600)
    if expect is not None and p.returncode != expect:
        raise AssertionError(f"{args}: exit {p.returncode}, wanted {expect}\n{p.stderr[-3000:]}")
    return p


def pipeline(work, env, *extra, expect=0):
    return run(["run", "--config", CONFIG, "--work-dir", work, *TINY, *extra], env, expect)


def api(port, method, endpoint, body=None):
    url = f"http://127.0.0.1:{port}/api/2.0/mlflow/{endpoint}"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def tags(obj):
    return {t["key"]: t["value"] for t in obj.get("tags", [])}


def version(port, v):
    return api(port, "GET", f"model-versions/get?name=pl-test&version={v}")["model_version"]


def main():
    tmp = tempfile.mkdtemp(prefix="aipipe-pipeline-")
    base_env = {k: v for k, v in os.environ.items() if k not in
                ("MLFLOW_TRACKING_URI", "WORK_DIR", "TRAIN_MODE", "MODEL_NAME",
                 "PIPELINE_RUN_NAME", "AIPIPE_TRAIN_CONFIG")}
    try:
        # bad arguments: exit 2 before any work
        run([], base_env, expect=2)
        run(["bogus"], base_env, expect=2)
        run(["run", "--step", "bogus"], base_env, expect=2)
        run(["run", "--config", CONFIG, "--train-docs", "0"], base_env, expect=2)
        run(["run", "--config", CONFIG, "--metric", "accuracy"], base_env, expect=2)
        run(["run", "--config", CONFIG, "--no-such-flag", "1"], base_env, expect=2)
        assert "--step NAME" in run(["--help"], base_env).stdout

        # a step before its predecessor: exit 1, nothing trained
        local = os.path.join(tmp, "local")
        p = pipeline(local, base_env, "--step", "train", expect=1)
        assert "needs prepare-data" in p.stderr, p.stderr[-500:]

        # no registry: the whole pipeline, register and promote skipped
        p = pipeline(local, base_env)
        assert p.stderr.count("skipped: no registry") == 2, p.stderr[-2000:]
        for f in ("run/params.json", "run/metrics.jsonl", "model/model.safetensors",
                  "model/lm.safetensors",
                  "data/heldout/doc_0001.json", "state/evaluate.done", "state/promote.done"):
            assert os.path.exists(os.path.join(local, f)), f
        ev = json.load(open(os.path.join(local, "state", "evaluate.done")))["outputs"]
        assert ev["docs"] == 2 and 0 <= ev["strict_f1"] <= 1 and ev["cer"] >= 0, ev
        line = json.loads(open(os.path.join(local, "run", "metrics.jsonl")).readline())
        assert line["step"] == "evaluate" and "strict_f1" in line, line

        # idempotence: a finished step is skipped; a changed setting redoes only its step
        p = pipeline(local, base_env, "--step", "evaluate")
        assert "evaluate: skipped (done" in p.stderr, p.stderr[-500:]
        mtime = os.path.getmtime(os.path.join(local, "model", "model.safetensors"))
        p = pipeline(local, base_env, "--step", "evaluate", "--eval-lines", "10")
        assert "evaluate: running" in p.stderr, p.stderr[-500:]
        assert os.path.getmtime(os.path.join(local, "model", "model.safetensors")) == mtime
        p = pipeline(local, base_env, "--step", "register", "--eval-lines", "10")
        assert p.stderr.count("skipped: no registry") == 2, p.stderr[-500:]

        # a crash in the middle of training (kill -9 after the checkpoint of step 5): the
        # rerun resumes train from its checkpoint instead of starting over
        p = pipeline(local, dict(base_env, AIPIPE_TRAIN_CRASH_AT="5"), "--steps", "10",
                     expect=None)
        assert p.returncode in (-signal.SIGKILL, 128 + 9), (p.returncode, p.stderr[-1000:])
        assert os.path.exists(os.path.join(local, "state", "train.start"))
        p = pipeline(local, base_env, "--steps", "10")
        assert "train: resuming" in p.stderr and "resumed at step 5" in p.stderr, p.stderr[-1500:]
        assert "prepare-data: skipped (done" in p.stderr, p.stderr[-1500:]

        # aipipe train reads the same file and leaves the pipeline: section alone
        subprocess.run([BIN, "train", "eval", "--config", CONFIG, "--help"], check=True,
                       capture_output=True, env=base_env)

        # with a registry
        art = os.path.join(tmp, "artifacts")
        reg = Server("registry", args=["--backend-store-uri", f"sqlite:///{tmp}/registry.db",
                                       "--artifacts-destination", art])
        try:
            env = dict(base_env, MLFLOW_TRACKING_URI=f"http://127.0.0.1:{reg.port}")
            first = os.path.join(tmp, "first")
            p = pipeline(first, env, "--steps", "20", "--run-name", "pl-first")
            assert "promoted to Production: no Production version yet" in p.stderr, p.stderr[-2000:]

            # the run tree: a parent and the five steps as its children
            runs = api(reg.port, "POST", "runs/search",
                       {"experiment_ids": ["1"], "max_results": 100})["runs"]
            parent = [r for r in runs if r["info"]["run_name"] == "pl-first"]
            assert len(parent) == 1 and parent[0]["info"]["status"] == "FINISHED", parent
            pid = parent[0]["info"]["run_id"]
            children = {r["info"]["run_name"]: r for r in runs
                        if tags(r["data"]).get("mlflow.parentRunId") == pid}
            assert sorted(children) == sorted(["prepare-data", "train", "evaluate", "register",
                                               "promote"]), sorted(children)
            assert all(c["info"]["status"] == "FINISHED" for c in children.values())
            train = children["train"]["data"]
            assert {m["key"] for m in train["metrics"]} >= {"loss", "lr"}, train["metrics"]
            assert any(p["key"] == "steps" and p["value"] == "20" for p in train["params"])
            evm = {m["key"]: m["value"] for m in children["evaluate"]["data"]["metrics"]}
            assert {"cer", "strict_f1", "name_f1"} <= set(evm), evm
            assert "strict_f1" in {m["key"] for m in parent[0]["data"]["metrics"]}

            # the version: its metrics as tags, the model as artifacts, in Production
            v1 = version(reg.port, 1)
            t1 = tags(v1)
            assert v1["current_stage"] == "Production", v1
            assert v1["run_id"] == children["train"]["info"]["run_id"], v1
            assert float(t1["metric.cer"]) == round(evm["cer"], 4) or \
                abs(float(t1["metric.cer"]) - evm["cer"]) < 1e-4, (t1, evm)
            assert "metric.strict_f1" in t1 and t1["engine"] == "fine_tuned_ocr", t1
            uploaded = [f for _, _, fs in os.walk(art) for f in fs]
            assert "model.safetensors" in uploaded and "checksums.sha256" in uploaded, uploaded
            assert "lm.safetensors" in uploaded, uploaded  # the character prior travels too
            assert "checkpoint.safetensors" not in uploaded, uploaded

            # the workflow's last step again: nothing new
            p = pipeline(first, env, "--steps", "20", "--run-name", "pl-first",
                         "--step", "register")
            assert "register: skipped (done" in p.stderr, p.stderr[-500:]
            versions = api(reg.port, "GET", "model-versions/search?filter=name%3D%27pl-test%27")
            assert len(versions["model_versions"]) == 1, versions

            # a worse candidate on the same held-out sets: registered, not promoted
            second = os.path.join(tmp, "second")
            p = pipeline(second, env, "--steps", "1", "--lr", "0.0000001",
                         "--min-improvement", "0.5")
            assert "version 2 not promoted" in p.stderr, p.stderr[-2000:]
            out = json.load(open(os.path.join(second, "state", "promote.done")))["outputs"]
            assert out["promoted"] is False and out["production_version"] == "1", out
            assert out["candidate_score"] > out["production_score"] - 0.5, out
            assert version(reg.port, 2)["current_stage"] == "None"
            assert tags(version(reg.port, 2))["pipeline.promotion"] == "rejected"
            assert version(reg.port, 1)["current_stage"] == "Production"
            # the Production model was downloaded (checksums verified) and scored here
            assert os.path.exists(os.path.join(second, "baseline", "v1", "model.safetensors"))

            # only the promote decision reruns when its margin changes; now it wins
            p = pipeline(second, env, "--steps", "1", "--lr", "0.0000001",
                         "--metric", "strict_f1", "--min-improvement", "-1",
                         "--step", "promote")
            assert "version 2 promoted to Production" in p.stderr, p.stderr[-2000:]
            assert version(reg.port, 2)["current_stage"] == "Production"
            assert version(reg.port, 1)["current_stage"] == "Archived"
        finally:
            reg.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
