// One lab VM: QEMU on a pseudo-terminal (node-pty), its serial console as
// the terminal's data. This class knows the VM's life cycle (booting, ready,
// exited), how it ended (poweroff, kernel panic, killed) and how to run a
// scripted command; it knows nothing about browsers or the CLI.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as pty from 'node-pty';
import { CommandFrame, ConsoleTail, PROMPT_AT_END, lastPanicReason, panicAfterLastPrompt } from './console.ts';
import { ControlLine, type PutFile } from './control.ts';
import { clockLine, sizeLine } from './control-format.ts';
import { FdWriter } from './fd-writer.ts';
import { GuestConsole } from './guest-console.ts';
import { ptyMasterFd } from './pty-fd.ts';
import { loadFromFile, saveToFile } from './migration.ts';
import { QmpClient } from './qmp.ts';
import { findQemu, qemuArgs, QEMU_PANIC_STATUS, type Accel } from './qemu.ts';
import { qemuCommand, qemuUid, VMFolder, type RunAs } from './unprivileged.ts';
import type { StartKind, VMExitReason, VMState } from '../protocol.ts';

export interface LabVMOptions {
  kernel: string;
  initrd: string;
  accel?: Accel;
  /** false for a kernel with ACPI (see machineArg in qemu.ts); unset for the lab kernel. */
  acpi?: boolean;
  /**
   * The kernel reports a panic to QEMU through the pvpanic device, as the
   * lab kernel does (lab/kernel-patches/0002-*). false for any other kernel
   * (Debian's): see `reason` in VMExit for what such a VM reports.
   */
  panicDevice?: boolean;
  memoryMiB?: number;
  cols?: number;
  rows?: number;
  /** Give the guest a control UART, used to pass the window size. */
  control?: boolean;
  append?: string[];
  /** How long to wait for the first prompt before calling the boot failed. */
  bootTimeoutMs?: number;
  /** More consoles into the VM besides the main one (0 or 1). */
  extraConsoles?: number;
  /**
   * Run QEMU as a user of its own (unprivileged.ts), for a server running
   * as root. The kernel and initrd must be readable by any user.
   */
  runAs?: RunAs;
  /** Tick with the local APIC timer (see qemu.ts): slower to boot, cheaper when idle. */
  apicTimer?: boolean;
  /** Give QEMU a monitor socket, so that `saveState` can save the booted VM. */
  monitor?: boolean;
  /**
   * Start from a saved state (lab/builder/snapshot.ts) instead of booting: the
   * VM is ready once QEMU has loaded it and runs the guest again, at the
   * prompt it was saved at. The state must come from a VM with the same
   * options (kernel, initrd, memory, consoles, accelerator).
   */
  restore?: SavedState;
}

/** A VM saved at its prompt, to start others from (lab/builder/snapshot.ts). */
export interface SavedState {
  /** QEMU's migration stream of the VM. */
  stateFile: string;
  /**
   * What each console had shown when the VM was saved (main, then the extra
   * ones): a VM started from the state shows it first, as if it had booted.
   */
  consoles: string[];
}

export interface VMExit {
  /**
   * How the VM ended. 'panic' only when QEMU says so: the lab kernel
   * reports its panic through the pvpanic device and QEMU then exits with
   * status 1, which no program in the guest can cause, whatever it prints.
   * A kernel without that (`panicDevice: false`, Debian's) reboots on a
   * panic (panic=-1), which -no-reboot turns into QEMU's exit 0, as for a
   * poweroff: such a VM is reported as panicked when the console's last
   * panic line comes after its last prompt; so a program there that prints
   * that line and powers off is reported as a panic too.
   */
  reason: VMExitReason;
  /** The panic message (the text after "Kernel panic - not syncing:"), when it reached the console. */
  panic?: string;
  /** The console's last lines, to show what happened. */
  tail: string;
  exitCode: number;
}

/** In every QEMU's environment: the pid of the process that started it. */
export const OWNER_ENV = 'UKLAB_OWNER_PID';

export class LabError extends Error {}

export class KernelPanicError extends LabError {
  constructor(readonly exit: VMExit) {
    super(`kernel panic: ${exit.panic ?? '(no panic message reached the console)'}\n--- console tail ---\n${exit.tail}`);
  }
}

export class GuestExitedError extends LabError {
  constructor(readonly exit: VMExit) {
    super(`the lab VM ended (${exit.reason}) \n--- console tail ---\n${exit.tail}`);
  }
}

export class CommandTimeoutError extends LabError {}

export function exitError(exit: VMExit): LabError {
  return exit.reason === 'panic' ? new KernelPanicError(exit) : new GuestExitedError(exit);
}

export interface CommandResult {
  output: string;
  status: number;
}

const DEFAULT_BOOT_TIMEOUT_MS = 30_000;
const DEFAULT_SIZE = { cols: 80, rows: 24 };
const DEFAULT_MEMORY_MIB = 128;

export class LabVM extends EventEmitter<{ data: [string]; ready: []; exit: [VMExit] }> {
  readonly ready: Promise<void>;
  readonly exited: Promise<VMExit>;
  readonly accel: Accel;
  readonly pid: number;
  /** QEMU's uid, when it runs as a user of its own (`runAs`). */
  readonly uid?: number;
  /** The folder of this VM's sockets, removed when it ends. */
  readonly folder: string;
  /** Console 1 and up, when asked for with `extraConsoles`. */
  readonly extraConsoles: GuestConsole[] = [];
  readonly started: StartKind;

  private state: VMState = 'booting';
  private wasReady = false;
  private readonly proc: pty.IPty;
  private readonly input: FdWriter;
  private readonly tail = new ConsoleTail();
  private readonly controlPath?: string;
  private readonly control: ControlLine;
  private endReason?: VMExitReason;
  private execChain: Promise<unknown> = Promise.resolve();
  private capture = '';
  private capturing = false;
  private size: { cols: number; rows: number };
  private monitor?: Promise<QmpClient>;

  constructor(opts: LabVMOptions) {
    super();
    this.accel = opts.accel ?? 'tcg';
    this.size = { cols: opts.cols ?? DEFAULT_SIZE.cols, rows: opts.rows ?? DEFAULT_SIZE.rows };
    const memoryMiB = opts.memoryMiB ?? DEFAULT_MEMORY_MIB;
    const folder = new VMFolder();
    this.folder = folder.path;
    if (opts.control) this.controlPath = folder.socket('control');
    this.control = new ControlLine((opts.extraConsoles ?? 0) > 0);
    const consolePaths = Array.from({ length: opts.extraConsoles ?? 0 }, (_, i) => folder.socket(`console${i + 1}`));
    this.started = opts.restore ? 'restore' : 'boot';
    const qmpPath = opts.monitor || opts.restore ? folder.socket('qmp') : undefined;
    const incomingPath = opts.restore ? folder.socket('incoming') : undefined;
    const args = qemuArgs({
      kernel: opts.kernel,
      initrd: opts.initrd,
      accel: this.accel,
      acpi: opts.acpi,
      memoryMiB,
      controlSocket: this.controlPath,
      consoleSockets: consolePaths,
      append: opts.append,
      qmpSocket: qmpPath,
      incomingSocket: incomingPath,
      apicTimer: opts.apicTimer,
    });
    const command = qemuCommand({ accel: this.accel, memoryMiB, folder: folder.path, runAs: opts.runAs }, findQemu(), args);
    // QEMU becomes the session leader of the pty. If this process dies, even
    // by SIGKILL, the pty master closes and the kernel hangs up the session:
    // QEMU gets SIGHUP and exits, so no VM outlives its owner.
    this.proc = pty.spawn(command.file, command.args, {
      name: 'xterm-256color',
      cols: this.size.cols,
      rows: this.size.rows,
      cwd: tmpdir(),
      // QEMU's environment names the process that started it (QEMU ignores
      // it): test/helpers/processes.ts finds a program's VMs by it, even
      // after that program was killed and its VMs reparented.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', [OWNER_ENV]: String(process.pid) },
    });
    this.pid = this.proc.pid;
    if (opts.runAs) this.uid = qemuUid(opts.runAs, this.pid);
    this.input = new FdWriter(ptyMasterFd(this.proc));
    consolePaths.forEach((path, i) => {
      const c = new GuestConsole(i + 1, path);
      this.extraConsoles.push(c);
      // QEMU listens on the socket as soon as it starts; the guest's shell
      // prints its first prompt early in the boot, so connect right away.
      c.open();
    });

    let bootTimer: NodeJS.Timeout | undefined;
    this.exited = new Promise<VMExit>((resolve) => {
      this.proc.onExit(({ exitCode, signal }) => {
        this.state = 'exited';
        clearTimeout(bootTimer);
        this.input.end();
        this.control.close();
        for (const c of this.extraConsoles) c.close();
        void this.monitor?.then((m) => m.close(), () => undefined);
        folder.remove();
        const text = this.tail.get();
        const exit: VMExit = {
          reason: this.exitReason(signal ? undefined : exitCode, text, opts.panicDevice ?? true),
          tail: this.tail.lines(40),
          exitCode,
        };
        if (exit.reason === 'panic') exit.panic = lastPanicReason(text);
        this.emit('exit', exit);
        resolve(exit);
      });
    });
    this.ready = new Promise<void>((resolve, reject) => {
      bootTimer = setTimeout(() => {
        this.endReason = 'boot-timeout';
        this.kill();
      }, opts.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS);
      this.once('ready', () => {
        clearTimeout(bootTimer);
        resolve();
      });
      void this.exited.then((exit) => reject(exitError(exit)));
    });
    // A caller that only awaits `exited` must not see an unhandled rejection.
    this.ready.catch(() => undefined);

    this.proc.onData((data) => this.onData(data));
    const bootTimeoutMs = opts.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS;
    if (qmpPath) {
      this.monitor = QmpClient.connect(qmpPath, bootTimeoutMs);
      this.monitor.catch(() => undefined);
    }
    if (opts.restore && incomingPath) {
      this.restoreFrom(opts.restore, incomingPath, bootTimeoutMs).catch((e: unknown) => {
        if (this.state === 'exited') return;
        this.tail.push(`\r\nlab: the VM could not be restored: ${(e as Error).message}\r\n`);
        this.endReason = 'failed';
        this.kill();
      });
    }
  }

  /**
   * Feed the saved state to QEMU, which waits for it on `incoming`, and
   * resolve once QEMU runs the guest again (its RESUME event). The consoles'
   * saved output goes out first: until the state is in, the guest cannot
   * print anything, so it cannot be overtaken.
   */
  private async restoreFrom(saved: SavedState, incoming: string, timeoutMs: number): Promise<void> {
    const qmp = await this.monitor!;
    this.replay(saved.consoles);
    await loadFromFile(qmp, incoming, saved.stateFile, timeoutMs);
    if (this.state !== 'booting') return;
    this.becomeReady();
  }

  private replay(consoles: string[]): void {
    const [main = '', ...extra] = consoles;
    if (main) this.onData(main);
    extra.forEach((text, i) => text && this.extraConsoles[i]?.replay(text));
  }

  /** A command of QEMU's human monitor (`info lapic`), for a VM started with `monitor`; its output. */
  async monitorCommand(command: string): Promise<string> {
    if (!this.monitor) throw new LabError('lab: this VM was started without a monitor');
    return String(await (await this.monitor).execute('human-monitor-command', { 'command-line': command }));
  }

  /**
   * Save this VM (started with `monitor`) into `file` as QEMU's migration
   * stream, for other VMs to start from (`restore`). QEMU sends the stream
   * to a socket in the VM's folder; the VM stays paused afterwards.
   */
  async saveState(file: string, timeoutMs = 30_000): Promise<void> {
    if (!this.monitor) throw new LabError('lab: this VM was started without a monitor');
    await saveToFile(await this.monitor, this.folder, file, timeoutMs);
  }

  /**
   * How the VM ended, from how QEMU ended (`status` is undefined when a
   * signal killed it). QEMU's own failures exit with status 1 too, but only
   * while it starts, before any guest code ran: so status 1 is a panic once
   * the guest was up, or, before that, when the kernel's panic line is on
   * the console (the lab kernel flushes it before it tells QEMU).
   */
  private exitReason(status: number | undefined, text: string, panicDevice: boolean): VMExitReason {
    if (panicDevice && status === QEMU_PANIC_STATUS && (this.wasReady || lastPanicReason(text) !== undefined)) return 'panic';
    if (this.endReason) return this.endReason;
    if (status !== 0) return 'failed';
    return !panicDevice && panicAfterLastPrompt(text) ? 'panic' : 'poweroff';
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  get isExited(): boolean {
    return this.state === 'exited';
  }

  /** Bytes of the main console's input waiting in this process for the pty to take them. */
  get pendingInput(): number {
    return this.input.pending;
  }

  private onData(data: string): void {
    this.tail.push(data);
    if (this.capturing) this.capture += data;
    // A restored VM's saved output ends at a prompt too, but it is ready only once QEMU runs it.
    if (this.state === 'booting' && this.started === 'boot' && PROMPT_AT_END.test(this.tail.get(256))) this.becomeReady();
    this.emit('data', data);
  }

  private becomeReady(): void {
    this.state = 'ready';
    this.wasReady = true;
    this.connectControl();
    this.emit('ready');
  }

  private connectControl(): void {
    if (!this.controlPath) return;
    const sock = connect(this.controlPath);
    sock.on('error', () => undefined); // the VM may be gone already
    sock.on('connect', () => {
      this.control.attach(sock);
      this.controlUp = true;
      if (this.started === 'restore') {
        this.control.send(clockLine());
        // The saved VM's main console was told the default size (snapshots are made with it).
        this.guestSizes.set(0, sizeLine(0, DEFAULT_SIZE.cols, DEFAULT_SIZE.rows));
      }
      this.tellSize(0, this.size);
      for (const [index, size] of this.extraSizes) this.tellSize(index, size);
    });
  }

  /**
   * Tell the guest console `index`'s size, unless it has that size already:
   * each line costs the guest an exec of stty, tens of milliseconds of CPU
   * under TCG in a VM that has not run stty yet.
   */
  private tellSize(index: number, size: { cols: number; rows: number }): void {
    const line = sizeLine(index, size.cols, size.rows);
    if (!this.controlUp || this.state === 'exited' || this.guestSizes.get(index) === line) return;
    this.guestSizes.set(index, line);
    this.control.send(line);
  }

  /**
   * Put files into the guest's lesson folders through the control UART
   * (a learner's build, lab/build/): each replaces the file at its path once
   * the guest has checked its size and SHA-256; a file the guest has
   * already is not sent. Resolves with the paths sent; rejects with
   * PutError.
   */
  put(files: { file: PutFile; sha256: string }[], timeoutMs = 30_000): Promise<string[]> {
    if (!this.controlPath) return Promise.reject(new LabError('lab: this VM has no control channel'));
    if (this.state === 'exited') return Promise.reject(new LabError('lab: the VM has ended'));
    return this.control.put(files, timeoutMs);
  }

  private readonly extraSizes = new Map<number, { cols: number; rows: number }>();
  /** The size line each console was last sent, once the control channel is up. */
  private readonly guestSizes = new Map<number, string>();
  private controlUp = false;

  /** The window size of console `index` (0: main, 1: console 1), through the control UART. */
  resizeConsole(index: number, cols: number, rows: number): void {
    if (index === 0) return this.resize(cols, rows);
    if (!this.extraConsoles.some((c) => c.index === index)) return;
    this.extraSizes.set(index, { cols, rows });
    this.tellSize(index, { cols, rows });
  }

  /** Stop reading the main console (flow control): QEMU, then the guest, wait. */
  pause(): void {
    if (this.state !== 'exited') this.proc.pause();
  }

  resume(): void {
    if (this.state !== 'exited') this.proc.resume();
  }

  /**
   * Keystrokes or pasted text, as a terminal would send them. `done` runs
   * once the pty has taken all of it (a pty whose guest does not read takes
   * about 18 KiB), or at once if the VM has ended: a caller that waits for
   * it before writing more holds the guest's unread input to that.
   */
  write(data: string, done?: () => void): void {
    this.input.write(data, done);
  }

  /** The terminal's new size; reaches the guest's console through the control UART. */
  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    if (this.state === 'exited') return;
    this.proc.resize(cols, rows);
    this.tellSize(0, this.size);
  }

  /**
   * Run one shell command line in the guest and collect its output and exit
   * status. Commands run one after another. If the command does not finish
   * within `timeoutMs`, the VM is killed: a hung guest cannot be trusted.
   */
  exec(command: string, { timeoutMs = 30_000 } = {}): Promise<CommandResult> {
    const run = async (): Promise<CommandResult> => {
      await this.ready;
      const frame = new CommandFrame(randomBytes(4).toString('hex'));
      const line = frame.line(command);
      this.capture = '';
      this.capturing = true;
      try {
        return await new Promise<CommandResult>((resolve, reject) => {
          const timer = setTimeout(() => {
            this.endReason = 'killed';
            this.kill();
            reject(new CommandTimeoutError(`lab: '${command}' did not finish within ${timeoutMs} ms; the VM was stopped`));
          }, timeoutMs);
          const onData = (): void => {
            const r = frame.parse(this.capture);
            if (!r) return;
            done();
            resolve(r);
          };
          const onExit = (exit: VMExit): void => {
            done();
            reject(exitError(exit));
          };
          const done = (): void => {
            clearTimeout(timer);
            this.off('data', onData);
            this.off('exit', onExit);
          };
          this.on('data', onData);
          this.on('exit', onExit);
          this.write(line);
        });
      } finally {
        this.capturing = false;
        this.capture = '';
      }
    };
    const result = this.execChain.then(run, run);
    this.execChain = result.catch(() => undefined);
    return result;
  }

  /** Stop the VM now and wait until QEMU is gone. */
  async stop(): Promise<VMExit> {
    if (this.state !== 'exited') {
      this.endReason ??= 'killed';
      this.kill();
    }
    return this.exited;
  }

  private kill(): void {
    if (this.state === 'exited') return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
