// The workshop's stores on their own, each against the real thing: an
// SQLite file, and a PostgreSQL server started for the test. Both must give
// the same answers, since a workshop moves from one host (SQLite) to many
// (PostgreSQL) without the instructor noticing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isPostgresUrl, openWorkshopStore } from '../../lab/server/open-store.ts';
import { PostgresStore, redact } from '../../lab/server/postgres-store.ts';
import { CSV_HEADER, GONE_AFTER_MS, progressCsv, type WorkshopStore } from '../../lab/server/workshop-store.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';

const ADA = 'ada-learner-id-00000001';
const LIN = 'lin-learner-id-00000002';
const scratch = mkdtempSync(join(tmpdir(), 'uklab-store-test-'));
let postgres: TestPostgres;

before(async () => {
  postgres = await startPostgres();
});
after(async () => {
  await postgres?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** The same tests for each store: `spec` names a fresh one, opened as many times as asked. */
const kinds: { name: string; spec: (n: string) => string }[] = [
  { name: 'SQLite', spec: (n) => join(scratch, `${n}.db`) },
  // One database per test: a schema of its own in the URL's search_path.
  { name: 'PostgreSQL', spec: (n) => `${postgres.url}?options=${encodeURIComponent(`-c search_path=t_${n.replace(/-/g, '_')}`)}` },
];

async function fresh(spec: string): Promise<void> {
  if (!isPostgresUrl(spec)) return;
  const schema = /search_path%3D(\w+)/.exec(spec)?.[1];
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: postgres.url });
  await c.connect();
  await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await c.end();
}

for (const kind of kinds) {
  describe(`the workshop store in ${kind.name}`, () => {
    const open = async (n: string): Promise<WorkshopStore> => {
      await fresh(kind.spec(n));
      return openWorkshopStore(kind.spec(n));
    };

    test('runs are counted, a check keeps its last verdict, and the store opened again has it all', async () => {
      const db = await open('runs');
      await db.record(ADA, { lesson: 'ioctl', step: 'step-load', event: 'ran' }, 1000);
      await db.record(ADA, { lesson: 'ioctl', step: 'exercise-1-check', event: 'ran' }, 2000);
      await db.record(ADA, { lesson: 'ioctl', step: 'exercise-1-check', event: 'not-yet' }, 2100);
      await db.record(ADA, { lesson: 'ioctl', step: 'exercise-1-check', event: 'ran' }, 3000);
      await db.record(ADA, { lesson: 'ioctl', step: 'exercise-1-check', event: 'passed' }, 3100);
      await db.close();
      const again = await open('runs');
      assert.deepEqual(await again.rows(), [
        { learner: ADA, lesson: 'ioctl', step: 'step-load', firstRun: 1000, lastRun: 1000, runs: 1, passed: null },
        { learner: ADA, lesson: 'ioctl', step: 'exercise-1-check', firstRun: 2000, lastRun: 3000, runs: 2, passed: 3100 },
      ]);
      await again.record(ADA, { lesson: 'ioctl', step: 'exercise-1-check', event: 'not-yet' }, 4000);
      assert.equal((await again.rows())[1]!.passed, null, 'a NOT YET after a PASS takes it back');
      await again.close();
    });

    test("one learner's writes keep their order when nobody waits between them", async () => {
      const db = await open('order');
      // As a page sends them: each check's verdict right after its run.
      const checks = Array.from({ length: 40 }, (_, i) => `exercise-${i}-check`);
      const writes = checks.flatMap((step, i) => [
        db.record(ADA, { lesson: 'ioctl', step, event: 'ran' }, 1000 + i),
        db.record(ADA, { lesson: 'ioctl', step, event: 'passed' }, 2000 + i),
      ]);
      writes.push(
        db.see(LIN, { name: 'Lin', lesson: 'ioctl', vm: 'booting', server: 'a' }, 1000),
        db.see(LIN, { vm: 'ready', server: 'a' }, 1001),
        db.resetAsk(LIN, 'asked'),
        db.resetAsk(LIN, 'allowed'),
      );
      await Promise.all(writes);
      const passed = (await db.rows()).filter((r) => r.passed !== null).map((r) => r.step);
      assert.deepEqual(passed.sort(), [...checks].sort(), 'every verdict kept');
      const lin = (await db.roster(2000)).find((r) => r.learner === LIN);
      assert.deepEqual([lin?.vm, lin?.resetAsk], ['ready', 'allowed']);
      // Closing waits for writes still in line.
      const late = [2, 3, 4].map((n) => db.record(LIN, { lesson: 'ioctl', step: `step-${n}`, event: 'ran' }, 3000 + n));
      await db.close();
      await Promise.all(late);
      const again = await open('order');
      assert.equal((await again.rows()).filter((r) => r.learner === LIN).length, 3);
      await again.close();
    });

    test('two handles, as two servers, see each other', async () => {
      const a = await open('shared');
      const b = await open('shared');
      await a.record(ADA, { lesson: 'hello', step: 'step-load', event: 'ran' });
      await b.record(LIN, { lesson: 'signal', step: 'step-load', event: 'ran' });
      await b.see(LIN, { name: 'Lin', lesson: 'signal', vm: 'ready', server: 'b' });
      assert.deepEqual((await a.rows()).map((r) => r.learner), [ADA, LIN]);
      assert.deepEqual((await a.roster()).map((r) => [r.learner, r.server]), [[LIN, 'b']]);
      await Promise.all([a.close(), b.close()]);
    });

    test("the grid's rows: name and lesson kept when a server leaves them out, steps summed up, the question, gone servers", async () => {
      const db = await open('roster');
      await db.see(ADA, { name: 'Ada', lesson: 'ioctl', vm: 'booting', server: 'a' }, 10_000);
      await db.see(LIN, { vm: 'full', server: 'b' }, 10_500);
      await db.see(ADA, { vm: 'ready', server: 'a' }, 11_000);
      await db.record(ADA, { lesson: 'ioctl', step: 'step-load', event: 'ran' }, 12_000);
      await db.record(ADA, { lesson: 'ioctl', step: 'exercise-1-check', event: 'ran' }, 13_000);
      await db.record(ADA, { lesson: 'ioctl', step: 'exercise-1-check', event: 'passed' }, 14_000);
      await db.record(ADA, { lesson: 'mmap', step: 'step-map', event: 'ran' }, 12_500);
      await db.resetAsk(ADA, 'declined');
      const [ada, lin] = await db.roster(15_000);
      assert.deepEqual(ada, {
        learner: ADA,
        name: 'Ada',
        lesson: 'ioctl',
        vm: 'ready',
        stepsRun: 3,
        checksPassed: 1,
        lastStep: 'exercise-1-check',
        lastStepLesson: 'ioctl',
        lastProgress: 14_000,
        joined: 10_000,
        seen: 11_000,
        server: 'a',
        resetAsk: 'declined',
      });
      assert.deepEqual(lin, { learner: LIN, vm: 'full', stepsRun: 0, checksPassed: 0, joined: 10_500, seen: 10_500, server: 'b' });
      assert.equal((await db.roster(11_000 + GONE_AFTER_MS + 1))[0]!.vm, 'left', "a server that went quiet: its learners are gone");
      await db.close();
    });

    test('servers say where they are reached; one that went quiet is no peer', async () => {
      const db = await open('servers');
      await db.announce('pod-a', 'http://10.0.0.1:3000', 1000);
      await db.announce('pod-b', 'http://10.0.0.2:3000', 1000);
      await db.announce('pod-a', 'http://10.0.0.9:3000', 5000);
      assert.deepEqual(await db.servers(5000), [
        { server: 'pod-a', url: 'http://10.0.0.9:3000' },
        { server: 'pod-b', url: 'http://10.0.0.2:3000' },
      ]);
      assert.deepEqual(await db.servers(1000 + GONE_AFTER_MS + 1), [{ server: 'pod-a', url: 'http://10.0.0.9:3000' }]);
      await db.close();
    });
  });
}

describe('the PostgreSQL store itself', () => {
  test('pods that start together make the tables once, without a race', async () => {
    const spec = kinds[1]!.spec('race');
    await fresh(spec);
    const stores = await Promise.all(Array.from({ length: 5 }, () => openWorkshopStore(spec)));
    await Promise.all(stores.map((s, i) => s.see(`learner-${i}-000000000000000`, { vm: 'ready', server: `pod-${i}` })));
    assert.equal((await stores[0]!.roster()).length, 5);
    await Promise.all(stores.map((s) => s.close()));
  });

  test('a database still on its way up is waited for; one out of reach stops the server, saying where, without the password', async () => {
    const url = 'postgres://uklab:s3cret@127.0.0.1:1/workshop';
    const said: string[] = [];
    const t0 = Date.now();
    await assert.rejects(PostgresStore.open(url, { log: (m) => said.push(m), waitMs: 2500 }), (e: Error) => {
      assert.match(e.message, /cannot use the progress database at postgres:\/\/uklab:\*\*\*@127\.0\.0\.1:1\/workshop: .*ECONNREFUSED/);
      assert.doesNotMatch(e.message, /s3cret/);
      return true;
    });
    assert.ok(Date.now() - t0 >= 2000, 'it kept trying for the time it was given');
    assert.deepEqual(said, ['lab server: waiting for the progress database at postgres://uklab:***@127.0.0.1:1/workshop (connect ECONNREFUSED 127.0.0.1:1)'], 'said once');
    // A database that answers and refuses this server: no waiting.
    const t1 = Date.now();
    await assert.rejects(PostgresStore.open(`${postgres.url.replace('/postgres', '/no_such_database')}`, { waitMs: 30_000 }), /database "no_such_database" does not exist/);
    assert.ok(Date.now() - t1 < 5000, 'refused at once');
    assert.equal(redact('not a url'), 'the given URL');
  });
});

test('the CSV has a header, ISO times, and quotes what needs quoting', () => {
  const at = Date.UTC(2026, 11, 3, 9, 0, 0);
  const [header, row, end] = progressCsv([{ learner: 'learner,with"odd-chars01', lesson: 'hello', step: 'step-load', firstRun: at, lastRun: at, runs: 1, passed: null }]).split('\r\n');
  assert.equal(header, CSV_HEADER);
  assert.equal(row, '"learner,with""odd-chars01",hello,step-load,2026-12-03T09:00:00.000Z,2026-12-03T09:00:00.000Z,1,');
  assert.equal(end, '');
});
