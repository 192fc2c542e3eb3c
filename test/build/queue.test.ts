// The build queue's rules on jobs the test resolves by hand: slots, the
// order and places of those waiting, and one build per learner.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BuildQueue, BusyError } from '../../lab/build/build-queue.ts';

/** A job that runs until the test ends it. */
function gate(): { job: () => Promise<string>; started: () => boolean; finish: (v: string) => void } {
  let started = false;
  let finish!: (v: string) => void;
  const done = new Promise<string>((resolve) => (finish = resolve));
  return {
    job: () => {
      started = true;
      return done;
    },
    started: () => started,
    finish: (v) => finish(v),
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('at most `slots` jobs run; the rest wait in order and hear their place move up', async () => {
  const q = new BuildQueue(2);
  const jobs = [gate(), gate(), gate(), gate()];
  const places: number[][] = [[], [], [], []];
  const results = jobs.map((g, i) => q.run(`learner${i}`, g.job, (p) => places[i]!.push(p)));
  await tick();
  assert.deepEqual(jobs.map((g) => g.started()), [true, true, false, false]);
  assert.deepEqual(q.stats, { running: 2, queued: 2 });
  assert.deepEqual(places, [[], [], [1], [2]]);

  jobs[1]!.finish('b');
  assert.equal(await results[1], 'b');
  await tick();
  assert.deepEqual(jobs.map((g) => g.started()), [true, true, true, false]);
  assert.deepEqual(places[3], [2, 1], 'the last one moved up to first in line');

  jobs[0]!.finish('a');
  jobs[2]!.finish('c');
  await Promise.all([results[0], results[2]]);
  await tick();
  assert.ok(jobs[3]!.started());
  jobs[3]!.finish('d');
  assert.deepEqual(await Promise.all(results), ['a', 'b', 'c', 'd']);
  assert.deepEqual(q.stats, { running: 0, queued: 0 });
});

test('a learner with a build queued or running is refused another, at once, and may build again after', async () => {
  const q = new BuildQueue(1);
  const first = gate();
  const running = q.run('alice', first.job);
  await tick();
  const waiting = gate();
  const queued = q.run('bob', waiting.job);
  await assert.rejects(q.run('alice', async () => 'no'), BusyError);
  await assert.rejects(q.run('bob', async () => 'no'), BusyError);
  await assert.rejects(q.runWithoutSlot('alice', async () => 'no'), BusyError);
  assert.ok(q.has('alice') && q.has('bob'));
  first.finish('one');
  await running;
  assert.equal(q.has('alice'), false);
  waiting.finish('two');
  await queued;
  assert.equal(await q.run('alice', async () => 'again'), 'again');
});

test('a failing job frees its slot and its learner', async () => {
  const q = new BuildQueue(1);
  await assert.rejects(q.run('alice', async () => Promise.reject(new Error('boom'))), /boom/);
  assert.deepEqual(q.stats, { running: 0, queued: 0 });
  assert.equal(await q.run('alice', async () => 'ok'), 'ok');
});

test('a job without a slot (a cached build) runs while every slot is taken', async () => {
  const q = new BuildQueue(1);
  const long = gate();
  const running = q.run('alice', long.job);
  await tick();
  assert.equal(await q.runWithoutSlot('bob', async () => 'cached'), 'cached');
  long.finish('done');
  await running;
});
