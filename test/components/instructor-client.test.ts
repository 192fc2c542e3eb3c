// The instructor's page without a browser: its connection
// (src/components/Instructor/client.ts) against a fake socket and a fake
// timer, and the watched screen (watch-screen.ts) on a fake terminal.
// Every frame the page sends is read back with the server's own parser.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_MESSAGE_CHARS, parseInstructorFrame, type InstructorFrame, type LearnerRow } from '../../lab/instructor-protocol.ts';
import { FIRST_RETRY_MS, InstructorClient, MAX_NOTICES, MAX_RETRY_MS, type Delay } from '../../src/components/Instructor/client.ts';
import { MAX_PENDING_CHARS, WatchScreen } from '../../src/components/Instructor/watch-screen.ts';
import { FakeSocket as SharedFakeSocket } from '../helpers/fake-socket.ts';

const ALICE = 'a'.repeat(20);
const BOB = 'b'.repeat(20);

class FakeSocket extends SharedFakeSocket<InstructorFrame> {
  constructor(url: string) {
    super(url, parseInstructorFrame);
  }
}

/** A timer the test fires by hand. */
class FakeDelay {
  waits: { ms: number; fn: () => void; cancelled: boolean }[] = [];
  readonly delay: Delay = (fn, ms) => {
    const w = { ms, fn, cancelled: false };
    this.waits.push(w);
    return () => {
      w.cancelled = true;
    };
  };
  /** Runs the last wait, as its time would. */
  fire(): void {
    const w = this.waits.at(-1);
    assert.ok(w && !w.cancelled, 'a retry is waiting');
    w.fn();
  }
}

function row(learner: string, extra: Partial<LearnerRow> = {}): LearnerRow {
  return { learner, vm: 'ready', stepsRun: 0, checksPassed: 0, joined: 1000, seen: 1000, server: 'lab-1', ...extra };
}

function setup(location = { protocol: 'https:', host: 'lab.example.org' }) {
  const sockets: FakeSocket[] = [];
  const timer = new FakeDelay();
  let clock = 50_000;
  const client = new InstructorClient({
    location,
    delay: timer.delay,
    clock: () => clock,
    socket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
  });
  const last = (): FakeSocket => sockets.at(-1)!;
  return { client, sockets, timer, last, setClock: (t: number) => (clock = t) };
}

/** A client on an open socket, watching nothing. */
function openClient() {
  const s = setup();
  s.last().accept();
  return s;
}

describe('the instructor client', () => {
  test("opens one socket to the page origin's instructor socket", () => {
    const { sockets, client } = setup();
    assert.deepEqual(
      sockets.map((s) => s.url),
      ['wss://lab.example.org/instructor/ws'],
    );
    assert.equal(client.getSnapshot().connection, 'connecting');
    const plain = setup({ protocol: 'http:', host: 'localhost:8080' });
    assert.equal(plain.last().url, 'ws://localhost:8080/instructor/ws');
  });

  test('the roster updates the snapshot, with the offset to the server clock', () => {
    const { client, last, setClock } = setup();
    let told = 0;
    client.subscribe(() => told++);
    last().accept();
    assert.equal(client.getSnapshot().connection, 'open');
    const before = client.getSnapshot();
    assert.equal(client.getSnapshot(), before, 'the same object until something changes');
    setClock(60_000);
    const learners = [row(ALICE, { name: 'Alice', lastProgress: 59_000 }), row(BOB, { vm: 'panic' })];
    last().frame({ type: 'roster', now: 65_000, stuckAfterMs: 120_000, learners });
    const snap = client.getSnapshot();
    assert.notEqual(snap, before);
    assert.deepEqual(snap.learners, learners);
    assert.equal(snap.stuckAfterMs, 120_000);
    assert.equal(snap.offset, 5000, "server's now minus this browser's");
    assert.equal(told, 2, 'told of the open and of the roster');
    // A newer roster replaces the grid.
    last().frame({ type: 'roster', now: 66_000, stuckAfterMs: 120_000, learners: [row(BOB)] });
    assert.deepEqual(
      client.getSnapshot().learners.map((r) => r.learner),
      [BOB],
    );
  });

  test('sends watch, unwatch, reset and message frames as the protocol says', () => {
    const { client, last } = openClient();
    assert.equal(client.watch(ALICE), true);
    client.unwatch();
    assert.equal(client.askReset(BOB), true);
    assert.equal(client.broadcast('  Break until 11:15  '), true);
    assert.deepEqual(last().sent, [
      { type: 'watch', learner: ALICE },
      { type: 'unwatch' },
      { type: 'reset', learner: BOB },
      { type: 'message', text: 'Break until 11:15' },
    ]);
    assert.deepEqual(JSON.parse(last().raw[0]!), { type: 'watch', learner: ALICE }, 'no field the server would refuse');
  });

  test('sends nothing the server would close the connection for, and nothing before it is open', () => {
    const { client, last } = setup();
    assert.equal(client.watch(ALICE), false, 'not open yet');
    assert.equal(client.broadcast('hello'), false, 'not open yet');
    last().accept();
    assert.equal(client.broadcast('   '), false);
    assert.equal(client.broadcast('x'.repeat(MAX_MESSAGE_CHARS + 1)), false);
    assert.equal(client.watch('not an id'), false);
    assert.equal(client.askReset('../etc'), false);
    assert.deepEqual(last().raw, []);
    assert.equal(client.broadcast('x'.repeat(MAX_MESSAGE_CHARS)), true, 'the longest message goes');
    assert.equal(last().raw.length, 1);
  });

  test('output reaches the listeners only while the server says the learner asked for is watched', () => {
    const { client, last } = openClient();
    const got: string[] = [];
    const off = client.onOutput((d) => got.push(d));
    const s = last();
    s.frame({ type: 'output', data: 'before any watch' });
    client.watch(ALICE);
    s.frame({ type: 'output', data: 'before the server said watching' });
    s.frame({ type: 'watch', learner: ALICE, state: 'watching' });
    assert.deepEqual(client.getSnapshot().watching, { learner: ALICE, state: 'watching' });
    s.frame({ type: 'output', data: 'alice$ ' });
    // Another watch: what comes before the server's answer is Alice's.
    client.watch(BOB);
    s.frame({ type: 'output', data: 'late alice output' });
    s.frame({ type: 'watch', learner: ALICE, state: 'ended', message: 'stopped watching' });
    assert.equal(client.getSnapshot().watching?.learner, ALICE, "the end of the last watch is not shown as this one's");
    assert.equal(client.getSnapshot().watching?.state, 'watching');
    s.frame({ type: 'watch', learner: BOB, state: 'watching' });
    s.frame({ type: 'output', data: 'bob$ ' });
    s.frame({ type: 'watch', learner: BOB, state: 'ended', message: "the learner's lab ended (poweroff)" });
    assert.deepEqual(client.getSnapshot().watching, { learner: BOB, state: 'ended', message: "the learner's lab ended (poweroff)" });
    s.frame({ type: 'output', data: 'after the end' });
    assert.deepEqual(got, ['alice$ ', 'bob$ ']);
    off();
    client.watch(ALICE);
    s.frame({ type: 'watch', learner: ALICE, state: 'watching' });
    s.frame({ type: 'output', data: 'after unsubscribing' });
    assert.deepEqual(got, ['alice$ ', 'bob$ ']);
  });

  test("unwatch closes the panel at once, and the server's answer does not bring it back", () => {
    const { client, last } = openClient();
    const got: string[] = [];
    client.onOutput((d) => got.push(d));
    client.watch(ALICE);
    last().frame({ type: 'watch', learner: ALICE, state: 'watching' });
    client.unwatch();
    assert.equal(client.getSnapshot().watching, undefined);
    last().frame({ type: 'output', data: 'in flight' });
    last().frame({ type: 'watch', learner: ALICE, state: 'ended', message: 'stopped watching' });
    assert.equal(client.getSnapshot().watching, undefined);
    assert.deepEqual(got, []);
  });

  test('keeps the last notices, counted', () => {
    const { client, last } = openClient();
    for (let i = 1; i <= MAX_NOTICES + 2; i++) last().frame({ type: 'notice', text: `notice ${i}` });
    const snap = client.getSnapshot();
    assert.deepEqual(snap.notices, ['notice 3', 'notice 4', 'notice 5', 'notice 6', 'notice 7']);
    assert.equal(snap.noticeCount, MAX_NOTICES + 2);
  });

  test('drops frames of the wrong shape', () => {
    const { client, last } = openClient();
    let told = 0;
    client.subscribe(() => told++);
    const got: string[] = [];
    client.onOutput((d) => got.push(d));
    client.watch(ALICE);
    last().frame({ type: 'watch', learner: ALICE, state: 'watching' });
    const before = client.getSnapshot();
    told = 0;
    for (const bad of [
      'not json',
      '[1,2]',
      { type: 'roster', learners: [] },
      { type: 'roster', now: 1, stuckAfterMs: 1, learners: 'all' },
      { type: 'watch', learner: ALICE, state: 'paused' },
      { type: 'notice', text: 42 },
      { type: 'output', data: { bytes: 1 } },
      { type: 'input', data: 'ls\r' },
    ]) {
      last().frame(bad);
    }
    last().onmessage?.({ data: new Uint8Array([1, 2, 3]) });
    assert.equal(client.getSnapshot(), before);
    assert.equal(told, 0);
    assert.deepEqual(got, []);
    // Still reading: a good frame after them counts.
    last().frame({ type: 'notice', text: 'fine' });
    assert.deepEqual(client.getSnapshot().notices, ['fine']);
  });

  test('reconnects after a close, waiting 1 s, then twice as long each time up to 15 s', () => {
    const { client, sockets, timer, last } = setup();
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      last().drop();
      assert.equal(client.getSnapshot().connection, 'closed');
      assert.equal(client.getSnapshot().unreachable, true, 'never opened');
      waits.push(timer.waits.at(-1)!.ms);
      assert.equal(sockets.length, i + 1, 'no new socket before the wait is over');
      timer.fire();
      assert.equal(client.getSnapshot().connection, 'connecting');
    }
    assert.deepEqual(waits, [FIRST_RETRY_MS, 2000, 4000, 8000, MAX_RETRY_MS, MAX_RETRY_MS]);
    assert.equal(sockets.length, 7);
    assert.ok(sockets.every((s) => s.url === sockets[0]!.url));
    last().accept();
    assert.equal(client.getSnapshot().unreachable, false);
    // An open connection starts the waits over.
    last().drop();
    assert.equal(timer.waits.at(-1)!.ms, FIRST_RETRY_MS);
    assert.equal(client.getSnapshot().unreachable, false, 'it did open once: not a page without a lab server');
  });

  test('a drop ends the watch on the page; the last screen and the grid stay', () => {
    const { client, last } = openClient();
    last().frame({ type: 'roster', now: 1, stuckAfterMs: 1, learners: [row(ALICE)] });
    client.watch(ALICE);
    last().frame({ type: 'watch', learner: ALICE, state: 'watching' });
    last().drop();
    assert.deepEqual(client.getSnapshot().watching, { learner: ALICE, state: 'ended' });
    assert.equal(client.getSnapshot().learners.length, 1);
  });

  test('a socket of before a reconnect says nothing more', () => {
    const { client, timer, sockets } = openClient();
    const old = sockets[0]!;
    old.drop();
    timer.fire();
    old.frame({ type: 'notice', text: 'from the old socket' });
    old.drop();
    assert.deepEqual(client.getSnapshot().notices, []);
    assert.equal(timer.waits.length, 1, 'no second retry for the old socket');
  });

  test('dispose closes the socket and stops reconnecting', () => {
    const { client, sockets, timer, last } = openClient();
    let told = 0;
    client.subscribe(() => told++);
    client.dispose();
    assert.equal(sockets[0]!.closedWith, 1000);
    last().drop(1000, '');
    assert.equal(timer.waits.length, 0, 'no retry after dispose');
    assert.equal(told, 0);
    assert.equal(client.watch(ALICE), false);

    // Disposed while waiting to reconnect: the wait is cancelled.
    const waiting = setup();
    waiting.last().drop();
    assert.equal(waiting.timer.waits.length, 1);
    waiting.client.dispose();
    assert.equal(waiting.timer.waits[0]!.cancelled, true);
    assert.equal(waiting.sockets.length, 1);
  });
});

class FakeScreen {
  log: string[] = [];
  write(data: string, done: () => void): void {
    this.log.push(data);
    done();
  }
  reset(): void {
    this.log.push('<reset>');
  }
}

describe("the watched terminal's screen", () => {
  test('keeps the output until a terminal is there, then writes it', () => {
    const { client, last } = openClient();
    const screen = new WatchScreen(client);
    client.watch(ALICE);
    last().frame({ type: 'watch', learner: ALICE, state: 'watching' });
    last().frame({ type: 'output', data: 'recent ' });
    last().frame({ type: 'output', data: 'screen' });
    const term = new FakeScreen();
    screen.attach(term);
    last().frame({ type: 'output', data: ' and more' });
    assert.deepEqual(term.log, ['<reset>', 'recent screen', ' and more']);
  });

  test("a new watch starts a fresh screen before its first output; an ended watch's screen stays", () => {
    const { client, last } = openClient();
    const screen = new WatchScreen(client);
    const term = new FakeScreen();
    screen.attach(term);
    term.log = [];
    client.watch(ALICE);
    last().frame({ type: 'watch', learner: ALICE, state: 'watching' });
    last().frame({ type: 'output', data: 'alice' });
    last().frame({ type: 'watch', learner: ALICE, state: 'ended', message: 'x' });
    last().frame({ type: 'roster', now: 1, stuckAfterMs: 1, learners: [] });
    client.watch(BOB);
    last().frame({ type: 'watch', learner: BOB, state: 'watching' });
    last().frame({ type: 'output', data: 'bob' });
    assert.deepEqual(term.log, ['<reset>', 'alice', '<reset>', 'bob']);
  });

  test('stops writing when the terminal goes, and forgets the output when the watch is closed', () => {
    const { client, last } = openClient();
    const screen = new WatchScreen(client);
    const term = new FakeScreen();
    screen.attach(term);
    client.watch(ALICE);
    last().frame({ type: 'watch', learner: ALICE, state: 'watching' });
    screen.detach(term);
    last().frame({ type: 'output', data: 'kept' });
    client.unwatch();
    client.watch(BOB);
    last().frame({ type: 'watch', learner: BOB, state: 'watching' });
    last().frame({ type: 'output', data: 'x'.repeat(MAX_PENDING_CHARS + 10) });
    const next = new FakeScreen();
    screen.attach(next);
    assert.equal(term.log.includes('kept'), false);
    assert.deepEqual(next.log.length, 2);
    assert.equal(next.log[1]!.length, MAX_PENDING_CHARS, "Alice's output is gone, and Bob's is cut to the newest");
    screen.dispose();
    last().frame({ type: 'output', data: 'after dispose' });
    assert.equal(next.log.length, 2);
  });
});
