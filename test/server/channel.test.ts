// A console channel and its input queue, on a fake console: output flow
// control, output gathered into frames, input bounded with Ctrl-C first.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConsoleChannel, type ConsoleIO } from '../../lab/server/channel.ts';
import { InputQueue } from '../../lab/server/input-queue.ts';
import { INTERRUPT as CTRL_C } from '../../lab/protocol.ts';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class Console implements ConsoleIO {
  listener: (d: string) => void = () => undefined;
  calls: string[] = [];
  sizes: string[] = [];
  written: string[] = [];
  onData(l: (d: string) => void): void {
    this.listener = l;
  }
  write(d: string, done: () => void): void {
    this.written.push(d);
    setImmediate(done);
  }
  pause(): void {
    this.calls.push('pause');
  }
  resume(): void {
    this.calls.push('resume');
  }
  resize(cols: number, rows: number): void {
    this.sizes.push(`${cols}x${rows}`);
  }
}

describe('a console channel', () => {
  test('pauses the console above the high watermark and resumes it below the low one', async () => {
    const io = new Console();
    const ch = new ConsoleChannel(io, { marks: { high: 100, low: 20 }, inputLimit: 1024, frameWindowMs: 0 });
    let got = '';
    ch.attach((d) => (got += d));
    io.listener('x'.repeat(60));
    io.listener('x'.repeat(60));
    assert.deepEqual(io.calls, ['pause'], 'output gathered for a frame counts too');
    await tick();
    assert.equal(got.length, 120);
    assert.equal(ch.ack(200), false, 'acking more than was sent is refused');
    assert.ok(ch.ack(110));
    assert.deepEqual(io.calls, ['pause', 'resume']);
    ch.detach();
    io.listener('y'.repeat(250));
    assert.ok(ch.pending <= 250);
    assert.equal(io.calls.at(-1), 'pause');
    got = '';
    ch.attach((d) => (got += d));
    // Past twice the high watermark, the oldest unwatched output is dropped.
    assert.equal(got, 'y'.repeat(100), 'held output is delivered on attach');
  });

  test('gathers a flood of small reads into few frames, and sends the first after a quiet spell at once', async () => {
    const io = new Console();
    const ch = new ConsoleChannel(io, { marks: { high: 1 << 20, low: 1 << 16 }, inputLimit: 1024, frameWindowMs: 20 });
    const frames: string[] = [];
    ch.attach((d) => frames.push(d));
    // An echo after a quiet spell goes out on the next turn of the event loop.
    io.listener('e');
    await tick();
    assert.deepEqual(frames, ['e']);
    // 300 ms of 5-character reads every millisecond: at most one frame per 20 ms.
    const end = performance.now() + 300;
    let sent = 0;
    while (performance.now() < end) {
      io.listener('yes\r\n');
      sent += 5;
      await sleep(1);
    }
    await sleep(40);
    const flood = frames.slice(1);
    assert.equal(flood.join('').length, sent, 'nothing lost');
    assert.ok(flood.length <= 300 / 20 + 2, `${flood.length} frames for ${sent / 5} reads`);
    ch.close();
  });

  test('output gathered but not sent when the terminal leaves is kept for the next one', async () => {
    const io = new Console();
    const ch = new ConsoleChannel(io, { marks: { high: 1 << 20, low: 1 << 16 }, inputLimit: 1024, frameWindowMs: 50 });
    const first: string[] = [];
    ch.attach((d) => first.push(d));
    io.listener('a');
    await tick();
    io.listener('b'); // within the window: held for a frame
    ch.detach();
    const second: string[] = [];
    ch.attach((d) => second.push(d));
    assert.deepEqual(first, ['a']);
    assert.deepEqual(second, ['b']);
    ch.close();
  });

  test('a burst of resizes reaches the guest as its first and its last', async () => {
    const io = new Console();
    const ch = new ConsoleChannel(io, { marks: { high: 100, low: 20 }, inputLimit: 1024, resizeWindowMs: 30 });
    for (let c = 80; c < 180; c++) ch.resize(c, 24);
    await sleep(100);
    assert.deepEqual(io.sizes, ['80x24', '179x24']);
    ch.resize(90, 30);
    assert.deepEqual(io.sizes.at(-1), '90x30', 'after a quiet spell a resize goes at once');
    ch.close();
  });
});

describe('the input queue', () => {
  /** A console that takes a write only when told to. */
  function slowConsole(): { write: (d: string, done: () => void) => void; taken: string[]; release: () => void } {
    const waiting: { d: string; done: () => void }[] = [];
    const taken: string[] = [];
    return {
      taken,
      write: (d, done) => waiting.push({ d, done }),
      release: () => {
        const w = waiting.shift();
        if (!w) return;
        taken.push(w.d);
        w.done();
      },
    };
  }

  test('hands over one chunk at a time and says when it is full', () => {
    const c = slowConsole();
    const q = new InputQueue(c.write, 100, 200, 10);
    assert.equal(q.push('x'.repeat(50)), true);
    assert.equal(q.length, 40, 'one chunk of 10 is with the console');
    assert.equal(q.push('y'.repeat(60)), false, 'past the limit: stop reading');
    assert.ok(q.isFull);
  });

  test('past the hard limit input is dropped, never buffered', () => {
    const c = slowConsole();
    const q = new InputQueue(c.write, 100, 200, 10);
    for (let i = 0; i < 100; i++) q.push('z'.repeat(100));
    assert.ok(q.length <= 200, `${q.length} characters queued`);
    assert.ok(q.dropped >= 100 * 100 - 210);
  });

  test('drains in order and wakes the sender below half its limit', () => {
    const c = slowConsole();
    const q = new InputQueue(c.write, 40, 80, 10);
    let woken = 0;
    q.onDrain(() => woken++);
    q.push('abcdefghij'.repeat(5));
    assert.ok(q.isFull);
    for (let i = 0; i < 3; i++) c.release();
    assert.equal(woken, 1);
    for (let i = 0; i < 10; i++) c.release();
    assert.equal(c.taken.join(''), 'abcdefghij'.repeat(5));
  });

  test('Ctrl-C goes ahead of the queued input, which it throws away like a terminal does', () => {
    const c = slowConsole();
    const q = new InputQueue(c.write, 1000, 2000, 10);
    q.push('cat big-file\n'.repeat(50));
    q.push(`${CTRL_C}echo after\n`);
    c.release(); // the chunk that was already with the console
    c.release();
    assert.equal(c.taken[1], `${CTRL_C}echo afte`);
    c.release();
    assert.equal(c.taken.slice(1).join(''), `${CTRL_C}echo after\n`);
    assert.equal(q.length, 0);
  });

  test('never splits a character made of two UTF-16 units', () => {
    const c = slowConsole();
    const q = new InputQueue(c.write, 1000, 2000, 3);
    q.push('ab😀cd😀');
    for (let i = 0; i < 10; i++) c.release();
    assert.equal(c.taken.join(''), 'ab😀cd😀');
    for (const chunk of c.taken) assert.ok(!/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(chunk), `chunk ${JSON.stringify(chunk)}`);
  });

  test('reports every character that leaves it: taken by the guest, thrown away by Ctrl-C, or dropped', () => {
    const c = slowConsole();
    const q = new InputQueue(c.write, 100, 200, 10);
    let taken = 0;
    q.onTaken((n) => (taken += n));
    q.push('a'.repeat(50));
    c.release();
    assert.equal(taken, 10, 'one chunk taken');
    q.push(`bbbb${CTRL_C}`);
    assert.equal(taken, 10 + 30 + 4, "the queue and what came before the Ctrl-C in the same frame");
    q.push('c'.repeat(400));
    assert.equal(taken, 44 + 400 - 199, 'what did not fit under the hard limit');
    q.close();
    assert.equal(taken, 50 + 5 + 400 - 10, 'everything pushed but the chunk still with the console');
  });

  test('closing it drops the queue and wakes whoever waits', () => {
    const c = slowConsole();
    const q = new InputQueue(c.write, 10, 20, 5);
    let woken = false;
    q.onDrain(() => (woken = true));
    q.push('x'.repeat(30));
    q.close();
    assert.ok(woken);
    assert.equal(q.length, 0);
  });
});
