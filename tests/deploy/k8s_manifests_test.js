// deploy/k8s without a cluster: each kustomization renders with
// `kubectl kustomize`, every rendered object validates against the Kubernetes
// schemas bundled in the pinned npm package kubernetes-models (offline), with
// unknown fields rejected as well (kubeconform's --strict: a misspelt
// `readinesProbe` would otherwise pass and be silently dropped), and the
// objects agree with each other and with the server's flags.
//
// Usage: node tests/deploy/k8s_manifests_test.js   (KUBECTL=path optional; exit 77 without it)
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { execFileSync, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const YAML = require("yaml");

const ROOT = path.resolve(__dirname, "..", "..");
const K8S = path.join(ROOT, "deploy", "k8s");
const KUBECTL = process.env.KUBECTL || "kubectl";
if (spawnSync(KUBECTL, ["version", "--client"]).status !== 0) {
  console.log(`SKIP: no kubectl (${KUBECTL}) to render the kustomizations`);
  process.exit(77);  // ctest SKIP_RETURN_CODE
}

function render(dir) {
  const out = execFileSync(KUBECTL, ["kustomize", dir], { encoding: "utf8" });
  return YAML.parseAllDocuments(out).map((doc) => {
    assert.equal(doc.errors.length, 0, `${dir}: ${doc.errors}`);
    return doc.toJS();
  }).filter((o) => o !== null);
}

// kubernetes-models lays its classes out as <group>/<version> ("v1" for core).
function modelClass(obj) {
  let mod;
  try {
    mod = require(`kubernetes-models/${obj.apiVersion}`);
  } catch (e) {
    assert.fail(`no schema for apiVersion ${obj.apiVersion} (${obj.kind} ${obj.metadata?.name})`);
  }
  assert.ok(mod[obj.kind], `no schema for ${obj.apiVersion} ${obj.kind}`);
  return mod[obj.kind];
}

// Runs the schema's validator over a Proxy that records which keys the
// validator reads. The compiled schema reads every property it declares (and
// every key of a map it iterates), so a key it never read is unknown.
function unknownFields(model) {
  const seen = new WeakMap();  // target object -> Set of keys read
  const wrap = (value) => {
    if (value === null || typeof value !== "object") return value;
    if (!seen.has(value)) seen.set(value, new Set());
    return new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === "string") seen.get(target).add(key);
        return wrap(Reflect.get(target, key, receiver));
      },
    });
  };
  const plain = JSON.parse(JSON.stringify(model));
  model.validate.call(wrap(plain));
  const unknown = [];
  const walk = (value, where) => {
    if (value === null || typeof value !== "object") return;
    const read = seen.get(value) || new Set();
    for (const key of Object.keys(value)) {
      const at = Array.isArray(value) ? `${where}[${key}]` : `${where}.${key}`;
      if (!Array.isArray(value) && !read.has(key)) unknown.push(at);
      else walk(value[key], at);
    }
  };
  walk(plain, "");
  return unknown;
}

function validateObject(obj) {
  const Model = modelClass(obj);
  const model = new Model(obj);
  model.validate();  // throws with the schema's message
  const unknown = unknownFields(model);
  assert.deepEqual(unknown, [], `${obj.kind} ${obj.metadata.name}: unknown fields`);
}

function only(objects, kind) {
  const found = objects.filter((o) => o.kind === kind);
  assert.equal(found.length, 1, `expected one ${kind}, found ${found.length}`);
  return found[0];
}

// absl::Duration flag syntax as used in the manifests: 1h2m3.5s, 500ms.
function durationSeconds(text) {
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/gy;
  let total = 0;
  let end = 0;
  for (let m; (m = re.exec(text)) !== null; end = re.lastIndex) {
    total += Number(m[1]) * { h: 3600, m: 60, s: 1, ms: 0.001 }[m[2]];
  }
  assert.ok(end === text.length && end > 0, `not a duration: ${text}`);
  return total;
}

function flag(args, name) {
  const hits = args.filter((a) => a.startsWith(`--${name}=`));
  assert.ok(hits.length <= 1, `--${name} given twice: ${args}`);
  return hits.length ? hits[0].slice(name.length + 3) : undefined;
}

function subsetOf(selector, labels) {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

// Checks every overlay shares: ports, probes, shutdown budget, security.
function checkCommon(objects) {
  const deployment = only(objects, "Deployment");
  const pod = deployment.spec.template.spec;
  const labels = deployment.spec.template.metadata.labels;
  assert.ok(subsetOf(deployment.spec.selector.matchLabels, labels));
  assert.equal(pod.containers.length, 1);
  const c = pod.containers[0];
  const args = c.args || [];

  // One port, and everything points at it.
  const grpcPort = c.ports.find((p) => p.name === "grpc");
  assert.ok(grpcPort, "container port named grpc");
  const listen = flag(args, "listen");
  assert.equal(listen, `0.0.0.0:${grpcPort.containerPort}`,
               "the server must listen on every interface, on the container port");
  for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
    if (probe === "startupProbe" && !c[probe]) continue;
    assert.ok(c[probe]?.grpc, `${probe} is a native gRPC probe`);
    assert.equal(c[probe].grpc.port, grpcPort.containerPort, `${probe} port`);
    assert.equal(c[probe].grpc.service ?? "", "", `${probe} asks about the whole server`);
  }

  // Metrics: --metrics_listen on every interface, on the port named
  // metrics, and the scrape annotations point at it.
  const metricsPort = c.ports.find((p) => p.name === "metrics");
  assert.ok(metricsPort, "container port named metrics");
  assert.equal(flag(args, "metrics_listen"), `0.0.0.0:${metricsPort.containerPort}`);
  assert.notEqual(metricsPort.containerPort, grpcPort.containerPort);
  const annotations = deployment.spec.template.metadata.annotations || {};
  assert.equal(annotations["prometheus.io/scrape"], "true");
  assert.equal(annotations["prometheus.io/port"], String(metricsPort.containerPort));
  assert.equal(annotations["prometheus.io/path"], "/metrics");

  // Shutdown budget: preStop sleep, then SIGTERM and --shutdown_grace, all
  // inside terminationGracePeriodSeconds (else SIGKILL cuts the drain).
  const preStop = c.lifecycle?.preStop?.exec?.command;
  assert.ok(preStop && preStop[0] === "/bin/sleep", "preStop sleeps so endpoints drain");
  const sleep = Number(preStop[1]);
  assert.ok(sleep >= 1, "preStop sleep of at least a second");
  const grace = durationSeconds(flag(args, "shutdown_grace") ?? "10s");
  assert.ok(pod.terminationGracePeriodSeconds > sleep + grace,
            `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} <= ` +
            `preStop ${sleep}s + --shutdown_grace ${grace}s`);

  // Resources and hardening.
  for (const kind of ["requests", "limits"]) {
    assert.ok(c.resources?.[kind]?.cpu && c.resources[kind].memory, `resources.${kind}`);
  }
  const sc = c.securityContext;
  assert.equal(sc.runAsNonRoot, true);
  assert.equal(sc.readOnlyRootFilesystem, true);
  assert.equal(sc.allowPrivilegeEscalation, false);
  assert.deepEqual(sc.capabilities.drop, ["ALL"]);
  assert.ok(pod.securityContext.runAsUser > 0);

  // The ServiceAccount exists; Services and the PDB select these pods.
  const sa = only(objects, "ServiceAccount");
  assert.equal(pod.serviceAccountName, sa.metadata.name);
  const services = objects.filter((o) => o.kind === "Service");
  assert.ok(services.length >= 1);
  for (const svc of services) {
    assert.ok(subsetOf(svc.spec.selector, labels), `${svc.metadata.name} selects the pods`);
    const port = svc.spec.ports.find((p) => p.name === "grpc");
    assert.ok(port, `${svc.metadata.name} has a port named grpc`);
    assert.equal(port.appProtocol, "grpc");
    assert.ok(port.targetPort === "grpc" || port.targetPort === grpcPort.containerPort);
  }
  assert.ok(services.some((s) => s.spec.clusterIP === "None"),
            "a headless Service for client-side load balancing");
  for (const pdb of objects.filter((o) => o.kind === "PodDisruptionBudget")) {
    assert.ok(subsetOf(pdb.spec.selector.matchLabels, labels), "PDB selects the pods");
  }
  for (const hpa of objects.filter((o) => o.kind === "HorizontalPodAutoscaler")) {
    assert.equal(hpa.spec.scaleTargetRef.kind, "Deployment");
    assert.equal(hpa.spec.scaleTargetRef.name, deployment.metadata.name);
  }
  return { deployment, container: c, args, sa };
}

const ROLE_ARN = "eks.amazonaws.com/role-arn";

test("the strict validator rejects a misspelt field and a wrong type", () => {
  const good = {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x", labels: { a: "b" } },
    spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } },
      spec: { containers: [{ name: "c", image: "i", readinessProbe: { grpc: { port: 1 } } }] } } },
  };
  validateObject(good);
  const typo = structuredClone(good);
  const container = typo.spec.template.spec.containers[0];
  container.readinesProbe = container.readinessProbe;
  delete container.readinessProbe;
  assert.throws(() => validateObject(typo), /spec\.template\.spec\.containers\[0\]\.readinesProbe/);
  const wrongType = structuredClone(good);
  wrongType.spec.template.spec.containers[0].readinessProbe.grpc.port = "grpc";
  assert.throws(() => validateObject(wrongType), /must be integer/);
});

test("the overlays are simulator and aws", () => {
  const overlays = fs.readdirSync(path.join(K8S, "overlays")).sort();
  assert.deepEqual(overlays, ["aws", "simulator"]);
});

for (const dir of ["base", "overlays/simulator", "overlays/aws"]) {
  test(`${dir} renders and validates against the Kubernetes schemas`, () => {
    const objects = render(path.join(K8S, dir));
    assert.ok(objects.length >= 4, `${dir} rendered ${objects.length} objects`);
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    assert.equal(new Set(names).size, names.length, `duplicates in ${names}`);
    for (const obj of objects) validateObject(obj);
    checkCommon(objects);
  });
}

test("simulator overlay: one replica, --backend=simulator, no HPA, PDB or IAM role", () => {
  const objects = render(path.join(K8S, "overlays", "simulator"));
  const { deployment, args, sa } = checkCommon(objects);
  assert.equal(flag(args, "backend"), "simulator");
  assert.equal(deployment.spec.replicas, 1);
  assert.equal(deployment.spec.strategy.type, "Recreate", "never two simulators at once");
  assert.equal(objects.filter((o) => o.kind === "HorizontalPodAutoscaler").length, 0);
  assert.equal(objects.filter((o) => o.kind === "PodDisruptionBudget").length, 0);
  assert.equal(sa.metadata.annotations?.[ROLE_ARN], undefined);
  // The state survives the pod: --state_dir lies under a volume mount of a
  // PersistentVolumeClaim that the overlay creates, with one writer.
  const pod = deployment.spec.template.spec;
  const stateDir = flag(args, "state_dir");
  assert.ok(stateDir, "--state_dir is set");
  const mount = pod.containers[0].volumeMounts.find((m) => stateDir.startsWith(`${m.mountPath}/`));
  assert.ok(mount && !mount.readOnly, `a writable volume is mounted above ${stateDir}`);
  const volume = pod.volumes.find((v) => v.name === mount.name);
  const claim = only(objects, "PersistentVolumeClaim");
  assert.equal(volume.persistentVolumeClaim?.claimName, claim.metadata.name);
  assert.deepEqual(claim.spec.accessModes, ["ReadWriteOnce"]);
});

test("aws overlay keeps no simulator state", () => {
  const objects = render(path.join(K8S, "overlays", "aws"));
  const { args } = checkCommon(objects);
  assert.equal(flag(args, "state_dir"), undefined);
  assert.equal(objects.filter((o) => o.kind === "PersistentVolumeClaim").length, 0);
});

test("aws overlay: --backend=aws, region, IRSA role, HPA owns the replica count", () => {
  const objects = render(path.join(K8S, "overlays", "aws"));
  const { deployment, container, args, sa } = checkCommon(objects);
  assert.equal(flag(args, "backend"), "aws");
  const env = Object.fromEntries((container.env || []).map((e) => [e.name, e.value]));
  assert.match(env.AWS_REGION || "", /^[a-z]{2}(-[a-z]+)+-\d$/);
  assert.match(sa.metadata.annotations?.[ROLE_ARN] || "", /^arn:aws[a-z-]*:iam::\d{12}:role\/.+/);
  const hpa = only(objects, "HorizontalPodAutoscaler");
  assert.equal(hpa.apiVersion, "autoscaling/v2");
  assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
  assert.equal(deployment.spec.replicas, undefined,
               "spec.replicas set beside an HPA is reset on every apply");
  only(objects, "PodDisruptionBudget");
});
