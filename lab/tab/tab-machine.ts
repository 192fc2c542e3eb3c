/*
 * One i386 lab VM running in v86, as the lab needs it: its consoles as
 * text in and out, the control channel, the pvpanic port, start from a
 * saved state or a cold boot. Used by the page's tab transport and, in
 * Node, by the snapshot builder and the tests, so both drive the guest the
 * same way. Pure: the emulator is passed in, no Node and no DOM here.
 */
import type {ConsoleIndex} from '../protocol.ts';
import {
  consoleUart,
  lessonLine,
  PANIC_PANICKED,
  PANIC_PORT,
  EXIT_LINE,
  snapshotLine,
  TAB_UARTS,
} from './layout.ts';
import {clockLine, deliver, parseReply, PutError, sizeLine, type PutPayload, type PutReply} from '../vm/control-format.ts';

/** The I/O port table of v86's CPU (src/io.js), for the panic port. */
interface IOPorts {
  register_read(port: number, device: object, r8: () => number): void;
  register_write(port: number, device: object, w8: (value: number) => void): void;
}

/**
 * v86's main loop (src/main.js): it runs the guest in slices of about a
 * millisecond, and between two of them it is `idle`, its next slice
 * posted as a task. Absent from fakes.
 */
interface MainLoop {
  running?: boolean;
  stopping?: boolean;
  idle?: boolean;
  do_tick?: () => void;
  cpu: {
    io: IOPorts;
    in_hlt?: Uint8Array;
    zero_memory?: (start: number, length: number) => void;
    /** The UARTs (src/uart.js): bytes sent to one wait in its unbounded `input` until the guest reads them. */
    devices?: Partial<Record<`uart${number}`, {input: {length: number}}>>;
  };
}

/** The part of v86's V86 class this file uses; tests pass a fake. */
export interface Emulator {
  add_listener(event: string, listener: (value: never) => void): void;
  remove_listener(event: string, listener: (value: never) => void): void;
  serial_send_bytes(serial: number, data: Uint8Array): void;
  restore_state(state: ArrayBuffer): Promise<void>;
  save_state(): Promise<ArrayBuffer>;
  run(): Promise<void> | void;
  stop(): Promise<void> | void;
  destroy(): Promise<void> | void;
  readonly v86: MainLoop;
}

export type MachineEvent =
  | {type: 'output'; console: ConsoleIndex; data: string}
  /** The kernel reported a panic; the emulator is stopped. */
  | {type: 'panic'}
  /** The main shell ended (exit, poweroff); the emulator is stopped. */
  | {type: 'exit'}
  /** A line /init wrote on the control channel. */
  | {type: 'control'; line: string};

/**
 * Serial output arrives one byte per event; a terminal wants text. Bytes
 * are collected and handed on once per task, decoded as UTF-8 across chunk
 * boundaries.
 */
class SerialReader {
  private bytes: number[] = [];
  private scheduled = false;
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly deliver: (text: string) => void,
    private readonly schedule: (f: () => void) => void,
  ) {}

  push(byte: number): void {
    this.bytes.push(byte);
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.bytes.length === 0) return;
    const text = this.decoder.decode(Uint8Array.from(this.bytes), {stream: true});
    this.bytes = [];
    if (text) this.deliver(text);
  }
}

/**
 * How long a keystroke may run the guest in the keystroke's own task
 * (TabMachine.input): enough for the interrupt, the tty and the shell's
 * echo when the guest is idle, and for the scheduler to let the shell in
 * when a program keeps the CPU busy.
 */
const INPUT_SLICE_MS = 4;

/**
 * A put goes to the guest in pieces this large, the next when the UART
 * has handed the last to the guest. v86's UART takes any amount at once,
 * and the guest's 8250 driver drains it in one interrupt, up to 128 KiB
 * (512 passes of 256 bytes), into tty buffers limited to 64 KiB. Sent
 * whole, a 400 KiB file (test/lab/tab-vm.test.ts) lost lines: the guest
 * waited for the rest until the put timed out.
 */
const PUT_PIECE_BYTES = 2048;

/**
 * What of a new emulator's memory v86 has written by 'emulator-loaded',
 * with no kernel given: the BIOS and its tables in the first MiB. The rest
 * is as WebAssembly made it, zero (test/lab/tab-vm.test.ts checks it).
 */
export const FRESH_WRITTEN_BYTES = 1 << 20;

export interface TabMachineOptions {
  /** When collected serial output is handed on; default: the next macrotask. */
  schedule?: (f: () => void) => void;
}

export class TabMachine {
  private readonly listeners = new Set<(e: MachineEvent) => void>();
  private readonly unhook: (() => void)[] = [];
  private readonly encoder = new TextEncoder();
  private readonly readers: SerialReader[] = [];
  private controlText = '';
  /** Control lines waiting while a put is on the wire: its lines must reach the guest together. */
  private held?: string[];
  private puts: Promise<unknown> = Promise.resolve();
  /** Ends the put on the wire when the machine is destroyed (a reset): its listeners go with it. */
  private endPut?: () => void;
  private panicked = false;
  private ended = false;
  private destroyed = false;
  /** Console bytes seen, to tell when a keystroke's answer came out. */
  private consoleBytes = 0;

  /**
   * `emulator` must be loaded (v86's "emulator-loaded") and not yet
   * running: the panic port must be in place before the guest runs.
   */
  constructor(
    private readonly emulator: Emulator,
    opts: TabMachineOptions = {},
  ) {
    const schedule = opts.schedule ?? ((f) => setTimeout(f, 0));
    for (const index of [0, 1] as const) {
      const reader = new SerialReader((data) => this.emit({type: 'output', console: index, data}), schedule);
      this.readers.push(reader);
      this.listen(`serial${consoleUart(index)}-output-byte`, (b: number) => {
        this.consoleBytes++;
        reader.push(b);
      });
    }
    const control = new SerialReader((text) => this.onControl(text), schedule);
    this.listen(`serial${TAB_UARTS.control}-output-byte`, (b: number) => control.push(b));
    const device = {name: 'pvpanic'};
    // The driver probes the port at boot and registers only if it reads
    // back the PANICKED event as supported, as from QEMU's device.
    emulator.v86.cpu.io.register_read(PANIC_PORT, device, () => PANIC_PANICKED);
    emulator.v86.cpu.io.register_write(PANIC_PORT, device, (value) => {
      if (value & PANIC_PANICKED) this.onPanic();
    });
  }

  private listen(event: string, fn: (value: never) => void): void {
    this.emulator.add_listener(event, fn);
    this.unhook.push(() => this.emulator.remove_listener(event, fn));
  }

  on(fn: (e: MachineEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: MachineEvent): void {
    for (const fn of Array.from(this.listeners)) fn(e);
  }

  private onControl(text: string): void {
    this.controlText += text;
    let nl: number;
    while ((nl = this.controlText.indexOf('\n')) >= 0) {
      const line = this.controlText.slice(0, nl).replace(/\r$/, '');
      this.controlText = this.controlText.slice(nl + 1);
      this.emit({type: 'control', line});
      if (line === EXIT_LINE) this.onExit();
    }
  }

  private onPanic(): void {
    if (this.panicked) return;
    this.panicked = true;
    // The guest now spins in panic() (panic=0): stop it where it fell. The
    // notifier flushed the panic's text to the console; what of it still
    // waits for its task is handed on before the panic is reported.
    void Promise.resolve(this.emulator.stop()).then(() => {
      for (const r of this.readers) r.flush();
      this.emit({type: 'panic'});
    });
  }

  private onExit(): void {
    if (this.ended || this.panicked) return;
    this.ended = true;
    void Promise.resolve(this.emulator.stop()).then(() => this.emit({type: 'exit'}));
  }

  get hasPanicked(): boolean {
    return this.panicked;
  }

  /**
   * Start a new emulator from a saved state (unpacked). v86 zeroes all of
   * the guest's memory before it copies the saved pages in: in a new
   * emulator that is 90 of the 105 ms a restore takes in Node (measured),
   * spent making the host give it 128 MiB of pages that are zero already.
   * Only what v86 wrote itself is zeroed here.
   */
  async restore(state: ArrayBuffer): Promise<void> {
    const cpu = this.emulator.v86.cpu;
    const zero = cpu.zero_memory;
    if (zero) cpu.zero_memory = (start, length) => zero.call(cpu, start, Math.max(0, Math.min(length, FRESH_WRITTEN_BYTES - start)));
    try {
      await this.emulator.restore_state(state);
    } finally {
      if (zero) cpu.zero_memory = zero;
    }
    await this.emulator.run();
  }

  /** Start a machine that was created to boot a kernel. */
  async boot(): Promise<void> {
    await this.emulator.run();
  }

  /** Resolves with the first control line that satisfies `match`. */
  controlLine(match: (line: string) => boolean): Promise<string> {
    return new Promise((resolve) => {
      const off = this.on((e) => {
        if (e.type !== 'control' || !match(e.line)) return;
        off();
        resolve(e.line);
      });
    });
  }

  /** Resolves once a booting machine is ready to be saved: both consoles' shells wait for the lesson. */
  snapshotReady(): Promise<void> {
    const waiting = new Set<string>();
    const want = [snapshotLine(0), snapshotLine(1)];
    return this.controlLine((l) => {
      if (want.includes(l)) waiting.add(l);
      return waiting.size === want.length;
    }).then(() => undefined);
  }

  /** The whole machine, for restore(). Stops it first: a state is of a still machine. */
  async save(): Promise<ArrayBuffer> {
    await this.emulator.stop();
    return this.emulator.save_state();
  }

  /**
   * After a restore: set the guest's clock, tell both consoles' shells the
   * lesson (they go on in /lab/<lesson>), and console 0's its size. Console 1's shell takes no
   * size from its line: its terminal's comes by resize().
   */
  enterLesson(lesson: string, cols: number, rows: number): void {
    this.sendControl(clockLine());
    this.input(0, lessonLine(lesson, cols, rows));
    this.input(1, lessonLine(lesson, 80, 24));
  }

  resize(index: ConsoleIndex, cols: number, rows: number): void {
    this.sendControl(sizeLine(index, cols, rows));
  }

  private sendControl(line: string): void {
    if (this.held) this.held.push(line);
    else this.emulator.serial_send_bytes(TAB_UARTS.control, this.encoder.encode(line));
  }

  /**
   * Put files into the guest's lesson folders (lab/image/init's put), each
   * only if the guest's copy differs, as the lab server does through QEMU
   * (lab/vm/control.ts). Resolves with the paths sent; rejects with
   * PutError on a refusal, a panic, the machine's end or the timeout.
   */
  put(files: readonly PutPayload[], timeoutMs: number): Promise<string[]> {
    const run = (): Promise<string[]> => this.exchange(timeoutMs, (ask) => deliver(files, ask));
    const p = this.puts.then(run);
    this.puts = p.catch(() => undefined);
    return p;
  }

  private async exchange<T>(timeoutMs: number, talk: (ask: (lines: string[], matches: (r: PutReply) => boolean) => Promise<PutReply>) => Promise<T>): Promise<T> {
    const offs: (() => void)[] = [];
    const failed = new Promise<never>((_, reject) => {
      const timer = setTimeout(() => reject(new PutError(`put: the VM did not answer within ${timeoutMs} ms`)), timeoutMs);
      offs.push(() => clearTimeout(timer));
      offs.push(
        this.on((e) => {
          if (e.type === 'panic') reject(new PutError('put: the guest kernel panicked'));
          if (e.type === 'exit') reject(new PutError('put: the VM has ended'));
        }),
      );
      this.endPut = () => reject(new PutError('put: the VM has ended'));
      offs.push(() => (this.endPut = undefined));
    });
    failed.catch(() => undefined);
    const ask = (lines: string[], matches: (r: PutReply) => boolean): Promise<PutReply> => {
      const reply = new Promise<PutReply>((resolve) => {
        const off = this.on((e) => {
          if (e.type !== 'control') return;
          const r = parseReply(e.line);
          if (r && matches(r)) {
            off();
            resolve(r);
          }
        });
        offs.push(off);
      });
      return Promise.race([this.sendPaced(lines.join(''), () => over).then(() => reply), failed]);
    };
    if (this.destroyed || this.ended || this.panicked) throw new PutError('put: the VM has ended');
    let over = false;
    offs.push(() => (over = true));
    this.held = [];
    try {
      return await Promise.race([talk(ask), failed]);
    } finally {
      for (const off of offs) off();
      const held = this.held;
      this.held = undefined;
      for (const line of held) this.sendControl(line);
    }
  }

  /** Send text on the control channel a piece at a time, each once the UART has passed the last to the guest. */
  private async sendPaced(text: string, over: () => boolean): Promise<void> {
    const bytes = this.encoder.encode(text);
    const uart = this.emulator.v86.cpu.devices?.[`uart${TAB_UARTS.control}`];
    const stopped = (): boolean => over() || this.destroyed || this.panicked || this.ended;
    for (let at = 0; at < bytes.length && !stopped(); at += PUT_PIECE_BYTES) {
      while (uart && uart.input.length > 0 && !stopped()) await new Promise((r) => setTimeout(r, 1));
      if (stopped()) return;
      this.emulator.serial_send_bytes(TAB_UARTS.control, bytes.subarray(at, at + PUT_PIECE_BYTES));
    }
  }

  /** Type `data` on a console; the guest answers (echoes) before this returns, when it can. */
  input(index: ConsoleIndex, data: string): void {
    if (this.destroyed) return;
    this.emulator.serial_send_bytes(consoleUart(index), this.encoder.encode(data));
    this.answerNow();
  }

  /**
   * Run the guest now, in the input's own task, until it answers on a
   * console or halts, for at most INPUT_SLICE_MS. Left to v86's loop, the
   * slice that takes the interrupt is a posted task, and after an input
   * event Chromium runs posted tasks only once it has drawn the next frame
   * (measured: keystroke to echo byte 2–15 ms, idle guest). Run here, the
   * echo reaches xterm.js while it still treats the write as the answer to
   * the user's input, which it parses at once, and it is drawn in the very
   * next frame. Not from within a slice (input from an output listener):
   * the loop is not idle then.
   */
  private answerNow(): void {
    const loop = this.emulator.v86;
    if (typeof loop.do_tick !== 'function') return;
    const seen = this.consoleBytes;
    const start = performance.now();
    while (loop.running && !loop.stopping && loop.idle && this.consoleBytes === seen && performance.now() - start < INPUT_SLICE_MS) {
      loop.do_tick();
      if (loop.cpu.in_hlt?.[0]) break;
    }
    if (this.consoleBytes !== seen) for (const r of this.readers) r.flush();
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.endPut?.();
    for (const f of this.unhook.splice(0)) f();
    this.listeners.clear();
    await this.emulator.destroy();
  }
}
