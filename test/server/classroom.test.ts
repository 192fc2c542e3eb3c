// The instructor's side of a workshop server (lab/server/classroom.ts) on
// fake machines and a real SQLite store in memory: what the store is told
// of each learner, the grid the instructors get, a read-only watch, a reset
// asked and answered, a message to the class.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { InstructorServerFrame, LearnerRow, RosterFrame } from '../../lab/instructor-protocol.ts';
import { Classroom, HEARTBEAT_MS, MAX_WATCH_BACKLOG, type ClassStore, type InstructorLink } from '../../lab/server/classroom.ts';
import { defaultLimits } from '../../lab/server/limits.ts';
import { MachinePool } from '../../lab/server/pool.ts';
import { SqliteStore } from '../../lab/server/sqlite-store.ts';
import { GONE_AFTER_MS } from '../../lab/server/workshop-store.ts';
import { SessionRegistry } from '../../lab/server/sessions.ts';
import type { StartPolicy } from '../../lab/server/session.ts';
import { fakeMachines } from './fake-machine.ts';
import { Terminal } from './fake-terminal.ts';

const FAST: StartPolicy = { attempts: 1, firstRetryMs: 10, enterTimeoutMs: 200 };
const ADA = 'ada-learner-id-00000001';
const LIN = 'lin-learner-id-00000002';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An instructor's page that records what it is sent. */
class Instructor implements InstructorLink {
  frames: InstructorServerFrame[] = [];
  backlog = 0;
  send(frame: InstructorServerFrame): void {
    this.frames.push(frame);
  }
  get roster(): LearnerRow[] {
    return (this.frames.filter((f) => f.type === 'roster').at(-1) as RosterFrame | undefined)?.learners ?? [];
  }
  row(learner: string): LearnerRow | undefined {
    return this.roster.find((r) => r.learner === learner);
  }
  get output(): string {
    return this.frames.map((f) => (f.type === 'output' ? f.data : '')).join('');
  }
  notices(): string[] {
    return this.frames.flatMap((f) => (f.type === 'notice' ? [f.text] : []));
  }
}

function setup(maxSessions = 4) {
  const limits = { ...defaultLimits(2, 24 * 1024 ** 3), maxSessions, graceMs: 50 };
  const { factory, made } = fakeMachines({ bootMs: 2 });
  const pool = new MachinePool(factory, { size: 0, maxBooting: 2, initialBootEstimateMs: 10 });
  const registry = new SessionRegistry(pool, limits, FAST);
  const store = new SqliteStore(':memory:');
  const logs: string[] = [];
  let clock = 1_000_000;
  const classroom = new Classroom(registry, store, { server: 'pod-a', stuckAfterMs: 60_000, tickMs: 10_000, log: (m) => logs.push(m), now: () => clock });
  const learner = async (id: string, name?: string, lesson = 'hello') => {
    const s = registry.open(lesson, { learner: id, ...(name ? { name } : {}) })!;
    const t = new Terminal();
    s.attach(0, t, 80, 24, false);
    await s.start();
    return { s, t };
  };
  const close = async (): Promise<void> => {
    await classroom.close();
    await registry.endAll('test over');
    await pool.close();
    await store.close();
  };
  return { registry, store, classroom, learner, made, logs, close, tick: (ms = 0) => ((clock += ms), classroom.tick()), now: () => clock };
}

describe('the classroom', () => {
  test("the grid: each learner's name, lesson, VM and progress, from the store; ended and refused learners too", async () => {
    const c = setup();
    try {
      const ada = await c.learner(ADA, 'Ada', 'ioctl');
      await c.learner(LIN);
      const teacher = new Instructor();
      c.classroom.join(teacher);
      await c.classroom.idle();
      assert.deepEqual(
        teacher.roster.map((r) => [r.learner, r.name, r.lesson, r.vm, r.server]),
        [
          [ADA, 'Ada', 'ioctl', 'ready', 'pod-a'],
          [LIN, undefined, 'hello', 'ready', 'pod-a'],
        ],
      );
      await c.store.record(ADA, { lesson: 'ioctl', step: 'step-load', event: 'ran' }, c.now() + 1);
      await c.store.record(ADA, { lesson: 'ioctl', step: 'exercise-1-check', event: 'ran' }, c.now() + 2);
      await c.store.record(ADA, { lesson: 'ioctl', step: 'exercise-1-check', event: 'passed' }, c.now() + 3);
      const before = teacher.frames.length;
      await c.tick();
      assert.equal(teacher.frames.length, before + 1, 'a changed grid is sent');
      const row = teacher.row(ADA)!;
      assert.deepEqual([row.stepsRun, row.checksPassed, row.lastStep, row.lastStepLesson, row.lastProgress], [2, 1, 'exercise-1-check', 'ioctl', c.now() + 3]);
      await c.tick();
      assert.equal(teacher.frames.length, before + 1, 'an unchanged grid is not sent again');

      await ada.s.end('the learner left');
      await c.tick();
      assert.equal(teacher.row(ADA)?.vm, 'left');
      c.classroom.refused({ learner: 'new-learner-0000000003', name: 'Late' }, 'mmap');
      await c.classroom.idle();
      await c.tick();
      assert.deepEqual([teacher.row('new-learner-0000000003')?.vm, teacher.row('new-learner-0000000003')?.name], ['full', 'Late']);
      await c.tick(HEARTBEAT_MS);
      assert.equal(teacher.row('new-learner-0000000003')?.vm, 'full', 'a refused learner stays so; nothing writes "left" over it');
    } finally {
      await c.close();
    }
  });

  test("a server that stops saying how its learners are: they show as gone; a live one's rows are written again", async () => {
    const c = setup();
    try {
      await c.learner(ADA, 'Ada');
      await c.tick();
      const seen = (await c.store.roster(c.now()))[0]!.seen;
      await c.tick(HEARTBEAT_MS - 1);
      assert.equal((await c.store.roster(c.now()))[0]!.seen, seen, 'nothing changed: not written');
      await c.tick(1);
      assert.equal((await c.store.roster(c.now()))[0]!.seen, c.now(), 'the heartbeat');
      assert.equal((await c.store.roster(c.now() + GONE_AFTER_MS + 1))[0]!.vm, 'left', 'read long after: the server is taken for gone');
    } finally {
      await c.close();
    }
  });

  test("watching: the learner's recent output, then live; read-only; the learner is told; it ends with the session", async () => {
    const c = setup();
    try {
      const ada = await c.learner(ADA, 'Ada');
      ada.s.input(0, 'echo before\n');
      await sleep(20);
      const teacher = new Instructor();
      c.classroom.join(teacher);
      await c.classroom.idle();
      c.classroom.watch(teacher, ADA);
      assert.deepEqual(teacher.frames.find((f) => f.type === 'watch'), { type: 'watch', learner: ADA, state: 'watching' });
      assert.match(teacher.output, /echo before/, 'what the terminal showed before the watch');
      assert.deepEqual(ada.t.notices, [{ event: 'watching' }]);
      ada.s.input(0, 'echo during\n');
      await sleep(20);
      assert.match(teacher.output, /echo during/);
      assert.match(ada.t.out, /echo during/, 'the learner sees their terminal as before');

      c.classroom.unwatch(teacher);
      assert.deepEqual(ada.t.notices.at(-1), { event: 'not-watching' });
      const seen = teacher.output.length;
      ada.s.input(0, 'echo after\n');
      await sleep(20);
      assert.equal(teacher.output.length, seen, 'nothing after the watch ended');

      c.classroom.watch(teacher, ADA);
      await ada.s.end('the learner left');
      assert.match(JSON.stringify(teacher.frames.at(-1)), /"state":"ended".*the learner left/);
      c.classroom.watch(teacher, ADA);
      assert.match(JSON.stringify(teacher.frames.at(-1)), /no lab open on this server/);
    } finally {
      await c.close();
    }
  });

  test('a watch whose output outruns the instructor is ended, not buffered without end', async () => {
    const c = setup();
    try {
      const ada = await c.learner(ADA);
      const teacher = new Instructor();
      c.classroom.join(teacher);
      await c.classroom.idle();
      c.classroom.watch(teacher, ADA);
      teacher.backlog = MAX_WATCH_BACKLOG + 1;
      ada.s.input(0, 'echo flood\n');
      await sleep(20);
      assert.match(JSON.stringify(teacher.frames.at(-1)), /faster than this connection/);
      assert.deepEqual(ada.t.notices.at(-1), { event: 'not-watching' }, 'the learner is no longer watched');
    } finally {
      await c.close();
    }
  });

  test("a reset is only asked: the learner's answer is kept and told to the instructors", async () => {
    const c = setup();
    try {
      const ada = await c.learner(ADA, 'Ada');
      const teacher = new Instructor();
      c.classroom.join(teacher);
      await c.classroom.idle();
      c.classroom.askReset(teacher, ADA);
      await c.classroom.idle();
      assert.deepEqual(ada.t.notices, [{ event: 'ask-reset' }]);
      await c.tick();
      assert.equal(teacher.row(ADA)?.resetAsk, 'asked');
      assert.equal(ada.s.answerAsk(), true, 'the session knows it asked');
      assert.equal(ada.s.answerAsk(), false, 'once');
      c.classroom.answered(ada.s, false);
      await c.classroom.idle();
      await c.tick();
      assert.equal(teacher.row(ADA)?.resetAsk, 'declined');
      assert.ok(teacher.notices().includes('Ada declined the reset'));
      // A learner's second terminal that attaches while a question is open is asked too.
      c.classroom.askReset(teacher, ADA);
      const second = new Terminal();
      ada.s.attach(1, second, 80, 24, false);
      assert.deepEqual(second.notices, [{ event: 'ask-reset' }]);
      c.classroom.askReset(teacher, 'nobody-here-000000000004');
      assert.match(teacher.notices().at(-1) ?? '', /no terminal open/);
    } finally {
      await c.close();
    }
  });

  test('a message reaches every learner with a terminal open, and the instructor hears how many', async () => {
    const c = setup();
    try {
      const ada = await c.learner(ADA, 'Ada');
      const lin = await c.learner(LIN);
      const teacher = new Instructor();
      c.classroom.join(teacher);
      await c.classroom.idle();
      c.classroom.broadcast(teacher, 'Break until 11:00');
      assert.deepEqual(ada.t.notices, [{ event: 'message', text: 'Break until 11:00' }]);
      assert.deepEqual(lin.t.notices, [{ event: 'message', text: 'Break until 11:00' }]);
      assert.equal(teacher.notices().at(-1), 'message sent to 2 learners');
    } finally {
      await c.close();
    }
  });

  test('a store out of reach is logged; the labs and the classroom go on', async () => {
    const c = setup();
    const broken: ClassStore = {
      see: () => Promise.reject(new Error('database is locked')),
      resetAsk: () => Promise.resolve(),
      roster: () => Promise.resolve([]),
      announce: () => Promise.resolve(),
    };
    const classroom = new Classroom(c.registry, broken, { server: 'pod-a', stuckAfterMs: 1, tickMs: 10_000, log: (m) => c.logs.push(m) });
    try {
      await c.learner(ADA);
      await classroom.tick();
      classroom.join(new Instructor());
      await classroom.idle();
      assert.equal(c.logs.length, 2);
      assert.match(c.logs[0] ?? '', /could not be updated: Error: database is locked/);
    } finally {
      await classroom.close();
      await c.close();
    }
  });
});
