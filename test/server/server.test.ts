// The lab server for real: a real WebSocket client, a real server, real VMs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WebSocket } from 'ws';
import type { LabServer } from '../../lab/server/server.ts';
import { childQemuPids, isAlive, waitGone } from '../helpers/processes.ts';
import { LabClient, startTestServer } from './client.ts';
import { MAX_BUILD_FRAME_BYTES, PROTOCOL_VERSION } from '../../lab/protocol.ts';

let server: LabServer;

// The server runs in this process: collect garbage before reading its heap.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapAfterGC(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

before(async () => {
  // Many connections at once from loopback are this suite's doing, not an attack (hardening.test.ts tests the cap).
  server = await startTestServer({ maxSessions: 3, poolSize: 1, graceMs: 1500, highWatermark: 64 * 1024, lowWatermark: 8 * 1024, maxPendingPerAddress: 256 });
});

after(async () => {
  await server?.close();
});

/** Wait until earlier sessions' grace periods are over and a new session fits. */
async function roomForOne(): Promise<void> {
  const end = Date.now() + 20_000;
  while (!server.registry.hasRoom() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
}

function sessionPid(id: string | undefined): number | undefined {
  return server.registry.all().find((s) => s.id === id)?.vmPid;
}

describe('a session', () => {
  let c: LabClient;
  let sessionId: string | undefined;

  before(async () => {
    c = new LabClient(server.url, { lesson: 'hello', cols: 91, rows: 27 });
    const ready = await c.status('ready');
    sessionId = ready.session;
  });
  after(async () => {
    await c.close();
  });

  test('shows a prompt in the lesson folder, and a command prints its output', async () => {
    await c.until(() => /lab:\/lab\/hello# /.test(c.text()), 10_000, 'the prompt');
    assert.equal(await c.run('echo $((6 * 7))'), '42');
    assert.equal(await c.run('pwd'), '/lab/hello');
  });

  test('the terminal size reaches the guest, at hello and on resize', async () => {
    assert.equal(await c.run('stty size'), '27 91');
    c.send({ type: 'resize', cols: 120, rows: 40 });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await c.run('stty size'), '40 120');
  });

  test('a second console opens into the same VM', async () => {
    const c2 = new LabClient(server.url, { lesson: 'hello', resume: sessionId, console: 1, cols: 70, rows: 20 });
    try {
      await c2.status('ready');
      assert.equal(await c2.run('tty'), '/dev/ttyS3');
      assert.equal(await c2.run('pwd'), '/lab/hello');
      assert.equal(await c2.run('stty size'), '20 70');
      await c2.run('echo from-console-1 > /tmp/shared');
      assert.equal(await c.run('cat /tmp/shared'), 'from-console-1');
      // One waits for a signal, the other sends it: the signal lesson's set-up.
      c.input(`sh -c 'trap "echo got-USR1; exit" USR1; echo $$ > /tmp/pid; while :; do sleep 1; done'\n`);
      assert.equal(await c2.run('while [ ! -s /tmp/pid ]; do sleep 0.1; done; kill -USR1 $(cat /tmp/pid) && echo sent'), 'sent');
      await c.until(() => /got-USR1/.test(c.text()), 10_000, 'the trap');
      assert.equal(await c.run('echo back'), 'back');
    } finally {
      await c2.close();
    }
  });

  test('a dropped connection resumes the same VM within the grace period', async () => {
    const pid = sessionPid(sessionId);
    await c.run('echo kept > /tmp/state');
    c.ws.terminate();
    await new Promise((r) => setTimeout(r, 300));
    c = new LabClient(server.url, { lesson: 'hello', resume: sessionId });
    const ready = await c.status('ready');
    assert.equal(ready.resumed, true);
    assert.equal(ready.session, sessionId);
    assert.equal(sessionPid(sessionId), pid);
    assert.equal(await c.run('cat /tmp/state'), 'kept');
  });

  test('reset gives a fresh VM, one the pool had ready', async () => {
    const before = sessionPid(sessionId)!;
    await c.run('echo old > /tmp/state');
    await c.until(() => server.pool.stats.idle > 0, 30_000, 'a pooled VM');
    // The VMs up before the reset: the one it gets must be among them, not a new boot.
    const pooled = new Set(childQemuPids());
    const n = c.statuses.length;
    c.send({ type: 'reset' });
    await c.until(() => c.statuses.slice(n).find((s) => s.state === 'ready'), 10_000, 'ready after reset');
    assert.ok(c.statuses.slice(n).some((s) => s.state === 'booting'), 'the terminal is told to clear');
    const after = sessionPid(sessionId)!;
    assert.notEqual(after, before);
    assert.ok(pooled.has(after), `the new VM (${after}) was one of the pool's (${[...pooled].join(', ')})`);
    assert.equal(await c.run('cat /tmp/state 2>/dev/null || echo none'), 'none');
    assert.equal(await c.run('pwd'), '/lab/hello');
    assert.ok(await waitGone(before), 'the old VM is reaped');
  });

  test('a kernel panic is reported with the console tail, counted in the metrics, and one reset recovers', async () => {
    const panics = async (): Promise<number> => Number(/^uklab_vm_panics_total (\d+)$/m.exec((await server.metrics.render()).body)?.[1]);
    const counted = await panics();
    const n = c.statuses.length;
    c.input('echo c > /proc/sysrq-trigger\n');
    const panic = await c.until(() => c.statuses.slice(n).find((s) => s.state === 'panic'), 20_000, 'panic');
    assert.match(panic.message ?? '', /sysrq triggered crash/);
    assert.match(panic.tail ?? '', /Kernel panic - not syncing/);
    assert.equal(await panics(), counted + 1);
    const m = c.statuses.length;
    c.send({ type: 'reset' });
    await c.until(() => c.statuses.slice(m).find((s) => s.state === 'ready'), 30_000, 'ready after reset');
    assert.equal(await c.run('echo alive'), 'alive');
  });

  test('poweroff is reported as exited', async () => {
    const n = c.statuses.length;
    c.input('poweroff\n');
    const st = await c.until(() => c.statuses.slice(n).find((s) => s.state === 'exited'), 20_000, 'exited');
    assert.equal(st.reason, 'poweroff');
    c.send({ type: 'reset' });
    await c.until(() => c.statuses.slice(n).find((s) => s.state === 'ready'), 30_000, 'ready after reset');
  });
});

describe('flow control', () => {
  test('a flood of output neither grows the server without bound nor freezes input', { timeout: 120_000 }, async () => {
    const c = new LabClient(server.url, { lesson: 'hello', autoAck: false, keep: 64 * 1024 });
    try {
      await c.status('ready');
      c.ack();
      // About 450 000 characters on the terminal, then a command typed during the flood.
      c.input('yes | head -c 300000; echo flood-""done\n');
      // A terminal that never acknowledges: the server stops reading at the high watermark.
      await c.until(() => c.received > 64 * 1024, 60_000, 'the high watermark');
      await new Promise((r) => setTimeout(r, 500));
      const stuck = c.received;
      const heap0 = heapAfterGC();
      await new Promise((r) => setTimeout(r, 2000));
      assert.ok(c.received <= 64 * 1024 * 2 + 4096, `got ${c.received} unacknowledged characters`);
      assert.ok(c.received - stuck < 8192, 'output kept coming without acks');
      // Input still reaches the guest while its output is held back.
      c.input('echo typed-""during-flood\n');
      // A terminal that acknowledges: output flows, and the server's memory stays flat.
      c.autoAck = true;
      c.ack();
      let maxPending = 0;
      await c.until(() => {
        maxPending = Math.max(maxPending, server.registry.all().reduce((n, s) => n + s.pendingOutput, 0));
        return /flood-done/.test(c.output.slice(-4096));
      }, 90_000, 'the end of the flood');
      assert.ok(maxPending <= 2 * 64 * 1024, `the server held ${maxPending} characters`);
      await c.until(() => /\ntyped-during-flood/.test(c.text().slice(-4096)), 10_000, 'the command typed during the flood');
      const grew = heapAfterGC() - heap0;
      assert.ok(grew < 16 * 1024 * 1024, `the server's heap grew by ${(grew / 1048576).toFixed(1)} MiB`);
      assert.equal(await c.run('echo still-here'), 'still-here');
    } finally {
      await c.close();
    }
  });
});

describe('limits and refusals', () => {
  test('a cross-origin upgrade is refused with 403', async () => {
    for (const origin of ['http://evil.example', `http://127.0.0.1:${server.port + 1}`, 'null']) {
      const c = new LabClient(server.url, { origin });
      await assert.rejects(c.opened, /403/);
    }
    // A rebinding DNS name: right Origin for the name, but not this server's Host.
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/lab/ws`, { headers: { Host: `evil.example:${server.port}` }, origin: `http://evil.example:${server.port}` });
    await assert.rejects(new Promise((res, rej) => (ws.once('open', res), ws.once('unexpected-response', (_q, r) => rej(new Error(String(r.statusCode)))))), /403/);
  });

  test('the session limit answers "full" at once, not a hang', async () => {
    // The describe above left its session in its grace period; fill up to the limit.
    const clients: LabClient[] = [];
    try {
      while (server.registry.liveVMs < 3) {
        const c = new LabClient(server.url);
        clients.push(c);
        await c.until(() => c.statuses.length > 0, 10_000, 'a status');
      }
      const t0 = Date.now();
      const extra = new LabClient(server.url);
      const full = await extra.status('full', 5000);
      assert.match(full.message ?? '', /full/i);
      await extra.until(() => extra.closed, 5000, 'close');
      assert.equal(extra.closed?.code, 1013);
      assert.ok(Date.now() - t0 < 2000);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  test('200 malformed frames close their connections and the server keeps serving', { timeout: 120_000 }, async () => {
    const V = PROTOCOL_VERSION;
    const bad: (string | Buffer)[] = [
      'not json',
      '[]',
      'null',
      '{"type":"input","data":"ls\\n"}',
      `{"type":"hello","v":${V},"lesson":"../../etc","cols":80,"rows":24}`,
      `{"type":"hello","v":${V - 1},"lesson":"hello","cols":80,"rows":24}`, // an old page
      `{"type":"hello","v":${V},"lesson":"hello","cols":80,"rows":99999}`,
      `{"type":"hello","v":${V},"lesson":"hello","cols":80,"rows":24,"extra":1}`,
      `{"type":"hello","v":${V},"lesson":"nope","cols":80,"rows":24}`,
      `{"type":"hello","v":${V},"lesson":"hello","console":1,"cols":80,"rows":24}`,
      `{"type":"hello","v":${V},"lesson":"hello","console":7,"cols":80,"rows":24}`,
      '{"type":"ack","chars":-1}',
      '{"type":"__proto__"}',
      `{"type":"input","data":"${'x'.repeat(70 * 1024)}"}`,
      Buffer.from([0xff, 0xfe, 0x00]),
      // A build before the hello; a build frame too large even for a build.
      '{"type":"build","id":1,"files":[{"name":"hello.c","text":""}]}',
      `{"type":"build","id":1,"files":[{"name":"hello.c","text":"${'x'.repeat(MAX_BUILD_FRAME_BYTES)}"}]}`,
    ];
    await roomForOne();
    const good = new LabClient(server.url);
    try {
      await good.status('ready');
      const rss0 = process.memoryUsage().rss;
      const results = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const ws = new WebSocket(`ws://127.0.0.1:${server.port}/lab/ws`, { origin: server.url });
          const frame = bad[i % bad.length]!;
          return new Promise<number>((resolve) => {
            ws.on('open', () => ws.send(frame, { binary: Buffer.isBuffer(frame) }));
            ws.on('close', (code) => resolve(code));
            ws.on('error', () => undefined);
          });
        }),
      );
      for (const code of results) assert.ok(code === 1008 || code === 1009, `closed with ${code}`);
      assert.equal(await good.run('echo still-serving'), 'still-serving');
      assert.ok(process.memoryUsage().rss - rss0 < 64 * 1024 * 1024);
      // Frames out of order on a live session close it too, and only it.
      const c = new LabClient(server.url);
      await c.until(() => c.statuses.length > 0, 10_000, 'a status');
      c.send({ type: 'hello', v: PROTOCOL_VERSION, lesson: 'hello', cols: 80, rows: 24 });
      await c.until(() => c.closed, 5000, 'close');
      assert.equal(c.closed?.code, 1008);
      assert.match(c.closed?.reason ?? '', /hello sent twice/);
      assert.equal(await good.run('echo and-still'), 'and-still');
    } finally {
      await good.close();
    }
  });

  test('a closed connection stops its VM after the grace period', async () => {
    await roomForOne();
    const c = new LabClient(server.url);
    const ready = await c.status('ready', 30_000);
    const pid = sessionPid(ready.session)!;
    assert.ok(isAlive(pid));
    await c.close();
    assert.ok(await waitGone(pid, 10_000), 'the VM outlived the grace period');
  });
});

describe('an access token', () => {
  test('a bad or missing token is refused', async () => {
    const s = await startTestServer({ poolSize: 0 }, { token: 'the-right-token-1234' });
    try {
      for (const [token, reason] of [['a-wrong-token-12345', 'token-bad'], [undefined, 'token-required']] as const) {
        const c = new LabClient(s.url, { token });
        const err = await c.status('error', 5000);
        assert.equal(err.reason, reason);
        await c.until(() => c.closed, 5000, 'close');
        assert.equal(c.closed?.code, 1008);
        assert.equal(c.closed?.reason, reason, 'the close reason carries the same code');
      }
      assert.equal(s.registry.size, 0, 'no session was opened');
    } finally {
      await s.close();
    }
  });
});

test('leaves no QEMU process behind', async () => {
  await server.close();
  for (const pid of childQemuPids()) await waitGone(pid, 5000);
  assert.deepEqual(childQemuPids(), []);
});
