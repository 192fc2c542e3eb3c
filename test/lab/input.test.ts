// A console's input with backpressure: LabVM.write and GuestConsole.write
// call `done` once the kernel has the data, so a writer that waits for it
// keeps one chunk in this process however long the guest does not read.
import assert from 'node:assert/strict';
import { fstatSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as pty from 'node-pty';
import type { Lab } from '../../lab/builder/lab.ts';
import { bootLabVM } from '../../lab/vm/boot.ts';
import { FdWriter } from '../../lab/vm/fd-writer.ts';
import type { LabVM } from '../../lab/vm/lab-vm.ts';
import { ptyMasterFd } from '../../lab/vm/pty-fd.ts';
import { testLab } from '../helpers/lab.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapAfterGC(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Lines of 64 bytes: the guest's terminal is in canonical mode, where a line holds at most 4095. */
function chunkOf(bytes: number): string {
  return `${'x'.repeat(63)}\n`.repeat(bytes / 64);
}

/**
 * Write `total` bytes in `chunk`-byte pieces, each after the last one's
 * `done`. `taken` counts what the kernel has taken.
 */
function writeAll(write: (d: string, done: () => void) => void, total: number, chunk: number): { taken: () => number; finished: Promise<void> } {
  const data = chunkOf(chunk);
  let taken = 0;
  const finished = new Promise<void>((resolve) => {
    const next = (): void => {
      if (taken >= total) return resolve();
      write(data, () => {
        taken += chunk;
        next();
      });
    };
    next();
  });
  return { taken: () => taken, finished };
}

describe('node-pty, as LabVM uses it', () => {
  test("the pty master's fd is there (node-pty's UnixTerminal.fd, undeclared in its typings)", async () => {
    const p = pty.spawn('cat', [], { cols: 80, rows: 24 });
    try {
      const fd = ptyMasterFd(p);
      assert.ok(fstatSync(fd).isCharacterDevice(), 'not a character device: not the pty master');
      let echoed = '';
      p.onData((d) => (echoed += d));
      const w = new FdWriter(fd);
      await new Promise<void>((resolve) => w.write('through the fd\n', resolve));
      const end = Date.now() + 5000;
      while (!echoed.includes('through the fd') && Date.now() < end) await sleep(20);
      assert.match(echoed, /through the fd/);
    } finally {
      p.kill('SIGKILL');
    }
  });

  test('a pty whose reader sleeps takes tens of KiB, and the writer keeps one chunk', async () => {
    const p = pty.spawn('sleep', ['30'], { cols: 80, rows: 24 });
    const w = new FdWriter(ptyMasterFd(p));
    try {
      const run = writeAll((d, done) => w.write(d, done), 1 << 20, 1024);
      await sleep(1500);
      const kernel = run.taken() + (1024 - w.pending);
      // Measured here: 20 KiB in 1 KiB writes.
      assert.ok(kernel > 4096 && kernel <= 64 * 1024, `the pty took ${kernel} bytes`);
      assert.ok(w.pending <= 1024, `${w.pending} bytes wait in this process`);
    } finally {
      w.end();
      p.kill('SIGKILL');
    }
  });

  test('an ended writer runs every done, queued or new, so no caller waits forever', async () => {
    const p = pty.spawn('sleep', ['30'], { cols: 80, rows: 24 });
    const w = new FdWriter(ptyMasterFd(p));
    let calls = 0;
    w.write(chunkOf(1 << 20), () => calls++);
    await sleep(200);
    assert.equal(calls, 0, 'done ran before the kernel took the data');
    assert.ok(w.pending > 900_000);
    w.end();
    p.kill('SIGKILL');
    assert.equal(calls, 1);
    assert.equal(w.pending, 0);
    await new Promise<void>((resolve) => w.write('late', resolve));
  });
});

describe('input into a guest that does not read', () => {
  let lab: Lab;
  let vm: LabVM;
  before(async () => {
    lab = await testLab();
    vm = await bootLabVM(lab, { extraConsoles: 1 });
  });
  after(async () => {
    await vm.stop();
  });

  /** Type `command` on a console and wait until `marker` is printed by it (not echoed as typed). */
  async function started(on: { write: (d: string) => void; on: (e: 'data', l: (d: string) => void) => unknown }, command: string): Promise<() => string> {
    let out = '';
    on.on('data', (d) => (out += d));
    on.write(`stty -echo; echo SLEEP""ING; ${command}\n`);
    const end = Date.now() + 30_000;
    while (!out.includes('SLEEPING') && Date.now() < end) await sleep(20);
    assert.ok(out.includes('SLEEPING'), `the command did not start:\n${out}`);
    return () => out.slice(out.indexOf('SLEEPING'));
  }

  test('main console: 1 MiB behind `sleep 30` waits in the pty, not here; then all of it is read', { timeout: 180_000 }, async () => {
    const total = 1 << 20;
    const chunk = 4096;
    const output = await started(vm, `sleep 30; head -c ${total} | wc -c; stty echo`);
    const heap0 = heapAfterGC();
    const run = writeAll((d, done) => vm.write(d, done), total, chunk);
    let maxPending = 0;
    const sample = setInterval(() => (maxPending = Math.max(maxPending, vm.pendingInput)), 50);
    try {
      // The guest's UART takes input at its own pace (about 50 KB/s under
      // TCG here): the rest waits, in the writer's hands, one chunk at a time.
      await sleep(10_000);
      assert.ok(maxPending <= chunk, `${maxPending} bytes waited in this process`);
      assert.ok(heapAfterGC() - heap0 < 2 * 1024 * 1024, 'the heap grew while input waited');
      await run.finished;
      const end = Date.now() + 120_000;
      while (!/\n\d+\r*\n/.test(output()) && Date.now() < end) await sleep(100);
    } finally {
      clearInterval(sample);
    }
    assert.ok(maxPending <= chunk, `${maxPending} bytes waited in this process`);
    assert.match(output(), new RegExp(`\\n${total}\\r*\\n`), 'the guest did not read all of it');
    assert.equal((await vm.exec('echo alive')).output, 'alive\n');
  });

  test('console 1: the same through its socket', { timeout: 120_000 }, async () => {
    const total = 256 * 1024;
    const chunk = 4096;
    const c = vm.extraConsoles[0]!;
    const output = await started(c, `sleep 8; head -c ${total} | wc -c; stty echo`);
    const run = writeAll((d, done) => c.write(d, done), total, chunk);
    let maxPending = 0;
    const sample = setInterval(() => (maxPending = Math.max(maxPending, c.pendingInput)), 50);
    try {
      await run.finished;
      const end = Date.now() + 60_000;
      while (!/\n\d+\r*\n/.test(output()) && Date.now() < end) await sleep(100);
    } finally {
      clearInterval(sample);
    }
    assert.ok(maxPending <= chunk, `${maxPending} bytes waited in this process`);
    assert.match(output(), new RegExp(`\\n${total}\\r*\\n`), 'the guest did not read all of it');
  });

  test('after the VM ends, a write completes at once', async () => {
    const other = await bootLabVM(lab, { extraConsoles: 1 });
    let completed = 0;
    await started(other, 'sleep 60');
    other.write(chunkOf(1 << 20), () => completed++);
    other.extraConsoles[0]!.write('x', () => completed++);
    await other.stop();
    await sleep(0);
    assert.equal(completed, 2, 'a write queued before the end never completed');
    await new Promise<void>((resolve) => other.write('late', resolve));
    await new Promise<void>((resolve) => other.extraConsoles[0]!.write('late', resolve));
  });
});
