// /healthz, /readyz and /metrics (lab/server/probes.ts, metrics.ts): first
// the metrics and the handler on their own, with made-up counts, then the
// real server with real VMs, where a learner's session, a refusal and
// typing must show in what Prometheus would read.
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { SessionState } from '../../lab/protocol.ts';
import { LabMetrics, type MetricsSources } from '../../lab/server/metrics.ts';
import { HEALTH_PATH, METRICS_PATH, READY_PATH, probeHandler } from '../../lab/server/probes.ts';
import type { LabServer } from '../../lab/server/server.ts';
import { LabClient, startTestServer } from './client.ts';

interface Reply {
  status: number;
  type: string;
  body: string;
}

function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The value of one series in Prometheus' text format, or undefined when it is not there. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function fakeSources(over: Partial<MetricsSources> = {}): MetricsSources {
  return {
    sessions: () => new Map<SessionState, number>([['ready', 2], ['panic', 1]]),
    maxSessions: 4,
    pool: () => ({ idle: 1, booting: 2, waiting: 3 }),
    room: () => 1,
    connections: () => ({ open: 5, pending: 1 }),
    builds: () => ({ queued: 0, running: 1 }),
    ...over,
  };
}

describe('the metrics, from made-up counts', () => {
  test("what the server's parts say now, read at each scrape", async () => {
    let ready = 2;
    const m = new LabMetrics(fakeSources({ sessions: () => new Map([['ready', ready]]) }));
    let { body, contentType } = await m.render();
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    assert.equal(sample(body, 'uklab_sessions{state="ready"}'), 2);
    assert.equal(sample(body, 'uklab_sessions{state="booting"}'), 0, 'every state is there, at 0 when no session is in it');
    assert.equal(sample(body, 'uklab_sessions_max'), 4);
    assert.equal(sample(body, 'uklab_pool_vms{state="booting"}'), 2);
    assert.equal(sample(body, 'uklab_pool_waiting_learners'), 3);
    assert.equal(sample(body, 'uklab_connections{stage="before-hello"}'), 1);
    assert.equal(sample(body, 'uklab_builds{stage="running"}'), 1);
    assert.ok(sample(body, 'uklab_server_process_resident_memory_bytes')! > 0, "the process's own metrics, prefixed");
    ready = 3;
    ({ body } = await m.render());
    assert.equal(sample(body, 'uklab_sessions{state="ready"}'), 3);
  });

  test('what happened, counted: boots, panics, refusals, builds and echoes, durations in seconds', async () => {
    const m = new LabMetrics(fakeSources({ builds: () => undefined }));
    m.boot('ready', 700, 'boot');
    m.boot('ready', 3000, 'boot');
    m.boot('failed', 60_000, 'boot');
    m.boot('ready', 90, 'restore');
    m.panic();
    m.refused('full');
    m.refused('full');
    m.refused('token-bad');
    m.build('failed', 1500);
    m.echo(4);
    const { body } = await m.render();
    assert.equal(sample(body, 'uklab_vm_boot_seconds_count{outcome="ready",start="boot"}'), 2);
    assert.equal(sample(body, 'uklab_vm_boot_seconds_bucket{le="1",outcome="ready",start="boot"}'), 1, '0.7 s is under 1 s, 3 s is not');
    assert.equal(sample(body, 'uklab_vm_boot_seconds_sum{outcome="ready",start="boot"}'), 3.7);
    assert.equal(sample(body, 'uklab_vm_boot_seconds_count{outcome="failed",start="boot"}'), 1);
    assert.equal(sample(body, 'uklab_vm_boot_seconds_bucket{le="0.1",outcome="ready",start="restore"}'), 1, 'restores go into the same histogram, apart');
    assert.equal(sample(body, 'uklab_vm_panics_total'), 1);
    assert.equal(sample(body, 'uklab_refusals_total{reason="full"}'), 2);
    assert.equal(sample(body, 'uklab_refusals_total{reason="token-bad"}'), 1);
    assert.equal(sample(body, 'uklab_build_seconds_count{outcome="failed"}'), 1);
    assert.equal(sample(body, 'uklab_echo_seconds_bucket{le="0.005"}'), 1);
    assert.ok(!body.includes('uklab_builds{'), 'a server that does not build has no build queue to report');
  });

  test('two servers in one process keep their counts apart', async () => {
    const a = new LabMetrics(fakeSources());
    const b = new LabMetrics(fakeSources());
    a.panic();
    assert.equal(sample((await b.render()).body, 'uklab_vm_panics_total'), 0);
  });
});

describe('the probes, on their own', () => {
  let server: Server;
  let base = '';
  let ready = true;

  before(async () => {
    const probes = probeHandler({
      ready: () => ready,
      metrics: new LabMetrics(fakeSources()),
      metricsToken: 'a-scraper-token-0123456789',
      ownHost: (req) => req.headers.host === 'lab.example',
    });
    server = createServer((req, res) => probes(req, res) || res.writeHead(404).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('alive and ready answer anyone; ready says 503 once there is no room', async () => {
    assert.deepEqual(await get(base, HEALTH_PATH, { host: 'anything' }).then((r) => [r.status, r.body]), [200, 'ok\n']);
    assert.equal((await get(base, READY_PATH)).status, 200);
    ready = false;
    const full = await get(base, READY_PATH);
    assert.equal(full.status, 503);
    assert.match(full.body, /no room/);
    ready = true;
  });

  test("metrics answer the server's own Host, or the metrics token; nobody else", async () => {
    assert.equal((await get(base, METRICS_PATH, { host: 'lab.example' })).status, 200);
    assert.equal((await get(base, METRICS_PATH, { host: 'evil.example' })).status, 403);
    const scraper = await get(base, METRICS_PATH, { host: '10.0.0.7:3000', authorization: 'Bearer a-scraper-token-0123456789' });
    assert.equal(scraper.status, 200);
    assert.match(scraper.body, /^# HELP uklab_/m);
    assert.equal((await get(base, METRICS_PATH, { host: '10.0.0.7:3000', authorization: 'Bearer wrong' })).status, 403);
  });

  test('only GET and HEAD; other paths go on to the next handler', async () => {
    assert.equal((await get(base, HEALTH_PATH, {}, 'POST')).status, 405);
    assert.equal((await get(base, '/healthz-not')).status, 404);
  });
});

describe('the probes and metrics of the real server', () => {
  let server: LabServer;

  before(async () => {
    server = await startTestServer({ maxSessions: 1, poolSize: 1, graceMs: 500 });
  });
  after(async () => {
    await server?.close();
  });

  test("a learner's session fills the server: ready goes 503, a second learner is refused, and the metrics show it all", async () => {
    assert.equal((await get(server.url, HEALTH_PATH)).status, 200);
    assert.equal((await get(server.url, READY_PATH)).status, 200);
    const c = new LabClient(server.url, { lesson: 'hello' });
    try {
      const ready = await c.status('ready', 60_000);
      assert.equal(ready.started, 'restore', 'the VM came from the snapshot');
      assert.equal(await c.run('echo $((6 * 7))'), '42');
      assert.equal((await get(server.url, READY_PATH)).status, 503);
      const extra = new LabClient(server.url, { lesson: 'hello' });
      await extra.status('full', 10_000);
      await extra.close();
      const own = new URL(server.url).host;
      const m = await get(server.url, METRICS_PATH, { host: own });
      assert.equal(m.status, 200);
      assert.equal(sample(m.body, 'uklab_sessions{state="ready"}'), 1);
      assert.equal(sample(m.body, 'uklab_sessions_room'), 0);
      assert.equal(sample(m.body, 'uklab_refusals_total{reason="full"}'), 1);
      assert.ok(sample(m.body, 'uklab_vm_boot_seconds_count{outcome="ready",start="restore"}')! >= 1, 'the restore of the VM the learner got');
      assert.equal(sample(m.body, 'uklab_vm_boot_seconds_count{outcome="ready",start="boot"}'), undefined, 'no VM booted');
      assert.ok(sample(m.body, 'uklab_echo_seconds_count')! >= 1, 'what the learner typed came back');
      assert.equal((await get(server.url, METRICS_PATH, { host: 'evil.example' })).status, 403);
    } finally {
      await c.close();
    }
    // The grace period over, the session ends and the room is back.
    const end = Date.now() + 20_000;
    while ((await get(server.url, READY_PATH)).status !== 200 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    assert.equal((await get(server.url, READY_PATH)).status, 200);
  });
});

describe('a server that boots its VMs (--no-snapshot)', () => {
  let server: LabServer;

  before(async () => {
    server = await startTestServer({ maxSessions: 1, poolSize: 0 }, { snapshot: false });
  });
  after(async () => {
    await server?.close();
  });

  test("says so in its status, in the learner's and in its metrics", async () => {
    assert.equal(server.starts, 'boot');
    const c = new LabClient(server.url, { lesson: 'hello' });
    try {
      const ready = await c.status('ready', 60_000);
      assert.equal(ready.started, 'boot');
      const m = await get(server.url, METRICS_PATH, { host: new URL(server.url).host });
      assert.equal(sample(m.body, 'uklab_vm_boot_seconds_count{outcome="ready",start="boot"}'), 1);
    } finally {
      await c.close();
    }
  });
});
