// TabMachine's keystroke path on a fake v86 main loop: a keystroke runs the
// guest in its own task until it answers, so the echo is handed on before
// input() returns. The real emulator's figures are in `npm run bench -- tab`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TabMachine, type Emulator, type MachineEvent } from '../../lab/tab/tab-machine.ts';
import { TAB_UARTS } from '../../lab/tab/layout.ts';

/** What one slice of the fake guest does with the bytes typed so far. */
type Guest = (typed: string, out: (s: string) => void, halt: () => void) => void;

/** v86's main loop as src/main.js keeps it: idle between slices, each slice one do_tick(). */
class FakeLoop {
  running = true;
  stopping = false;
  idle = true;
  ticks = 0;
  readonly cpu;

  constructor(
    private readonly emulator: FakeEmulator,
    halted: Uint8Array,
  ) {
    this.cpu = { io: { register_read: () => undefined, register_write: () => undefined }, in_hlt: halted };
  }

  do_tick(): void {
    this.idle = false;
    this.ticks++;
    this.emulator.slice();
    this.idle = true;
  }
}

class FakeEmulator implements Emulator {
  private readonly listeners = new Map<string, Set<(v: never) => void>>();
  typed = '';
  readonly halted = new Uint8Array(1);
  readonly v86 = new FakeLoop(this, this.halted);

  constructor(private readonly guest: Guest) {}

  add_listener(event: string, listener: (value: never) => void): void {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(listener);
  }

  remove_listener(event: string, listener: (value: never) => void): void {
    this.listeners.get(event)?.delete(listener);
  }

  serial_send_bytes(serial: number, data: Uint8Array): void {
    if (serial === TAB_UARTS.console0) this.typed += new TextDecoder().decode(data);
    this.halted[0] = 0;
  }

  slice(): void {
    const out = (s: string): void => {
      for (const b of new TextEncoder().encode(s)) for (const l of this.listeners.get(`serial${TAB_UARTS.console0}-output-byte`) ?? []) (l as (v: number) => void)(b);
    };
    this.guest(this.typed, out, () => (this.halted[0] = 1));
  }

  restore_state = async (): Promise<void> => undefined;
  save_state = async (): Promise<ArrayBuffer> => new ArrayBuffer(0);
  run(): void {}
  stop(): void {}
  destroy(): void {}
}

function machineOn(guest: Guest): { emulator: FakeEmulator; machine: TabMachine; seen: string[] } {
  const emulator = new FakeEmulator(guest);
  // Output left to its schedule would come a task later: never, here.
  const machine = new TabMachine(emulator, { schedule: () => undefined });
  const seen: string[] = [];
  machine.on((e: MachineEvent) => {
    if (e.type === 'output') seen.push(e.data);
  });
  return { emulator, machine, seen };
}

test('a keystroke the guest echoes in its first slice is handed on before input() returns', () => {
  const { emulator, machine, seen } = machineOn((typed, out, halt) => {
    out(typed);
    halt();
  });
  machine.input(0, 'x');
  assert.deepEqual(seen, ['x']);
  assert.equal(emulator.v86.ticks, 1);
});

test('a busy guest gets more slices, until it answers', () => {
  let slices = 0;
  const { emulator, machine, seen } = machineOn((typed, out) => {
    // A program holds the CPU for two slices; then the shell gets in and echoes.
    if (++slices === 3) out(typed);
  });
  machine.input(0, 'y');
  assert.deepEqual(seen, ['y']);
  assert.equal(emulator.v86.ticks, 3);
});

test('a guest that halts without answering is left to its own loop', () => {
  const { emulator, machine, seen } = machineOn((_typed, _out, halt) => halt());
  machine.input(0, '\x15');
  assert.equal(emulator.v86.ticks, 1);
  assert.deepEqual(seen, []);
});

test('a guest that neither answers nor halts is run for a few milliseconds at most', (t) => {
  // A clock of its own, one millisecond a slice: the bound, not the host's speed, ends the run.
  let clock = 0;
  t.mock.method(performance, 'now', () => clock);
  const { emulator, machine } = machineOn(() => {
    clock += 1;
  });
  machine.input(0, 'z');
  assert.equal(emulator.v86.ticks, 4, `${emulator.v86.ticks} slices of 1 ms`);
});

test('no slice is run from inside a slice, nor in a stopped machine', () => {
  const { emulator, machine, seen } = machineOn((typed, out, halt) => {
    out(typed);
    halt();
  });
  emulator.v86.idle = false;
  machine.input(0, 'a');
  emulator.v86.idle = true;
  emulator.v86.running = false;
  machine.input(0, 'b');
  assert.equal(emulator.v86.ticks, 0);
  assert.deepEqual(seen, []);
});
