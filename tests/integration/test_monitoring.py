"""Integration test of aipipe's monitoring (deploy/prometheus, deploy/grafana).

Proves: a real Prometheus (Debian's binary, on a loopback port, with a temporary storage
dir) loads aipipe's alert and recording rules, scrapes a running `aipipe serve`, and answers
queries for its metrics through the HTTP API (/api/v1/query), including a recorded series
computed from them; every metric a Grafana dashboard panel queries is one that a running
`aipipe serve` exports, one that aipipe's rules record, or one listed below with the
component that exports it; each dashboard is well-formed JSON with unique panel ids."""
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

from harness import SOURCE_DIR, Server, multipart, render_text

DEPLOY = os.path.join(SOURCE_DIR, "deploy")
RULES = os.path.join(DEPLOY, "prometheus", "rules", "aipipe.rules.yml")
DASHBOARDS = sorted(glob.glob(os.path.join(DEPLOY, "grafana", "dashboards", "*.json")))

# Metrics the dashboards and alerts use that `aipipe serve` does not export itself.
EXTERNAL_METRICS = {
    "up": "Prometheus, per scrape target",
    "registry_store_errors_total": "aipipe registry (src/registry/registry.c)",
    "registry_store_retries_total": "aipipe registry (src/registry/registry.c)",
    "kube_job_status_failed": "kube-state-metrics",
    "kube_job_status_succeeded": "kube-state-metrics",
    "kube_job_status_active": "kube-state-metrics",
}

PROMQL_WORDS = {
    "sum", "avg", "min", "max", "count", "by", "without", "rate", "irate", "increase",
    "histogram_quantile", "and", "or", "unless", "on", "ignoring", "group_left",
    "group_right", "bool", "offset", "absent", "label_values", "topk", "bottomk", "le",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def metric_names(expr):
    """Metric names in a PromQL expression: identifiers outside label matchers, strings and
    ranges that are not functions, keywords or $variables."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)       # strings
    expr = re.sub(r"\{[^}]*\}", "{}", expr)                  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "[]", expr)                 # ranges
    expr = re.sub(r"\b(?:by|without|on|ignoring)\s*\([^)]*\)", "", expr)  # grouping labels
    names = set()
    for m in re.finditer(r"[$\w.]*[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        word = m.group(0)
        is_call = expr[m.end():].lstrip().startswith("(")
        if (is_call or word in PROMQL_WORDS or word.startswith(("__", "$"))
                or re.fullmatch(r"[\d.]+\w*", word)):
            continue
        names.add(word)
    return names


def recorded_names():
    with open(RULES) as f:
        return set(re.findall(r"^\s*- record:\s*(\S+)", f.read(), re.M))


class Monitoring(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="aipipe-monitoring-")
        cls.server = Server(env={"RATE_LIMIT_INFERENCE": "0"})
        page = os.path.join(cls.tmp, "line.png")
        render_text(page, ["Registration and Maths 9:00"])
        with open(page, "rb") as f:
            body, ctype = multipart({"file": ("line.png", "image/png", f.read())})
        status, _, _ = cls.server.request("POST", "/infer/ocr", body, {"Content-Type": ctype})
        assert status == 200, status
        _, _, raw = cls.server.request("GET", "/metrics")
        # Every family the service declares (# TYPE), with a histogram's three series
        # names: a family with no observation yet has no sample lines.
        cls.exported = set()
        for line in raw.decode().splitlines():
            m = re.match(r"# TYPE (\S+) (\S+)", line)
            if m:
                name, kind = m.groups()
                cls.exported |= ({name + s for s in ("_bucket", "_sum", "_count")}
                                 if kind == "histogram" else {name})
            elif line and not line.startswith("#"):
                cls.exported.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_dashboards_query_metrics_that_exist(self):
        self.assertGreaterEqual(len(DASHBOARDS), 2)
        known = self.exported | recorded_names() | set(EXTERNAL_METRICS)
        used = set()
        for path in DASHBOARDS:
            name = os.path.basename(path)
            with open(path) as f:
                dash = json.load(f)
            for key in ("uid", "title", "panels", "schemaVersion"):
                self.assertIn(key, dash, name)
            ids = [p["id"] for p in dash["panels"]]
            self.assertEqual(len(ids), len(set(ids)), f"{name}: duplicate panel ids")
            queried = [p for p in dash["panels"] if p["type"] != "row"]
            self.assertTrue(queried, name)
            for p in queried:
                self.assertTrue(p.get("targets"), f"{name}: panel {p['title']} has no query")
                for key in ("x", "y", "w", "h"):
                    self.assertIn(key, p["gridPos"], f"{name}: panel {p['title']}")
                for t in p["targets"]:
                    names = metric_names(t["expr"])
                    self.assertTrue(names, f"{name}: {t['expr']}")
                    unknown = names - known
                    self.assertFalse(unknown, f"{name}: panel '{p['title']}' queries {unknown}")
                    used |= names
        # The inference dashboard covers what the service exports about requests.
        for m in ("inference_requests_total", "inference_latency_seconds_bucket",
                  "inference_requests_in_flight", "model_confidence"):
            self.assertIn(m, self.exported)
            self.assertIn(m, used)

    def test_alert_rules_use_metrics_that_exist(self):
        with open(RULES) as f:
            lines = f.read().splitlines()
        exprs = []
        for i, line in enumerate(lines):
            m = re.match(r"(\s*)(?:- )?expr:\s*(.*)", line)
            if not m:
                continue
            if m.group(2) not in ("|", ">"):
                exprs.append(m.group(2))
                continue
            body = []
            for nxt in lines[i + 1:]:
                if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= len(m.group(1)):
                    break
                body.append(nxt)
            exprs.append("\n".join(body))
        self.assertEqual(len(exprs), len(re.findall(r"^\s*- (?:alert|record):", "\n".join(lines), re.M)))
        known = self.exported | recorded_names() | set(EXTERNAL_METRICS)
        names = set().union(*(metric_names(e) for e in exprs))
        self.assertIn("inference_latency_seconds_bucket", names)
        self.assertIn("kube_job_status_failed", names)
        self.assertFalse(names - known, f"rules query {names - known}")

    def test_prometheus_scrapes_aipipe(self):
        port = free_port()
        storage = os.path.join(self.tmp, "tsdb")
        config = os.path.join(self.tmp, "prometheus.yml")
        shutil.copy(RULES, os.path.join(self.tmp, "aipipe.rules.yml"))
        with open(config, "w") as f:
            f.write(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [aipipe.rules.yml]
scrape_configs:
  - job_name: aipipe-inference
    static_configs:
      - targets: ["127.0.0.1:{self.server.port}"]
""")
        log = open(os.path.join(self.tmp, "prometheus.log"), "w")  # closed in finally
        prom = subprocess.Popen(["prometheus", f"--config.file={config}",
                                 f"--storage.tsdb.path={storage}",
                                 f"--web.listen-address=127.0.0.1:{port}"],
                                stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"

        def get(path, **params):
            url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
            with urllib.request.urlopen(url, timeout=10) as r:
                return json.load(r)

        def poll(fn, timeout=120):
            end = time.time() + timeout
            last = None
            while time.time() < end:
                try:
                    last = fn()
                    if last:
                        return last
                except OSError as e:
                    last = e
                time.sleep(0.5)
            return last

        try:
            # The first scrape comes some seconds after start; poll with a generous bound.
            result = poll(lambda: get("/api/v1/query", query='inference_requests_total{endpoint="infer_ocr",status="200"}')["data"]["result"])
            self.assertTrue(isinstance(result, list) and result,
                            f"no sample scraped: {result}; see {log.name}")
            self.assertEqual(result[0]["metric"]["job"], "aipipe-inference")
            self.assertEqual(float(result[0]["value"][1]), 1.0)

            up = get("/api/v1/query", query='up{job="aipipe-inference"}')["data"]["result"]
            self.assertEqual(up[0]["value"][1], "1")

            # The rules loaded and evaluate without error in a real Prometheus.
            groups = get("/api/v1/rules")["data"]["groups"]
            rules = [r for g in groups for r in g["rules"]]
            self.assertIn("AipipeInferenceHighErrorRate", [r["name"] for r in rules])
            self.assertTrue(poll(lambda: all(r.get("health") == "ok" for r in rules) or None, 60),
                            [(r["name"], r.get("health"), r.get("lastError")) for r in rules])

            # A recorded series computed from the scraped counters (rate needs 2 samples).
            self.server.request("GET", "/health")
            rec = poll(lambda: get("/api/v1/query", query='aipipe:inference_requests:rate5m{endpoint="health"}')["data"]["result"])
            self.assertTrue(isinstance(rec, list) and rec, rec)
        finally:
            prom.terminate()
            try:
                prom.wait(30)
            except subprocess.TimeoutExpired:
                prom.kill()
            log.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
