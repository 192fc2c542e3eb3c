// The Kubernetes packaging (deploy/): the manifests under deploy/k8s as
// kubectl kustomize renders them, checked against the Kubernetes API's
// schema (kubernetes-models: its JSON schema for types and required
// fields, its TypeScript types for unknown fields) and against what the
// lab server needs of them (among which the PostgreSQL server that keeps
// the workshop's progress for every pod); and the Containerfile against the host
// package lists. Renders a copy of deploy/k8s with the example tokens, so
// nothing is written into the repository. No cluster and no container
// engine needed: only kubectl (Debian's kubernetes-client), which
// $KUBECTL may name, to try another kubectl's kustomize.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import ts from 'typescript';
import { parse, parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { IMAGE_PACKAGES } from '../../deploy/host-packages.ts';
import { REPO_ROOT } from '../../lab/paths.ts';
import { applyOverrides, defaultLimits, envName, type Limits } from '../../lab/server/limits.ts';
import { DEPLOY_TEST_PACKAGES, LAB_PACKAGES, TAB_LAB_PACKAGES } from '../../lab/setup/host-packages.ts';

const DEPLOY = join(REPO_ROOT, 'deploy');
const KUBECTL = process.env.KUBECTL || 'kubectl';
const OVERLAY = 'overlays/workshop';
/** The workshop the overlay is for. */
const WORKSHOP = { replicas: 5, sessions: 40 };
/** Measured on 2 cores (docs/instructors.mdx): a booted VM's RSS, the server's with 40 learners. */
const BOOTED_VM_MIB = 102.1;
const SERVER_MIB = 176;
/** The capabilities the server's privilege drop for QEMU needs (deploy/Containerfile). */
const DROP_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'KILL', 'SETGID', 'SETUID'];
const TOKEN_ENV: Record<string, string> = { token: 'UKLAB_TOKEN', 'instructor-token': 'UKLAB_INSTRUCTOR_TOKEN', 'metrics-token': 'UKLAB_METRICS_TOKEN' };
/** The lab server's objects, and the progress database's (base/progress-db.yaml). */
const LAB_SERVER = 'lab-server';
const PROGRESS = 'lab-progress';
/** The Secret key of the progress database's password, and the lab server's variable that reads it. */
const PASSWORD_KEY = 'progress-db-password';
const PASSWORD_ENV = 'UKLAB_PROGRESS_DB_PASSWORD';
/**
 * Variables the server does not read, set only to go into another
 * variable's value through Kubernetes' $(NAME) expansion.
 */
const EXPANSION_INPUTS = new Set([PASSWORD_ENV, 'POD_IP']);
/** Debian 12's PostgreSQL, which the store's tests run against (test/helpers/postgres.ts). */
const POSTGRES_MAJOR = 15;
/** The image's postgres user and group. */
const POSTGRES_UID = 999;

const scratch = mkdtempSync(join(tmpdir(), 'uklab-deploy-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// A copy of deploy/k8s whose overlay has tokens.env, from the example.
const k8s = join(scratch, 'k8s');
cpSync(join(DEPLOY, 'k8s'), k8s, { recursive: true });
copyFileSync(join(k8s, OVERLAY, 'tokens.env.example'), join(k8s, OVERLAY, 'tokens.env'));

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // The shape is checked by kubernetes-models; the assertions below read into it.
  [field: string]: any;
}

/** The objects `kubectl kustomize dir` prints. */
function render(dir: string): K8sObject[] {
  const r = spawnSync(KUBECTL, ['kustomize', dir], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(`${KUBECTL} not found: install Debian's kubernetes-client (apt-get install kubernetes-client), which these tests need to render deploy/k8s`);
  }
  assert.equal(r.status, 0, `${KUBECTL} kustomize ${dir} failed:\n${r.stderr}`);
  const docs = parseAllDocuments(r.stdout);
  const objects: K8sObject[] = [];
  for (const doc of docs) {
    assert.deepEqual(doc.errors, [], `kustomize printed YAML that does not parse: ${doc.errors.join('; ')}`);
    const o = doc.toJS() as K8sObject | null;
    if (o) objects.push(o);
  }
  return objects;
}

const renders = new Map<string, K8sObject[]>();
function rendered(which: 'base' | typeof OVERLAY): K8sObject[] {
  let objects = renders.get(which);
  if (!objects) {
    objects = render(join(k8s, which));
    renders.set(which, objects);
  }
  return objects;
}

function one(objects: K8sObject[], kind: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind);
  assert.equal(found.length, 1, `expected one ${kind}, found ${found.length}`);
  return found[0]!;
}

function named(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  assert.equal(found.length, 1, `expected one ${kind} ${name}, found ${found.length}`);
  return found[0]!;
}

/** Each kind the manifests may hold: its kubernetes-models class and TypeScript type. */
const MODELS: Record<string, { model: new (data: never) => { validate(): void }; module: string; type: string }> = {
  'apps/v1 Deployment': { model: Deployment, module: 'kubernetes-models/apps/v1/Deployment', type: 'IDeployment' },
  'apps/v1 StatefulSet': { model: StatefulSet, module: 'kubernetes-models/apps/v1/StatefulSet', type: 'IStatefulSet' },
  'v1 Service': { model: Service, module: 'kubernetes-models/v1/Service', type: 'IService' },
  'v1 Secret': { model: Secret, module: 'kubernetes-models/v1/Secret', type: 'ISecret' },
  'networking.k8s.io/v1 Ingress': { model: Ingress, module: 'kubernetes-models/networking.k8s.io/v1/Ingress', type: 'IIngress' },
  'policy/v1 PodDisruptionBudget': { model: PodDisruptionBudget, module: 'kubernetes-models/policy/v1/PodDisruptionBudget', type: 'IPodDisruptionBudget' },
};

function modelFor(o: K8sObject): (typeof MODELS)[string] {
  const m = MODELS[`${o.apiVersion} ${o.kind}`];
  assert.ok(m, `${o.kind} ${o.metadata?.name}: no schema here for ${o.apiVersion} ${o.kind} (the manifests use apps/v1, v1, networking.k8s.io/v1 and policy/v1)`);
  return m;
}

/**
 * Unknown fields, which the JSON schema lets through and an API server
 * with strict field validation refuses: each object as a TypeScript object
 * literal of its kubernetes-models type, whose excess properties the
 * compiler reports. One file per object, so a message names the object.
 */
function unknownFields(objects: K8sObject[], label: string): string[] {
  const require = createRequire(import.meta.url);
  const dir = mkdtempSync(join(scratch, `${label}-ts-`));
  const files = objects.map((o, i) => {
    const m = modelFor(o);
    const file = join(dir, `${i}-${o.kind}-${o.metadata.name}.mts`);
    const from = require.resolve(m.module);
    writeFileSync(file, `import type { ${m.type} } from ${JSON.stringify(from)};\nexport const object: ${m.type} = ${JSON.stringify(o, null, 2)};\n`);
    return file;
  });
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    lib: ['lib.es2022.d.ts'],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName.slice(dir.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

function podSpec(objects: K8sObject[]): K8sObject {
  return one(objects, 'Deployment').spec.template.spec;
}

function container(objects: K8sObject[]): K8sObject {
  const containers = podSpec(objects).containers as K8sObject[];
  assert.equal(containers.length, 1, 'the lab server pod has one container');
  return containers[0]!;
}

function env(objects: K8sObject[]): Map<string, K8sObject> {
  const list = (container(objects).env ?? []) as K8sObject[];
  const byName = new Map(list.map((e) => [e.name as string, e]));
  assert.equal(byName.size, list.length, `an environment variable is set twice: ${list.map((e) => e.name).join(' ')}`);
  return byName;
}

function envValue(objects: K8sObject[], name: string): string | undefined {
  return env(objects).get(name)?.value as string | undefined;
}

/** The progress database's pod template and its one container. */
function progressDb(objects: K8sObject[]): { sts: K8sObject; spec: K8sObject; c: K8sObject; env: Map<string, K8sObject> } {
  const sts = named(objects, 'StatefulSet', PROGRESS);
  const spec = sts.spec.template.spec as K8sObject;
  const containers = spec.containers as K8sObject[];
  assert.equal(containers.length, 1, 'the PostgreSQL pod has one container');
  const c = containers[0]!;
  const list = (c.env ?? []) as K8sObject[];
  return { sts, spec, c, env: new Map(list.map((e) => [e.name as string, e])) };
}

/** `selector` (matchLabels or a Service's selector) picks `labels`. */
function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

const UNITS: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
/** A Kubernetes memory quantity in bytes. */
function bytes(quantity: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(quantity));
  assert.ok(m, `not a memory quantity: ${quantity}`);
  return Number(m[1]) * UNITS[m[2] ?? '']!;
}

const MiB = 1024 ** 2;

/** The environment variables the server reads (main.ts, and the two it reads elsewhere), and the limits'. */
function serverVariables(): Set<string> {
  const names = new Set((Object.keys(defaultLimits()) as (keyof Limits)[]).map(envName));
  for (const file of ['lab/server/main.ts', 'lab/vm/boot.ts', 'lab/paths.ts']) {
    for (const m of readFileSync(join(REPO_ROOT, file), 'utf8').matchAll(/\benv\??\.(UKLAB_[A-Z_]+)/g)) names.add(m[1]!);
  }
  return names;
}

for (const which of ['base', OVERLAY] as const) {
  describe(`deploy/k8s/${which}`, () => {
    test('renders, and every object is valid for its Kubernetes API', () => {
      const objects = rendered(which);
      assert.ok(objects.length >= 4, `only ${objects.length} objects`);
      for (const o of objects) {
        const m = modelFor(o);
        try {
          new m.model(o as never).validate();
        } catch (e) {
          assert.fail(`${o.kind} ${o.metadata.name}: ${(e as Error).message}`);
        }
      }
      assert.deepEqual(unknownFields(objects, which.replace('/', '-')), [], 'fields the Kubernetes API does not have');
    });

    test('the probes: readiness on /readyz, liveness on /healthz, on the http port 3000', () => {
      const objects = rendered(which);
      const c = container(objects);
      const http = (c.ports as K8sObject[]).find((p) => p.name === 'http');
      assert.equal(http?.containerPort, 3000, 'a container port named http, 3000 (the server\'s default --port)');
      assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
      assert.equal(c.livenessProbe?.httpGet?.path, '/healthz');
      for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe].filter(Boolean)) {
        assert.ok(probe.httpGet.port === 'http' || probe.httpGet.port === 3000, `a probe asks port ${probe.httpGet.port}`);
      }
      const paths = readFileSync(join(REPO_ROOT, 'lab/server/probes.ts'), 'utf8');
      assert.match(paths, /READY_PATH = '\/readyz'/);
      assert.match(paths, /HEALTH_PATH = '\/healthz'/);
    });

    test('the Deployment, Service and PodDisruptionBudget pick the lab server\'s pods, and not the database\'s', () => {
      const objects = rendered(which);
      const deployment = one(objects, 'Deployment');
      const labels = deployment.spec.template.metadata.labels as Record<string, string>;
      assert.ok(selects(deployment.spec.selector.matchLabels, labels), 'the Deployment\'s selector does not pick its own pods');
      const dbLabels = progressDb(objects).sts.spec.template.metadata.labels as Record<string, string>;
      const service = named(objects, 'Service', LAB_SERVER);
      assert.equal(service.spec.type ?? 'ClusterIP', 'ClusterIP');
      assert.ok(selects(service.spec.selector, labels), `the Service selects ${JSON.stringify(service.spec.selector)}, the pods are ${JSON.stringify(labels)}`);
      const port = (service.spec.ports as K8sObject[]).find((p) => p.port === 80);
      assert.ok(port, 'the Service listens on 80');
      assert.ok(port.targetPort === 'http' || port.targetPort === 3000, `the Service sends to ${port.targetPort}`);
      const pdb = one(objects, 'PodDisruptionBudget');
      assert.equal(pdb.spec.maxUnavailable, 1);
      assert.ok(selects(pdb.spec.selector.matchLabels, labels), `the PodDisruptionBudget selects ${JSON.stringify(pdb.spec.selector.matchLabels)}`);
      for (const [what, selector] of [
        ['Deployment', deployment.spec.selector.matchLabels],
        ['Service', service.spec.selector],
        ['PodDisruptionBudget', pdb.spec.selector.matchLabels],
      ] as const) {
        assert.ok(!selects(selector, dbLabels), `the lab server's ${what} selects ${JSON.stringify(selector)}, which picks the PostgreSQL pod ${JSON.stringify(dbLabels)} too`);
      }
    });

    test('the Ingress sends to the Service\'s port, with cookie affinity and WebSocket timeouts', () => {
      const objects = rendered(which);
      const service = named(objects, 'Service', LAB_SERVER);
      const ingress = one(objects, 'Ingress');
      const backends = (ingress.spec.rules as K8sObject[]).flatMap((r) => r.http.paths as K8sObject[]).map((p) => p.backend.service);
      assert.ok(backends.length > 0);
      for (const b of backends) {
        assert.equal(b.name, service.metadata.name);
        const port = (service.spec.ports as K8sObject[]).find((p) => p.name === b.port.name || p.port === b.port.number);
        assert.ok(port, `the Ingress asks the Service for port ${JSON.stringify(b.port)}, which it does not have`);
      }
      const a = ingress.metadata.annotations ?? {};
      const nginx = (key: string): string | undefined => a[`nginx.ingress.kubernetes.io/${key}`];
      assert.equal(ingress.spec.ingressClassName, 'nginx', 'the annotations are ingress-nginx\'s');
      assert.equal(nginx('affinity'), 'cookie');
      assert.equal(nginx('affinity-mode'), 'persistent');
      assert.ok(nginx('session-cookie-name'), 'a session cookie name');
      // As long as a learner's lab may last (--max-session-ms).
      assert.ok(Number(nginx('session-cookie-max-age')) * 1000 >= defaultLimits().maxSessionMs, `session-cookie-max-age ${nginx('session-cookie-max-age')}`);
      for (const key of ['proxy-read-timeout', 'proxy-send-timeout']) assert.ok(Number(nginx(key)) >= 3600, `${key} ${nginx(key)}`);
    });

    test('the environment: variables the server reads, limits it accepts, the pod\'s name', () => {
      const objects = rendered(which);
      const vars = env(objects);
      const known = serverVariables();
      for (const name of vars.keys()) assert.ok(known.has(name) || EXPANSION_INPUTS.has(name), `${name} is no variable the lab server reads`);
      // Kubernetes expands $(NAME) only with a variable defined earlier in
      // the list; any other $(NAME) stays as it is, in the server's value.
      const order = [...vars.keys()];
      const used = new Set<string>();
      order.forEach((name, i) => {
        for (const m of String(vars.get(name)!.value ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
          const at = order.indexOf(m[1]!);
          assert.ok(at >= 0 && at < i, `${name} uses $(${m[1]}), which is not set before it: Kubernetes would leave it unexpanded`);
          used.add(m[1]!);
        }
      });
      for (const name of EXPANSION_INPUTS) {
        if (vars.has(name)) assert.ok(used.has(name), `${name} is read by neither the server nor another variable's $(${name})`);
      }
      // The other pods reach this one at its IP and the container's port; the Ingress's X-Forwarded-For is believed.
      assert.equal(vars.get('POD_IP')?.valueFrom?.fieldRef?.fieldPath, 'status.podIP');
      const http = (container(objects).ports as K8sObject[]).find((p) => p.name === 'http');
      assert.equal(vars.get('UKLAB_PEER_URL')?.value, `http://$(POD_IP):${http?.containerPort}`);
      assert.equal(vars.get('UKLAB_TRUST_PROXY')?.value, '1');
      const overrides = Object.fromEntries((Object.keys(defaultLimits()) as (keyof Limits)[]).map((k) => [k, vars.get(envName(k))?.value as string | undefined]));
      assert.doesNotThrow(() => applyOverrides(defaultLimits(), overrides));
      // Set, not left to defaults computed from the node's CPUs and memory.
      for (const k of ['maxSessions', 'poolSize', 'maxBooting'] as const) assert.ok(overrides[k], `${envName(k)} is not set`);
      assert.equal(vars.get('UKLAB_SERVER_NAME')?.valueFrom?.fieldRef?.fieldPath, 'metadata.name');
      for (const [key, name] of Object.entries(TOKEN_ENV)) {
        const ref = vars.get(name)?.valueFrom?.secretKeyRef;
        assert.equal(ref?.key, key, `${name} comes from the key ${key} of the tokens' Secret`);
        assert.match(ref.name as string, /^lab-server-tokens(-[a-z0-9]+)?$/);
      }
    });

    test('memory and CPU are requested for every session and the pool, from the measured figures', () => {
      const objects = rendered(which);
      const { requests, limits } = container(objects).resources ?? {};
      assert.ok(requests?.cpu, 'a CPU request');
      assert.ok(requests?.memory && limits?.memory, 'a memory request and limit');
      const sessions = Number(envValue(objects, envName('maxSessions')));
      const pool = Number(envValue(objects, envName('poolSize')));
      const request = bytes(requests.memory);
      const needed = ((sessions + pool) * BOOTED_VM_MIB + SERVER_MIB) * MiB;
      assert.ok(request >= needed, `memory request ${requests.memory} < (${sessions} + ${pool}) x ${BOOTED_VM_MIB} MiB + ${SERVER_MIB} MiB`);
      assert.ok(request >= (sessions * BOOTED_VM_MIB + SERVER_MIB) * MiB);
      // The limit covers what the server budgets per VM: guest memory plus 64 MiB (limits.ts).
      const vmMib = Number(envValue(objects, envName('vmMemoryMib')) ?? defaultLimits().vmMemoryMib);
      const budget = ((sessions + pool) * (vmMib + 64) + SERVER_MIB) * MiB;
      assert.ok(bytes(limits.memory) >= budget, `memory limit ${limits.memory} < (${sessions} + ${pool}) x ${vmMib + 64} MiB + ${SERVER_MIB} MiB`);
    });

    test('no privilege escalation, the default seccomp profile, only the capabilities QEMU\'s privilege drop needs', () => {
      const objects = rendered(which);
      const spec = podSpec(objects);
      const sc = container(objects).securityContext ?? {};
      assert.equal(sc.allowPrivilegeEscalation, false);
      assert.notEqual(sc.privileged, true);
      assert.equal((sc.seccompProfile ?? spec.securityContext?.seccompProfile)?.type, 'RuntimeDefault');
      assert.deepEqual(sc.capabilities?.drop, ['ALL']);
      assert.deepEqual([...(sc.capabilities?.add ?? [])].sort(), DROP_CAPABILITIES);
      assert.equal(spec.automountServiceAccountToken, false);
      assert.equal(spec.hostUsers, undefined, 'QEMU\'s uids (0x70000000 + pid) are not mapped in a user namespace');
      // /tmp: each VM's socket folder and the copies of the kernel and initramfs.
      const tmp = (container(objects).volumeMounts as K8sObject[]).find((m) => m.mountPath === '/tmp');
      assert.ok(tmp, '/tmp is a volume');
      assert.ok((spec.volumes as K8sObject[]).find((v) => v.name === tmp.name)?.emptyDir, '/tmp is an emptyDir');
      assert.ok(spec.terminationGracePeriodSeconds >= 30, 'time to stop every VM');
    });

    test(`the progress database: one PostgreSQL ${POSTGRES_MAJOR} pod, behind a Service of its own that picks only it`, () => {
      const objects = rendered(which);
      const { sts, c, env: dbEnv } = progressDb(objects);
      const service = named(objects, 'Service', PROGRESS);
      const podLabels = sts.spec.template.metadata.labels as Record<string, string>;
      const labLabels = one(objects, 'Deployment').spec.template.metadata.labels as Record<string, string>;
      assert.equal(sts.spec.replicas, 1, 'one database server');
      assert.equal(sts.spec.serviceName, service.metadata.name);
      assert.ok(selects(sts.spec.selector.matchLabels, podLabels), 'the StatefulSet\'s selector does not pick its own pods');
      assert.ok(!selects(sts.spec.selector.matchLabels, labLabels), `the StatefulSet selects ${JSON.stringify(sts.spec.selector.matchLabels)}, which picks the lab server's pods too`);
      assert.equal(service.spec.type ?? 'ClusterIP', 'ClusterIP');
      assert.ok(selects(service.spec.selector, podLabels), `the Service ${PROGRESS} selects ${JSON.stringify(service.spec.selector)}, the PostgreSQL pod is ${JSON.stringify(podLabels)}`);
      assert.ok(!selects(service.spec.selector, labLabels), `the Service ${PROGRESS} selects ${JSON.stringify(service.spec.selector)}, which picks the lab server's pods too`);
      const port = (service.spec.ports as K8sObject[]).find((p) => p.name === 'postgres');
      assert.equal(port?.port, 5432, 'the Service has port 5432, named postgres');
      const containerPort = (c.ports as K8sObject[]).find((p) => p.name === port.targetPort || p.containerPort === port.targetPort);
      assert.equal(containerPort?.containerPort, 5432, `the Service sends to ${port.targetPort}, which is not the container's 5432`);

      const image = /^docker\.io\/library\/postgres:(\d+)-bookworm$/.exec(c.image as string);
      assert.ok(image, `${c.image} is not the official postgres image on Debian 12`);
      assert.equal(Number(image[1]), POSTGRES_MAJOR, `PostgreSQL ${image[1]}: the store is tested against Debian 12's ${POSTGRES_MAJOR}`);

      assert.equal(dbEnv.get('POSTGRES_USER')?.value, 'uklab');
      assert.equal(dbEnv.get('POSTGRES_DB')?.value, 'uklab');
      // The data in a subdirectory of the claim's volume: initdb wants an empty folder.
      const mounts = (c.volumeMounts ?? []) as K8sObject[];
      const pgdata = dbEnv.get('PGDATA')?.value as string | undefined;
      const mount = mounts.find((m) => pgdata?.startsWith(`${String(m.mountPath).replace(/\/$/, '')}/`));
      assert.ok(mount, `PGDATA ${pgdata} is not under a subdirectory of a volume`);
      const claims = (sts.spec.volumeClaimTemplates ?? []) as K8sObject[];
      const claim = claims.find((t) => t.metadata.name === mount.name);
      assert.ok(claim, `the volume ${mount.name} is no volumeClaimTemplate`);
      assert.deepEqual(claim.spec.accessModes, ['ReadWriteOnce']);
      const size = bytes(claim.spec.resources.requests.storage);
      assert.equal(size, 1024 ** 3, `the claim is ${claim.spec.resources.requests.storage}`);
      const wal = /^max_wal_size=(\d+)MB$/.exec(((c.args ?? []) as string[]).find((a) => a.startsWith('max_wal_size=')) ?? '');
      assert.ok(wal && Number(wal[1]) * MiB < size / 2, 'max_wal_size is set, well under the claim (PostgreSQL\'s default, 1 GB, is all of it)');

      const probe = c.readinessProbe?.exec?.command as string[] | undefined;
      assert.deepEqual(probe, ['pg_isready', '-U', dbEnv.get('POSTGRES_USER')?.value, '-d', dbEnv.get('POSTGRES_DB')?.value]);
      const { requests, limits } = c.resources ?? {};
      assert.ok(requests?.cpu && requests?.memory && limits?.memory, 'CPU and memory requests, a memory limit');
      assert.ok(bytes(limits.memory) >= bytes(requests.memory), `memory limit ${limits.memory} < request ${requests.memory}`);
    });

    test('the lab server reaches the progress database: its Service, port, user, database and password', () => {
      const objects = rendered(which);
      const { env: dbEnv } = progressDb(objects);
      const vars = env(objects);
      const service = named(objects, 'Service', PROGRESS);
      const url = vars.get('UKLAB_PROGRESS_DB')?.value as string | undefined;
      const m = /^postgres:\/\/([^:@/]+):\$\(([A-Z_]+)\)@([^:@/]+):(\d+)\/([^/?#]+)$/.exec(url ?? '');
      assert.ok(m, `UKLAB_PROGRESS_DB is ${url}, not postgres://USER:$(${PASSWORD_ENV})@SERVICE:PORT/DATABASE`);
      const [, user, passwordVar, host, port, database] = m;
      assert.equal(host, service.metadata.name, 'the URL names the progress database\'s Service');
      assert.ok((service.spec.ports as K8sObject[]).some((p) => p.port === Number(port)), `the Service ${PROGRESS} has no port ${port}`);
      assert.equal(user, dbEnv.get('POSTGRES_USER')?.value, 'the user the database makes');
      assert.equal(database, dbEnv.get('POSTGRES_DB')?.value, 'the database it makes');
      assert.equal(passwordVar, PASSWORD_ENV);
      // Both from the same key of the same Secret (the generated one's name, in the overlay).
      const server = vars.get(PASSWORD_ENV)?.valueFrom?.secretKeyRef;
      const postgres = dbEnv.get('POSTGRES_PASSWORD')?.valueFrom?.secretKeyRef;
      assert.equal(server?.key, PASSWORD_KEY, `${PASSWORD_ENV} comes from the key ${PASSWORD_KEY}`);
      assert.deepEqual({ name: postgres?.name, key: postgres?.key }, { name: server.name, key: server.key }, 'POSTGRES_PASSWORD and the lab server\'s password come from different Secret keys');
      assert.match(server.name as string, /^lab-server-tokens(-[a-z0-9]+)?$/);
    });

    test('the PostgreSQL pod runs as the image\'s postgres user, not root, unprivileged', () => {
      const objects = rendered(which);
      const { spec, c } = progressDb(objects);
      const pod = spec.securityContext ?? {};
      const sc = c.securityContext ?? {};
      assert.equal(sc.runAsNonRoot ?? pod.runAsNonRoot, true, 'runAsNonRoot');
      assert.equal(sc.runAsUser ?? pod.runAsUser, POSTGRES_UID, 'the image\'s postgres user');
      assert.equal(pod.fsGroup, POSTGRES_UID, 'the volume is the postgres group\'s');
      assert.equal(sc.allowPrivilegeEscalation, false);
      assert.notEqual(sc.privileged, true);
      assert.deepEqual(sc.capabilities?.drop, ['ALL']);
      assert.equal(sc.capabilities?.add, undefined, 'no capabilities');
      assert.equal((sc.seccompProfile ?? pod.seccompProfile)?.type, 'RuntimeDefault');
      assert.equal(spec.automountServiceAccountToken, false);
    });
  });
}

describe(`deploy/k8s/${OVERLAY}`, () => {
  test('5 pods of 40 sessions: a workshop of 200', () => {
    const objects = rendered(OVERLAY);
    const replicas = one(objects, 'Deployment').spec.replicas as number;
    const sessions = Number(envValue(objects, 'UKLAB_MAX_SESSIONS'));
    assert.deepEqual({ replicas, sessions }, WORKSHOP);
    assert.equal(replicas * sessions, 200);
    assert.equal(envValue(objects, 'UKLAB_HIDE_SOLUTIONS'), '1');
  });

  test('the generated Secret has the three tokens and the database\'s password, and they feed the environment', () => {
    const objects = rendered(OVERLAY);
    const secret = one(objects, 'Secret');
    assert.deepEqual(Object.keys(secret.data).sort(), [...Object.keys(TOKEN_ENV), PASSWORD_KEY].sort());
    const example = new Map(
      readFileSync(join(k8s, OVERLAY, 'tokens.env.example'), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    for (const [key, name] of Object.entries(TOKEN_ENV)) {
      assert.equal(Buffer.from(secret.data[key] as string, 'base64').toString(), example.get(key));
      const value = example.get(key)!;
      assert.ok(value.length >= 16, `${key}: the server wants at least 16 characters`);
      assert.equal(env(objects).get(name)?.valueFrom?.secretKeyRef?.name, secret.metadata.name, `${name} refers to the generated Secret's name`);
    }
    assert.notEqual(example.get('token'), example.get('instructor-token'));
    // The password goes into UKLAB_PROGRESS_DB's URL as it is.
    const password = Buffer.from(secret.data[PASSWORD_KEY] as string, 'base64').toString();
    assert.equal(password, example.get(PASSWORD_KEY));
    assert.match(password, /^[A-Za-z0-9._~-]+$/, 'the database password must need no escaping in a URL');
    assert.equal(env(objects).get(PASSWORD_ENV)?.valueFrom?.secretKeyRef?.name, secret.metadata.name, `${PASSWORD_ENV} refers to the generated Secret's name`);
    assert.equal(progressDb(objects).env.get('POSTGRES_PASSWORD')?.valueFrom?.secretKeyRef?.name, secret.metadata.name, 'POSTGRES_PASSWORD refers to the generated Secret\'s name');
  });

  test('the Ingress host is an origin the server allows', () => {
    const objects = rendered(OVERLAY);
    const hosts = (one(objects, 'Ingress').spec.rules as K8sObject[]).map((r) => r.host as string | undefined);
    assert.ok(hosts.length > 0 && hosts.every(Boolean), 'every rule names the host');
    const allowed = (envValue(objects, 'UKLAB_ALLOW_ORIGINS') ?? '').split(',');
    for (const host of hosts) assert.ok(allowed.includes(`https://${host}`), `UKLAB_ALLOW_ORIGINS lacks https://${host}: the server would refuse the lab's WebSocket`);
  });

  test('kustomization.yaml is spelled for kustomize v2.0.3 (Debian 12\'s kubectl) too', () => {
    for (const dir of ['base', OVERLAY]) {
      const k = parse(readFileSync(join(DEPLOY, 'k8s', dir, 'kustomization.yaml'), 'utf8')) as Record<string, unknown>;
      for (const field of ['labels', 'patches', 'replicas']) assert.equal(k[field], undefined, `${dir}: v2.0.3 has no ${field}:`);
      for (const r of (k.resources ?? []) as string[]) assert.ok(statSync(join(DEPLOY, 'k8s', dir, r)).isFile(), `${dir}: v2.0.3 takes only files under resources:, not ${r}`);
      for (const g of (k.secretGenerator ?? []) as Record<string, unknown>[]) assert.equal(g.envs, undefined, `${dir}: v2.0.3 reads env:, not envs:`);
    }
    const ignored = readFileSync(join(DEPLOY, 'k8s', OVERLAY, '.gitignore'), 'utf8').split('\n');
    assert.ok(ignored.includes('tokens.env'), 'tokens.env is not committed');
  });
});

describe('deploy/Containerfile', () => {
  const containerfile = readFileSync(join(DEPLOY, 'Containerfile'), 'utf8');
  const instructions = containerfile.replace(/\\\n/g, ' ').split('\n').filter((l) => l.trim() && !l.startsWith('#'));

  test('is Debian 12 with Node.js 20', () => {
    assert.match(instructions[0]!, /^FROM \S*node:20-bookworm$/);
  });

  test('installs every package of LAB_PACKAGES and TAB_LAB_PACKAGES, read from lab/setup/host-packages.ts', () => {
    const install = instructions.find((l) => /apt-get install/.test(l));
    assert.match(install ?? '', /&& node --import tsx deploy\/host-packages\.ts > \/tmp\/packages +&& apt-get install -y --no-install-recommends \$\(cat \/tmp\/packages\)/);
    // What that command prints, run here as the image build runs it.
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'deploy/host-packages.ts'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const printed = r.stdout.trim().split('\n');
    for (const p of [...LAB_PACKAGES, ...TAB_LAB_PACKAGES]) assert.ok(printed.includes(p.name), `${p.name} is not installed`);
    assert.deepEqual(printed, IMAGE_PACKAGES);
    assert.equal(printed.length, new Set([...LAB_PACKAGES, ...TAB_LAB_PACKAGES].map((p) => p.name)).size, 'only the lab\'s packages');
    for (const p of DEPLOY_TEST_PACKAGES) assert.ok(!printed.includes(p.name), `${p.name} is for the tests, not the image`);
  });

  test('builds the labs and the site into the image\'s cache, and runs the server on port 3000', () => {
    assert.ok(instructions.some((l) => /^ENV .*UKLAB_CACHE=\/var\/cache\/uklab/.test(l)));
    assert.ok(instructions.some((l) => l === 'RUN npx tsx lab/cli.ts build'));
    assert.ok(instructions.some((l) => l === 'RUN npx docusaurus build'));
    assert.ok(instructions.includes('EXPOSE 3000'));
    const cmd = instructions.find((l) => l.startsWith('CMD '));
    assert.deepEqual(JSON.parse(cmd!.slice(4)), ['node', '--import', 'tsx', 'lab/server/main.ts', '--host', '0.0.0.0', '--no-site-build']);
    assert.match(readFileSync(join(REPO_ROOT, 'lab/server/main.ts'), 'utf8'), /'no-site-build': \{ type: 'boolean'/);
  });

  test('the ignore files keep out what the image builds itself, and the tokens', () => {
    const podman = readFileSync(join(DEPLOY, '.containerignore'), 'utf8');
    assert.equal(readFileSync(join(DEPLOY, 'Containerfile.dockerignore'), 'utf8'), podman, 'the two ignore files differ');
    const lines = podman.split('\n');
    for (const p of ['node_modules', 'build', 'test-results', '.git', 'deploy/k8s/**/tokens.env']) assert.ok(lines.includes(p), `${p} is not ignored`);
  });
});
