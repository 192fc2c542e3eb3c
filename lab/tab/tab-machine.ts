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
  sizeLine,
  EXIT_LINE,
  snapshotLine,
  TAB_UARTS,
} from './layout.ts';

/** The I/O port table of v86's CPU (src/io.js), for the panic port. */
interface IOPorts {
  register_read(port: number, device: object, r8: () => number): void;
  register_write(port: number, device: object, w8: (value: number) => void): void;
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
  readonly v86: {cpu: {io: IOPorts}};
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
  private panicked = false;
  private ended = false;
  private destroyed = false;

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
      this.listen(`serial${consoleUart(index)}-output-byte`, (b: number) => reader.push(b));
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

  /** Start from a saved state (as lab.state.zst: v86 undoes the zstd itself). */
  async restore(state: ArrayBuffer): Promise<void> {
    await this.emulator.restore_state(state);
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
   * After a restore: tell both consoles' shells the lesson (they go on in
   * /lab/<lesson>), and console 0's its size. Console 1's shell takes no
   * size from its line: its terminal's comes by resize().
   */
  enterLesson(lesson: string, cols: number, rows: number): void {
    this.input(0, lessonLine(lesson, cols, rows));
    this.input(1, lessonLine(lesson, 80, 24));
  }

  resize(index: ConsoleIndex, cols: number, rows: number): void {
    this.sendControl(sizeLine(index, cols, rows));
  }

  private sendControl(line: string): void {
    this.emulator.serial_send_bytes(TAB_UARTS.control, this.encoder.encode(line));
  }

  input(index: ConsoleIndex, data: string): void {
    if (this.destroyed) return;
    this.emulator.serial_send_bytes(consoleUart(index), this.encoder.encode(data));
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const f of this.unhook.splice(0)) f();
    this.listeners.clear();
    await this.emulator.destroy();
  }
}
