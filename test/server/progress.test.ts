// A workshop's progress on the server: the SQLite store on its own (a real
// file, two handles as two servers would have), the frames as the protocol
// reads them, and a real server that files a learner's reports, exports them
// to the instructor only, and still has them after a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseClientFrame, ProtocolError, PROTOCOL_VERSION } from '../../lab/protocol.ts';
import { PROGRESS_CSV_PATH } from '../../lab/server/instructor.ts';
import { CSV_HEADER, WorkshopProgress } from '../../lab/server/progress-db.ts';
import type { LabServer } from '../../lab/server/server.ts';
import { LabClient, startTestServer } from './client.ts';

const scratch = mkdtempSync(join(tmpdir(), 'uklab-progress-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const LEARNER = 'learner-0123456789abcdef';
const INSTRUCTOR = 'instructor-token-0123456789';

describe('the progress store', () => {
  test('runs are counted, a check keeps its last verdict, and a reopened file has it all', () => {
    const file = join(scratch, 'one.db');
    const db = new WorkshopProgress(file);
    db.record(LEARNER, { lesson: 'ioctl', step: 'step-load', event: 'ran' }, 1000);
    db.record(LEARNER, { lesson: 'ioctl', step: 'exercise-1-check', event: 'ran' }, 2000);
    db.record(LEARNER, { lesson: 'ioctl', step: 'exercise-1-check', event: 'not-yet' }, 2100);
    db.record(LEARNER, { lesson: 'ioctl', step: 'exercise-1-check', event: 'ran' }, 3000);
    db.record(LEARNER, { lesson: 'ioctl', step: 'exercise-1-check', event: 'passed' }, 3100);
    db.close();
    const again = new WorkshopProgress(file);
    assert.deepEqual(again.rows(), [
      { learner: LEARNER, lesson: 'ioctl', step: 'step-load', firstRun: 1000, lastRun: 1000, runs: 1, passed: null },
      { learner: LEARNER, lesson: 'ioctl', step: 'exercise-1-check', firstRun: 2000, lastRun: 3000, runs: 2, passed: 3100 },
    ]);
    again.record(LEARNER, { lesson: 'ioctl', step: 'exercise-1-check', event: 'not-yet' }, 4000);
    assert.equal(again.rows()[1]!.passed, null, 'a NOT YET after a PASS takes it back');
    again.close();
  });

  test('two handles on one file, as two servers on one host, see each other', () => {
    const file = join(scratch, 'shared.db');
    const a = new WorkshopProgress(file);
    const b = new WorkshopProgress(file);
    a.record('learner-on-server-a-0001', { lesson: 'hello', step: 'step-load', event: 'ran' });
    b.record('learner-on-server-b-0001', { lesson: 'signal', step: 'step-load', event: 'ran' });
    assert.deepEqual(a.rows().map((r) => r.learner), ['learner-on-server-a-0001', 'learner-on-server-b-0001']);
    assert.deepEqual(b.rows().length, 2);
    a.close();
    b.close();
  });

  test('the CSV has a header, ISO times, and quotes what needs quoting', () => {
    const db = new WorkshopProgress(join(scratch, 'csv.db'));
    db.record('learner,with"odd-chars01', { lesson: 'hello', step: 'step-load', event: 'ran' }, Date.UTC(2026, 11, 3, 9, 0, 0));
    const [header, row, end] = db.csv().split('\r\n');
    assert.equal(header, CSV_HEADER);
    assert.equal(row, '"learner,with""odd-chars01",hello,step-load,2026-12-03T09:00:00.000Z,2026-12-03T09:00:00.000Z,1,');
    assert.equal(end, '');
    db.close();
  });
});

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
