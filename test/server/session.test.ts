// Sessions and the pool on fake machines (fake-machine.ts): their logic in
// milliseconds, including the bugs a review and a probe of the running
// server found (issue 10). The same logic runs on real VMs in server.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StartKind, Status } from '../../lab/protocol.ts';
import { defaultLimits, type Limits } from '../../lab/server/limits.ts';
import { MachinePool } from '../../lab/server/pool.ts';
import { bootProgress, MAX_BOOT_PROGRESS, Session, type ClientLink, type StartPolicy } from '../../lab/server/session.ts';
import { fakeMachines, type FakeScript } from './fake-machine.ts';
import { Terminal } from './fake-terminal.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const FAST: StartPolicy = { attempts: 3, firstRetryMs: 10, enterTimeoutMs: 100 };

function limits(over: Partial<Limits> = {}): Limits {
  return { ...defaultLimits(2, 24 * 1024 ** 3), graceMs: 50, ...over };
}

/** What a session and the pool report to their events (lab/server/events.ts). */
class Events {
  readonly boots: ['ready' | 'failed', number, StartKind][] = [];
  readonly echoes: number[] = [];
  panics = 0;
  boot(outcome: 'ready' | 'failed', ms: number, start: StartKind): void {
    this.boots.push([outcome, ms, start]);
  }
  panic(): void {
    this.panics++;
  }
  echo(ms: number): void {
    this.echoes.push(ms);
  }
}

function setup(script: FakeScript = {}, poolSize = 0, maxBooting = 2, over: Partial<Limits> = {}) {
  const { factory, made } = fakeMachines(script);
  const events = new Events();
  const pool = new MachinePool(factory, { size: poolSize, maxBooting, initialBootEstimateMs: 40, events });
  const ended: Session[] = [];
  const newSession = (lesson = 'hello'): Session => new Session(lesson, pool, limits(over), (s) => ended.push(s), FAST, events);
  return { pool, made, ended, newSession, events };
}

describe('a session on fake machines', () => {
  test('boots, enters the lesson and attaches the terminal', async () => {
    const { newSession, made, pool } = setup();
    const s = newSession('ioctl');
    const t = new Terminal();
    s.attach(0, t, 80, 24, false);
    await s.start();
    assert.equal(t.last?.state, 'ready');
    assert.deepEqual(made[0]?.entered, ['ioctl']);
    await sleep(5);
    assert.match(t.out, /lab:\/lab\/ioctl# $/, 'the terminal opens on a prompt in the lesson');
    await s.end('test');
    await pool.close();
  });

  test('a lesson whose shell never answers: a few tries with growing waits, then start-failed, no loop', async () => {
    const { newSession, made, pool } = setup({ deadShell: true });
    const s = newSession();
    const t = new Terminal();
    s.attach(0, t, 80, 24, false);
    const t0 = performance.now();
    await s.start();
    const took = performance.now() - t0;
    assert.equal(made.length, FAST.attempts, 'one VM per try, no more');
    assert.ok(made.every((m) => m.stopped), 'every VM that failed is stopped');
    const failed = t.last;
    assert.equal(failed?.state, 'exited');
    assert.equal(failed?.reason, 'start-failed');
    assert.match(failed?.message ?? '', /did not start after 3 tries: its shell did not answer/);
    // Three enter timeouts plus the waits between the tries (10 ms, then 40 ms).
    assert.ok(took >= 3 * FAST.enterTimeoutMs + 50, `the tries were spaced out (${took.toFixed(0)} ms)`);
    await sleep(200);
    assert.equal(made.length, FAST.attempts, 'and nothing more afterwards');
    // A reset tries again.
    await s.reset();
    assert.equal(made.length, 2 * FAST.attempts);
    await s.end('test');
    await pool.close();
  });

  test('a boot that fails is retried, then reported, without a status of error', async () => {
    const { newSession, made, pool } = setup({ bootFails: true });
    const s = newSession();
    const t = new Terminal();
    s.attach(0, t, 80, 24, false);
    await s.start();
    assert.equal(made.length, 3);
    assert.equal(t.last?.reason, 'start-failed');
    assert.match(t.last?.message ?? '', /it did not boot/);
    assert.ok(!t.statuses.some((st) => st.state === 'error'), 'error is for refused connections only');
    await s.end('test');
    await pool.close();
  });

  test('boot progress climbs to 95% on a boot slower than expected, and never further', async () => {
    assert.equal(bootProgress(0, 1000), 0);
    assert.equal(bootProgress(500, 1000), 0.48);
    assert.equal(bootProgress(1000, 1000), MAX_BOOT_PROGRESS);
    assert.equal(bootProgress(10_000, 1000), MAX_BOOT_PROGRESS);
    // The pool expects 40 ms; this boot takes 700: the reports reach 0.95.
    const { newSession, pool } = setup({ bootMs: 700 });
    const s = newSession();
    const t = new Terminal();
    s.attach(0, t, 80, 24, false);
    await s.start();
    const progress = t.statuses.filter((st) => st.state === 'booting').map((st) => st.progress ?? 0);
    assert.equal(Math.max(...progress), 0.95, `progress reports: ${progress.join(' ')}`);
    assert.equal(t.last?.state, 'ready');
    await s.end('test');
    await pool.close();
  });

  test('a panic is reported as panic with its message and tail, and counted', async () => {
    const { newSession, made, pool, events } = setup();
    const s = newSession();
    const t = new Terminal();
    s.attach(0, t, 80, 24, false);
    await s.start();
    made[0]?.exit('panic', 'sysrq triggered crash');
    const p = await t.until((st) => st.state === 'panic');
    assert.equal(p.reason, 'panic');
    assert.equal(p.message, 'sysrq triggered crash');
    assert.match(p.tail ?? '', /Kernel panic/);
    assert.equal(events.panics, 1);
    await s.end('test');
    await pool.close();
  });

  test('echo time: from a keystroke to the next output, once per keystroke that got one', async () => {
    const { newSession, pool, events } = setup();
    const s = newSession();
    const t = new Terminal();
    s.attach(0, t, 80, 24, false);
    await s.start();
    await sleep(5);
    assert.deepEqual(events.echoes, [], 'the prompt after entering the lesson is not an echo');
    s.input(0, '');
    await sleep(5);
    assert.deepEqual(events.echoes, [], 'an empty input frame is not a keystroke');
    s.input(0, 'e');
    s.input(0, 'cho hi\n');
    await sleep(20);
    assert.equal(events.echoes.length, 1, `echoes: ${JSON.stringify(events.echoes)}`);
    assert.ok(events.echoes[0]! >= 0 && events.echoes[0]! < 1000);
    await s.end('test');
    await pool.close();
  });

  test('idle: an empty input frame is not activity, a keystroke is', async () => {
    const { newSession, pool } = setup({}, 0, 2, { idleMs: 150 });
    const s = newSession();
    const t = new Terminal();
    s.attach(0, t, 80, 24, false);
    await s.start();
    // Keystrokes every 50 ms keep it alive past the idle limit...
    for (let i = 0; i < 5; i++) {
      await sleep(50);
      s.input(0, 'x');
    }
    assert.equal(t.last?.state, 'ready');
    // ...empty frames every 50 ms do not.
    for (let i = 0; i < 5; i++) {
      await sleep(50);
      s.input(0, '');
    }
    const idle = await t.until((st) => st.reason === 'idle');
    assert.equal(idle.state, 'exited');
    await s.end('test');
    await pool.close();
  });

  test('the session length counts across resets, and a reset after it gives no VM', async () => {
    const { newSession, made, pool } = setup({}, 0, 2, { maxSessionMs: 300 });
    const s = newSession();
    const t = new Terminal();
    s.attach(0, t, 80, 24, false);
    await s.start();
    await sleep(150);
    await s.reset(); // before the fix, this restarted the 300 ms
    assert.equal(t.last?.state, 'ready');
    const over = await t.until((st) => st.reason === 'time-limit', 1000);
    assert.equal(over.state, 'exited');
    const vms = made.length;
    await s.reset();
    assert.equal(made.length, vms, 'no VM after the time limit');
    assert.equal(t.last?.reason, 'time-limit');
    assert.ok(made.every((m) => m.isExited), 'every VM is stopped');
    await s.end('test');
    await pool.close();
  });

  test('a second terminal on the same console replaces the first', async () => {
    const { newSession, pool } = setup();
    const s = newSession();
    const a = new Terminal();
    const b = new Terminal();
    s.attach(0, a, 80, 24, false);
    await s.start();
    s.attach(0, b, 80, 24, true);
    assert.equal(a.closed?.code, 1000);
    assert.match(a.closed?.reason ?? '', /^replaced/);
    assert.equal(b.last?.state, 'ready');
    assert.equal(b.last?.resumed, true);
    await s.end('test');
    await pool.close();
  });
});

describe('the pool on fake machines', () => {
  test("every boot's outcome and time goes to the pool's events, refills and learners' boots alike", async () => {
    const events = new Events();
    const ok = fakeMachines({ bootMs: 20 });
    const pool = new MachinePool(ok.factory, { size: 1, maxBooting: 2, events });
    pool.start();
    const m = await pool.bootForLearner();
    await sleep(40);
    assert.deepEqual(events.boots.map(([o]) => o), ['ready', 'ready']);
    assert.ok(events.boots.every(([, ms]) => ms >= 15), JSON.stringify(events.boots));
    await m.stop();
    await pool.close();
    const failing = new MachinePool(fakeMachines({ bootFails: true }).factory, { size: 0, maxBooting: 1, events });
    await assert.rejects(failing.bootForLearner());
    await sleep(5);
    assert.equal(events.boots.at(-1)?.[0], 'failed');
    await failing.close();
    const restored = new MachinePool(fakeMachines({ bootMs: 5, started: 'restore' }).factory, { size: 0, maxBooting: 1, events });
    await (await restored.bootForLearner()).stop();
    assert.deepEqual(events.boots.map(([o, , start]) => `${o} ${start}`), ['ready boot', 'ready boot', 'failed boot', 'ready restore']);
    await restored.close();
  });

  test('sessions that end while their boots wait cancel them (96 at once), and the next learner is served at once', async () => {
    const { pool, made, newSession } = setup({ bootMs: 30 }, 1, 2);
    pool.start();
    const sessions = Array.from({ length: 96 }, () => newSession());
    const starts = sessions.map((s) => {
      s.attach(0, new Terminal(), 80, 24, false);
      return s.start();
    });
    await sleep(1);
    await Promise.all(sessions.map((s) => s.end('closed')));
    await Promise.all(starts);
    await sleep(100); // the boots under way finish
    const spawned = made.length;
    assert.ok(spawned <= 4, `${spawned} VMs were spawned for 96 sessions that left at once`);
    assert.equal(pool.stats.waiting, 0, 'no boot waits for a learner who left');
    assert.equal(pool.stats.booting, 0);
    // A booted VM nobody wanted went to the pool: the next learner gets it warm.
    assert.ok(pool.stats.idle >= 1);
    const next = newSession();
    const t = new Terminal();
    next.attach(0, t, 80, 24, false);
    const t0 = performance.now();
    await next.start();
    assert.equal(t.last?.state, 'ready');
    assert.ok(performance.now() - t0 < 30, 'served from the pool, without a boot');
    assert.ok(made.filter((m) => !m.isExited).length <= 2, 'no VM is left running for nobody');
    await next.end('test');
    await pool.close();
  });

  test('at most maxBooting boots at once, learners first', async () => {
    const { pool, made, newSession } = setup({ bootMs: 40 }, 2, 2);
    const sessions = Array.from({ length: 6 }, () => newSession());
    const terminals = sessions.map(() => new Terminal());
    sessions.forEach((s, i) => s.attach(0, terminals[i]!, 80, 24, false));
    pool.start();
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, pool.stats.booting)), 1);
    await Promise.all(sessions.map((s) => s.start()));
    clearInterval(watch);
    assert.ok(most <= 2, `${most} boots at once`);
    assert.ok(terminals.every((t) => t.last?.state === 'ready'));
    await Promise.all(sessions.map((s) => s.end('test')));
    await pool.close();
    assert.ok(made.every((m) => m.isExited));
  });
});
