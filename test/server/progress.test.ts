// A workshop's progress on the server: the frames as the protocol reads
// them, and a real server that files a learner's reports, exports them to
// the instructor only, and still has them after a restart. The stores on
// their own are workshop-store.test.ts's.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseClientFrame, ProtocolError, PROTOCOL_VERSION } from '../../lab/protocol.ts';
import { PROGRESS_CSV_PATH } from '../../lab/instructor-protocol.ts';
import { CSV_HEADER } from '../../lab/server/workshop-store.ts';
import type { LabServer } from '../../lab/server/server.ts';
import { LabClient, startTestServer } from './client.ts';

const scratch = mkdtempSync(join(tmpdir(), 'uklab-progress-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const LEARNER = 'learner-0123456789abcdef';
const INSTRUCTOR = 'instructor-token-0123456789';

describe('progress frames', () => {
  test('a report and a learner in the hello are read; anything else is refused', () => {
    assert.deepEqual(parseClientFrame('{"type":"progress","lesson":"procfs-sysfs","step":"exercise-2-check","event":"passed"}'), {
      type: 'progress',
      lesson: 'procfs-sysfs',
      step: 'exercise-2-check',
      event: 'passed',
    });
    const hello = parseClientFrame(`{"type":"hello","v":${PROTOCOL_VERSION},"lesson":"ioctl","cols":80,"rows":24,"learner":"${LEARNER}"}`);
    assert.equal(hello.type === 'hello' && hello.learner, LEARNER);
    for (const bad of [
      '{"type":"progress","lesson":"ioctl","step":"step-load","event":"done"}',
      '{"type":"progress","lesson":"ioctl","step":"../etc","event":"ran"}',
      '{"type":"progress","lesson":"Ioctl","step":"step-load","event":"ran"}',
      '{"type":"progress","lesson":"ioctl","step":"step-load","event":"ran","extra":1}',
      `{"type":"hello","v":${PROTOCOL_VERSION},"lesson":"ioctl","cols":80,"rows":24,"learner":"short"}`,
    ]) {
      assert.throws(() => parseClientFrame(bad), ProtocolError, bad);
    }
  });
});

describe('a lab server that keeps a workshop’s progress', () => {
  const file = join(scratch, 'server.db');
  let server: LabServer | undefined;

  after(async () => {
    await server?.close();
  });

  const csv = async (token?: string): Promise<{ status: number; body: string }> => {
    const res = await fetch(`${server!.url}${PROGRESS_CSV_PATH}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
    return { status: res.status, body: await res.text() };
  };

  test("files a learner's reports, exports them to the instructor only, and keeps them across a restart", { timeout: 120_000 }, async () => {
    server = await startTestServer({ maxSessions: 2, poolSize: 1 }, { progressDb: file, instructorToken: INSTRUCTOR });
    const c = new LabClient(server.url, { lesson: 'hello', learner: LEARNER });
    try {
      await c.status('ready', 60_000);
      c.send({ type: 'progress', lesson: 'hello', step: 'step-load', event: 'ran' });
      c.send({ type: 'progress', lesson: 'hello', step: 'exercise-1-check', event: 'ran' });
      c.send({ type: 'progress', lesson: 'hello', step: 'exercise-1-check', event: 'passed' });
      // The learner's terminal goes on as before.
      assert.equal(await c.run('echo $((6 * 7))'), '42');
      // A report of the wrong shape ends that connection, as any bad frame does, and nothing else.
      const bad = new LabClient(server.url, { lesson: 'hello', learner: 'another-learner-000001', resume: c.statuses.at(-1)?.session, console: 1 });
      await bad.status('ready', 30_000);
      bad.send({ type: 'progress', lesson: 'hello', step: 'rm -rf /', event: 'ran' });
      await bad.until(() => bad.closed !== undefined, 5000, 'the close');
      assert.equal(await c.run('echo still'), 'still');
    } finally {
      await c.close();
    }
    assert.equal((await csv()).status, 403, 'no token');
    assert.equal((await csv('wrong-token-0123456789')).status, 403, 'a wrong one');
    const got = await csv(INSTRUCTOR);
    assert.equal(got.status, 200);
    const rows = got.body.trim().split('\r\n');
    assert.equal(rows[0], CSV_HEADER);
    assert.equal(rows.length, 3, got.body);
    const row = (step: string): string | undefined => rows.find((r) => r.startsWith(`${LEARNER},hello,${step},`));
    assert.match(row('step-load') ?? '', /,1,$/, 'run once, no verdict');
    assert.match(row('exercise-1-check') ?? '', /,1,20\d\d-\d\d-\d\dT[^,]+$/, 'run once, passed');
    await server.close();
    server = await startTestServer({ maxSessions: 1, poolSize: 0 }, { progressDb: file, instructorToken: INSTRUCTOR });
    assert.equal((await csv(INSTRUCTOR)).body, got.body, 'the restarted server has the same');
  });
});
