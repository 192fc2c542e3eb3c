// The QMP client against a made-up monitor: what QEMU's monitor sends is
// JSON lines (a greeting, one answer per command in order, events between
// them), which a test can send exactly, split or garbled.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { QmpClient } from '../../lab/vm/qmp.ts';

const dir = mkdtempSync(join(tmpdir(), 'uklab-qmp-test-'));
const path = join(dir, 'qmp.sock');
let server: Server;
let peer: Socket | undefined;

before(async () => {
  server = createServer((conn) => {
    peer = conn;
    conn.write('{"QMP": {"version": {}, "capabilities": ["oob"]}}\n');
    let partial = '';
    // Writes in order, some after a pause: an answer may come in two pieces.
    let out = Promise.resolve();
    const send = (text: string, delayMs = 0): void => {
      out = out.then(() => new Promise((r) => setTimeout(() => conn.write(text, () => r()), delayMs)));
    };
    conn.on('data', (d) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const { execute } = JSON.parse(line) as { execute: string };
        if (execute === 'fails') send('{"error": {"class": "GenericError", "desc": "it failed"}}\n');
        // An event before the answer, an answer split in two writes, a line that is not JSON.
        else if (execute === 'query-status') {
          send('not json\n{"event": "RESUME", "timestamp": {}}\n{"return": {"sta');
          send('tus": "running"}}\n', 20);
        } else if (execute !== 'never-answered') send('{"return": {}}\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(path, r));
});

after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('commands get their answers in order, errors reject, events arrive between them', async () => {
  const qmp = await QmpClient.connect(path, 1000);
  const resumed = qmp.next('RESUME');
  const [status, failed] = await Promise.allSettled([qmp.execute('query-status'), qmp.execute('fails')]);
  assert.deepEqual(status, { status: 'fulfilled', value: { status: 'running' } });
  assert.equal(failed.status, 'rejected');
  assert.match(String((failed as PromiseRejectedResult).reason), /it failed/);
  assert.equal((await resumed).event, 'RESUME');
  const stop = qmp.next('STOP');
  const pending = qmp.execute('never-answered');
  peer?.destroy();
  await assert.rejects(pending, /closed its monitor/);
  await assert.rejects(stop, /closed its monitor before STOP/);
  await assert.rejects(qmp.execute('after'), /closed its monitor/);
});

test('no monitor at the path: a clear error after the deadline', async () => {
  await assert.rejects(QmpClient.connect(join(dir, 'none.sock'), 50), /no monitor at .*none\.sock within 50 ms/);
});
