// The page's own WebSocket transport (src/components/LabTerminal/) against
// the real server and a real VM: if the page and the server ever spoke two
// versions of the protocol, this fails. Both import lab/protocol.ts; this
// proves that what the page sends is what the server takes, and back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import type { LabServer } from '../../lab/server/server.ts';
import { stripTerminal } from '../../lab/vm/console.ts';
import type { LabStatus } from '../../src/components/LabTerminal/transport.ts';
import { labSocketUrl, WebSocketTransport, type SocketLike } from '../../src/components/LabTerminal/websocket-transport.ts';
import { startTestServer } from './client.ts';

let server: LabServer;
const TOKEN = 'page-transport-token-0001';

before(async () => {
  server = await startTestServer({ poolSize: 1, maxSessions: 2, graceMs: 5000 }, { token: TOKEN });
});
after(async () => {
  await server?.close();
});

/**
 * The page's transport with the `ws` package for the browser's WebSocket,
 * and what it reports. `ack`: acknowledge output as it arrives, as the
 * page's terminal does once xterm.js has written it; without, the server
 * stops sending past its high watermark (128 KiB unacknowledged).
 */
function pageTransport(token: string | undefined, consoleIndex: 0 | 1 = 0, { ack = false } = {}) {
  const statuses: LabStatus[] = [];
  let output = '';
  const url = new URL(server.url);
  const t = new WebSocketTransport({
    lesson: 'hello',
    console: consoleIndex,
    url: labSocketUrl({ protocol: url.protocol, host: url.host }),
    token: () => token,
    events: {
      output: (d) => {
        output += d;
        if (ack) t.ack(d.length);
      },
      status: (s) => statuses.push(s),
    },
    // A browser sends the page's origin itself.
    socket: (u) => new WebSocket(u, { origin: server.url }) as unknown as SocketLike,
  });
  const until = async <T>(f: () => T | undefined | false, what: string, ms = 60_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = f();
      if (v) return v;
      if (Date.now() > end) throw new Error(`no ${what}: ${JSON.stringify(statuses)} ${JSON.stringify(output.slice(-200))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { t, statuses, text: () => stripTerminal(output), clear: () => (output = ''), until };
}

test("the page's transport: a refused token is a reason code, then the lab works with the right one", { timeout: 120_000 }, async () => {
  const wrong = pageTransport('not-the-token-at-all');
  wrong.t.open(80, 24);
  const refused = await wrong.until(() => wrong.statuses.find((s) => s.state === 'error'), 'refusal');
  assert.equal(refused.reason, 'token-bad');
  wrong.t.close();

  const p = pageTransport(TOKEN);
  p.t.open(80, 24);
  await p.until(() => p.statuses.find((s) => s.state === 'ready'), 'ready');
  await p.until(() => /lab:\/lab\/hello# $/.test(p.text()), 'the prompt');
  p.t.input('echo $((6 * 7))-from-the-page\r');
  await p.until(() => /42-from-the-page/.test(p.text()), 'the output');
  // What the page acknowledges, the server takes (more would close the connection).
  p.t.ack(p.text().length);
  p.t.resize(101, 33);
  await new Promise((r) => setTimeout(r, 300));
  p.clear();
  p.t.input('stty size\r');
  await p.until(() => /33 101/.test(p.text()), 'the new size');

  // A second console joins through the first one's session.
  const events = { output: () => undefined, status: (s: LabStatus) => second.push(s) };
  const second: LabStatus[] = [];
  const c1 = p.t.openConsole(1, events);
  assert.ok(c1, 'the first console is up, so the second can join');
  c1.open(80, 24);
  await p.until(() => second.find((s) => s.state === 'ready'), 'console 1 ready');
  c1.close();

  // A dropped connection, then open() again: the same VM, resumed.
  const pid = server.registry.all()[0]?.vmPid;
  p.t.close();
  p.t.open(80, 24);
  const n = p.statuses.length;
  await p.until(() => p.statuses.slice(n).find((s) => s.state === 'ready'), 'ready after reconnect');
  assert.equal(server.registry.all().length, 1, 'no new session');
  assert.equal(server.registry.all()[0]?.vmPid, pid, 'the same VM');
  p.t.close();
});

test("the page's transport: a paste into a shell that does not read waits in the page, and Ctrl-C stops it at once", { timeout: 120_000 }, async () => {
  // Acknowledged, as on the page: the guest echoes what it takes of the
  // paste (53 KiB before the Ctrl-C in one quiet run), and unacknowledged
  // echo counts toward the high watermark, past which the server would
  // hold back the prompt too.
  const p = pageTransport(TOKEN, 0, { ack: true });
  p.t.open(80, 24);
  await p.until(() => p.statuses.find((s) => s.state === 'ready'), 'ready');
  await p.until(() => /lab:\/lab\/hello# $/.test(p.text()), 'the prompt');
  p.t.input('sleep 60\r');
  await new Promise((r) => setTimeout(r, 500));
  // A megabyte pasted into the terminal while the shell sleeps.
  p.t.input('x'.repeat(1024 * 1024));
  await new Promise((r) => setTimeout(r, 2000));
  const session = server.registry.all().find((s) => s.attached > 0)!;
  assert.ok(session.pendingInput <= 32 * 1024, `the server holds ${session.pendingInput} characters`);
  p.clear();
  const t0 = Date.now();
  p.t.input('\x03');
  await p.until(() => /lab:\/lab\/hello# $/.test(p.text().slice(-100)), 'the prompt after Ctrl-C', 30_000);
  const took = Date.now() - t0;
  // Only what the guest's console already had is ahead of the Ctrl-C: a
  // pty's buffer and one window at the most, not the megabyte.
  assert.ok(took < 10_000, `Ctrl-C took ${took} ms`);
  console.log(`# Ctrl-C after a 1 MiB paste into a sleeping shell: prompt back in ${took} ms`);
  p.t.close();
});
