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

// The proxy's config (deploy/proxy/nginx.conf, also the ConfigMap's data).
const PROXY_CONF = path.join(ROOT, "deploy", "proxy", "nginx.conf");
// The longest heartbeat interval a subscription may ask for (the engine's
// validation): the proxy's idle timeouts must outlast it.
function maxHeartbeatSeconds() {
  const engine = fs.readFileSync(path.join(ROOT, "service", "subscriptions", "subscription_options.cc"), "utf8");
  const m = engine.match(/o\.heartbeat > absl::Minutes\((\d+)\)/);
  assert.ok(m, "the engine's HeartbeatInterval bound");
  return Number(m[1]) * 60;
}

// nginx directive values (first argument) by name, everywhere in the file.
function nginxDirectives(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const m = line.replace(/#.*/, "").trim().match(/^([a-z_0-9]+)\s+([^;{]*);$/);
    if (m) (out[m[1]] = out[m[1]] || []).push(m[2].trim());
  }
  return out;
}

// nginx time units as used in the config: 22s, 6m, 1h.
function nginxSeconds(text) {
  const m = text.match(/^(\d+)(s|m|h)$/);
  assert.ok(m, `not an nginx time: ${text}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2]];
}

function containerNamed(pod, name) {
  const c = pod.containers.find((x) => x.name === name);
  assert.ok(c, `container ${name}`);
  return c;
}

function preStopSleep(c) {
  const preStop = c.lifecycle?.preStop?.exec?.command;
  assert.ok(preStop && preStop[0] === "/bin/sleep", `${c.name}: preStop sleeps so endpoints drain`);
  const sleep = Number(preStop[1]);
  assert.ok(sleep >= 1, `${c.name}: preStop sleep of at least a second`);
  return sleep;
}

// Checks every overlay shares: ports, probes, shutdown budget, security.
function checkCommon(objects) {
  const deployment = only(objects, "Deployment");
  const pod = deployment.spec.template.spec;
  const labels = deployment.spec.template.metadata.labels;
  assert.ok(subsetOf(deployment.spec.selector.matchLabels, labels));
  assert.deepEqual(pod.containers.map((x) => x.name), ["awsfacade", "proxy"],
                   "the server first (the overlays patch containers/0), then its proxy");
  const c = pod.containers[0];
  const proxy = containerNamed(pod, "proxy");
  const args = c.args || [];

  // The server listens on loopback only, where the proxy's upstream points;
  // the port named grpc (the Services' target) is the proxy's listener.
  const listen = flag(args, "listen");
  const local = listen.match(/^127\.0\.0\.1:(\d+)$/);
  assert.ok(local, `the server listens on loopback only behind the proxy: --listen=${listen}`);
  assert.equal(c.ports.find((p) => p.name === "grpc"), undefined, "no gRPC port on the server container");
  const grpcPort = proxy.ports.find((p) => p.name === "grpc");
  assert.ok(grpcPort, "the proxy's container port is named grpc");
  const confText = fs.readFileSync(PROXY_CONF, "utf8");
  const conf = nginxDirectives(confText);
  assert.deepEqual(conf.listen, [`0.0.0.0:${grpcPort.containerPort} http2`], "nginx listens on the grpc port");
  assert.deepEqual(conf.server, [listen], "nginx's upstream is the server's --listen");
  assert.deepEqual(conf.grpc_pass, ["grpc://awsfacade"]);
  assert.deepEqual(conf.daemon, ["off"], "nginx stays in the foreground (the container's process)");
  for (const timeout of ["grpc_read_timeout", "grpc_send_timeout", "send_timeout"]) {
    assert.ok(nginxSeconds(conf[timeout][0]) > maxHeartbeatSeconds(),
              `${timeout} ${conf[timeout]} outlasts the longest subscription heartbeat interval`);
  }
  assert.ok(Number(conf.http2_max_concurrent_streams[0]) >= 1, "streams per client connection are capped");
  for (const p of [...conf.pid, ...conf.client_body_temp_path, ...conf.proxy_temp_path]) {
    assert.ok(p.startsWith("/tmp/"), `nginx writes only under /tmp (read-only root): ${p}`);
  }

  // The proxy runs the ConfigMap made from that file, and writes to /tmp.
  assert.deepEqual(proxy.command, ["/usr/sbin/nginx", "-c", "/etc/awsfacade-proxy/nginx.conf", "-e", "stderr"]);
  const configMount = proxy.volumeMounts.find((m) => m.mountPath === "/etc/awsfacade-proxy");
  assert.ok(configMount?.readOnly, "the proxy config is mounted read-only");
  const configMap = objects.find((o) => o.kind === "ConfigMap" &&
    o.metadata.name === pod.volumes.find((v) => v.name === configMount.name)?.configMap?.name);
  assert.ok(configMap, "the proxy config volume is a ConfigMap of this kustomization");
  assert.equal(configMap.data["nginx.conf"], confText, "the ConfigMap holds deploy/proxy/nginx.conf");
  const proxyTmp = proxy.volumeMounts.find((m) => m.mountPath === "/tmp");
  assert.ok(proxyTmp && pod.volumes.find((v) => v.name === proxyTmp.name)?.emptyDir, "an emptyDir at /tmp");

  // Probes. The kubelet cannot reach the server's loopback address, so the
  // server's probes run the image's health check inside the container; the
  // proxy is ready when a gRPC health check through it is, and alive while it
  // accepts connections.
  for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
    const command = c[probe]?.exec?.command;
    assert.ok(command, `${probe} of the server runs a command`);
    assert.equal(command[0], "/usr/local/bin/awsfacade-healthcheck");
    assert.equal(flag(command, "addr"), listen, `${probe} checks the --listen address`);
    assert.equal(flag(command, "service"), undefined, `${probe} asks about the whole server`);
    assert.ok(c[probe].timeoutSeconds > durationSeconds(flag(command, "timeout")),
              `${probe}: the kubelet waits longer than the check's own --timeout`);
  }
  assert.equal(proxy.readinessProbe?.grpc?.port, grpcPort.containerPort, "proxy readiness: gRPC health through it");
  assert.equal(proxy.readinessProbe.grpc.service ?? "", "");
  assert.equal(proxy.livenessProbe?.tcpSocket?.port, grpcPort.containerPort, "proxy liveness: it accepts");

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
  // inside terminationGracePeriodSeconds (else SIGKILL cuts the drain); the
  // proxy (SIGQUIT: graceful) lets open calls finish for
  // worker_shutdown_timeout after its own preStop sleep.
  const sleep = preStopSleep(c);
  const grace = durationSeconds(flag(args, "shutdown_grace") ?? "10s");
  assert.ok(pod.terminationGracePeriodSeconds > sleep + grace,
            `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} <= ` +
            `preStop ${sleep}s + --shutdown_grace ${grace}s`);
  const proxyDrain = nginxSeconds(conf.worker_shutdown_timeout[0]);
  assert.ok(proxyDrain > grace, "the proxy outlasts the server's drain, so final answers reach clients");
  assert.ok(pod.terminationGracePeriodSeconds > preStopSleep(proxy) + proxyDrain,
            `terminationGracePeriodSeconds <= proxy preStop + worker_shutdown_timeout ${proxyDrain}s`);

  // Resources and hardening, for both containers; every mount has its volume.
  for (const x of pod.containers) {
    for (const m of x.volumeMounts || []) {
      assert.ok(pod.volumes.some((v) => v.name === m.name), `${x.name}: volume ${m.name} exists`);
    }
    for (const kind of ["requests", "limits"]) {
      assert.ok(x.resources?.[kind]?.cpu && x.resources[kind].memory, `${x.name}: resources.${kind}`);
    }
    const sc = x.securityContext;
    assert.equal(sc.runAsNonRoot, true);
    assert.equal(sc.readOnlyRootFilesystem, true);
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.deepEqual(sc.capabilities.drop, ["ALL"]);
  }
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
    assert.ok(port.targetPort === "grpc" || port.targetPort === grpcPort.containerPort,
              `${svc.metadata.name} sends clients to the proxy`);
  }
  const headless = services.filter((s) => s.spec.clusterIP === "None");
  assert.ok(headless.length, "a headless Service for client-side load balancing");
  for (const svc of headless) {
    // Clients dial the pod addresses it resolves to: no port translation.
    assert.equal(svc.spec.ports.find((p) => p.name === "grpc").port, grpcPort.containerPort,
                 `${svc.metadata.name}: the port clients dial is the proxy's`);
  }
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
