// A fake lab VM for the server's unit tests: the pool and the sessions get
// it from the same factory they get a QEMU machine from, so their logic
// (queues, retries, limits) is tested in milliseconds. Its consoles are the
// real ConsoleChannel over a scripted guest shell that answers a command
// with a prompt, unless the script says the shell is dead.
import { PutError, type PutFile } from '../../lab/vm/control.ts';
import { ConsoleChannel, type ChannelOptions, type ConsoleIO } from '../../lab/server/channel.ts';
import type { LabMachine, MachineFactory } from '../../lab/server/lab-machine.ts';
import type { VMExit } from '../../lab/vm/lab-vm.ts';
import type { StartKind, VMExitReason } from '../../lab/protocol.ts';

export interface FakeScript {
  /** How long a boot takes. */
  bootMs?: number;
  /** The boot fails (QEMU exits before the prompt). */
  bootFails?: boolean;
  /** The shell never answers a command (so entering the lesson times out). */
  deadShell?: boolean;
  /** The guest does not read its input (a `sleep` in the foreground). */
  notReading?: boolean;
  /** How the machine comes up: booted (the default) or restored. */
  started?: StartKind;
}

export const FAKE_CHANNEL: ChannelOptions = { marks: { high: 64 * 1024, low: 8 * 1024 }, inputLimit: 32 * 1024, frameWindowMs: 0 };

export class FakeConsole implements ConsoleIO {
  private listeners: ((d: string) => void)[] = [];
  /** Everything the guest has been handed, in order. */
  taken = '';
  /** Writes the guest has not taken yet (it is not reading). */
  private held: { data: string; done: () => void }[] = [];
  paused = false;
  sizes: { cols: number; rows: number }[] = [];
  cwd = '/lab';

  constructor(private readonly script: FakeScript) {}

  onData(listener: (d: string) => void): void {
    this.listeners.push(listener);
  }

  emit(d: string): void {
    for (const l of this.listeners) l(d);
  }

  write(data: string, done: () => void): void {
    if (this.script.notReading) {
      this.held.push({ data, done });
      return;
    }
    this.take(data);
    setImmediate(done);
  }

  /** The guest reads what it was sent so far (the `sleep` ended). */
  readAll(): void {
    this.script.notReading = false;
    for (const { data, done } of this.held.splice(0)) {
      this.take(data);
      done();
    }
  }

  private take(data: string): void {
    this.taken += data;
    if (this.script.deadShell) return;
    for (const line of data.split('\n').slice(0, -1)) {
      const cd = /^cd (\/lab\/\S+)/.exec(line);
      if (cd?.[1]) this.cwd = cd[1];
      setImmediate(() => this.emit(`${line}\r\nlab:${this.cwd}# `));
    }
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  resize(cols: number, rows: number): void {
    this.sizes.push({ cols, rows });
  }

  /** The console is gone with its VM: writes are taken into the void. */
  end(): void {
    this.readAll();
  }
}

export class FakeMachine implements LabMachine {
  readonly ready: Promise<void>;
  readonly exited: Promise<VMExit>;
  readonly consoles: FakeConsole[];
  readonly channels: ConsoleChannel[];
  readonly pid: number;
  readonly started: StartKind;
  private done = false;
  private finish!: (exit: VMExit) => void;
  stopped = false;
  entered: string[] = [];
  private static next = 1000;

  constructor(
    readonly script: FakeScript,
    channel: ChannelOptions = FAKE_CHANNEL,
    consoles = 2,
  ) {
    this.pid = FakeMachine.next++;
    this.started = script.started ?? 'boot';
    this.consoles = Array.from({ length: consoles }, () => new FakeConsole(script));
    this.channels = this.consoles.map((c) => new ConsoleChannel(c, channel));
    this.exited = new Promise<VMExit>((resolve) => (this.finish = resolve));
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (script.bootFails) {
          this.exit('failed');
          return;
        }
        for (const c of this.consoles) c.emit('\r\nUser <-> Kernel Lab -- Linux fake\r\nlab:/lab# ');
        resolve();
      }, script.bootMs ?? 5);
      void this.exited.then((exit) => {
        clearTimeout(timer);
        reject(new Error(`the fake VM ended (${exit.reason})`));
      });
    });
    this.ready.catch(() => undefined);
  }

  get isExited(): boolean {
    return this.done;
  }

  async enterLesson(lesson: string, timeoutMs = 200): Promise<void> {
    this.entered.push(lesson);
    await Promise.all(this.channels.map((ch) => ch.runHidden(`cd /lab/${lesson} 2>/dev/null || cd /lab`, timeoutMs)));
  }

  /** The VM ends by itself, as QEMU would report it. */
  exit(reason: VMExitReason, panic?: string): void {
    if (this.done) return;
    this.done = true;
    for (const c of this.consoles) c.end();
    for (const ch of this.channels) ch.close();
    this.finish({ reason, panic, tail: panic ? `Kernel panic - not syncing: ${panic}` : '', exitCode: reason === 'poweroff' ? 0 : 1 });
  }

  /** What the fake guest holds, path → SHA-256, as puts left it. */
  readonly files = new Map<string, string>();

  async put(files: { file: PutFile; sha256: string }[]): Promise<string[]> {
    if (this.done) throw new PutError('put: the VM has ended');
    const sent = files.filter((f) => this.files.get(f.file.path) !== f.sha256);
    for (const f of sent) this.files.set(f.file.path, f.sha256);
    return sent.map((f) => f.file.path);
  }

  async stop(): Promise<VMExit> {
    this.stopped = true;
    this.exit('killed');
    return this.exited;
  }
}

/** A factory the pool can use, and every machine it made. */
export function fakeMachines(script: FakeScript = {}, channel?: ChannelOptions): { factory: MachineFactory; made: FakeMachine[] } {
  const made: FakeMachine[] = [];
  return {
    made,
    factory: () => {
      const m = new FakeMachine({ ...script }, channel);
      made.push(m);
      return m;
    },
  };
}
