// One lab VM: QEMU on a pseudo-terminal (node-pty), its serial console as
// the terminal's data. This class knows the VM's life cycle (booting, ready,
// exited), how it ended (poweroff, kernel panic, killed) and how to run a
// scripted command; it knows nothing about browsers or the CLI.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { CommandFrame, ConsoleTail, PANIC_LINE, PANIC_LINE_CUT, PROMPT_AT_END } from './console.ts';
import { GuestConsole } from './guest-console.ts';
import { EXTRA_CONSOLE_TTY, findQemu, qemuArgs, type Accel } from './qemu.ts';
import { unprivilegedCommand, type RunAs } from './unprivileged.ts';
import type { VMExitReason, VMState } from '../protocol.ts';

export interface LabVMOptions {
  kernel: string;
  initrd: string;
  accel?: Accel;
  /** false for a kernel with ACPI (see machineArg in qemu.ts); unset for the lab kernel. */
  acpi?: boolean;
  memoryMiB?: number;
  cols?: number;
  rows?: number;
  /** Give the guest a control UART, used to pass the window size. */
  control?: boolean;
  append?: string[];
  /** How long to wait for the first prompt before calling the boot failed. */
  bootTimeoutMs?: number;
  /** More consoles into the VM besides the main one (0 or 1): ttyS3. */
  extraConsoles?: number;
  /**
   * Run QEMU as this unprivileged user and group (unprivileged.ts), for a
   * server running as root. The kernel and initrd must be readable by them.
   */
  runAs?: RunAs;
}


export interface VMExit {
  reason: VMExitReason;
  /** The panic message (the text after "Kernel panic - not syncing:"). */
  panic?: string;
  /** The console's last lines, to show what happened. */
  tail: string;
  exitCode: number;
}

export class LabError extends Error {}

export class KernelPanicError extends LabError {
  constructor(readonly exit: VMExit) {
    super(`kernel panic: ${exit.panic}\n--- console tail ---\n${exit.tail}`);
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
/** After a panic is printed QEMU exits by itself (panic=-1, -no-reboot); this long at most. */
const PANIC_GRACE_MS = 3_000;


export class LabVM extends EventEmitter<{ data: [string]; ready: []; exit: [VMExit] }> {
  readonly ready: Promise<void>;
  readonly exited: Promise<VMExit>;
  readonly accel: Accel;
  readonly pid: number;
  /** Console 1 (ttyS3), when asked for with `extraConsoles`. */
  readonly extraConsoles: GuestConsole[] = [];

  private state: VMState = 'booting';
  private readonly proc: pty.IPty;
  private readonly tail = new ConsoleTail();
  private readonly controlPath?: string;
  private control?: Socket;
  private panic?: string;
  private endReason?: VMExitReason;
  private execChain: Promise<unknown> = Promise.resolve();
  private capture = '';
  private capturing = false;
  private size: { cols: number; rows: number };

  constructor(opts: LabVMOptions) {
    super();
    this.accel = opts.accel ?? 'tcg';
    this.size = { cols: opts.cols ?? 80, rows: opts.rows ?? 24 };
    if (opts.control) {
      this.controlPath = join(tmpdir(), `uklab-${process.pid}-${randomBytes(6).toString('hex')}.sock`);
    }
    const socketBase = join(tmpdir(), `uklab-${process.pid}-${randomBytes(6).toString('hex')}`);
    const consolePaths = Array.from({ length: opts.extraConsoles ?? 0 }, (_, i) => `${socketBase}-console${i + 1}.sock`);
    let args = qemuArgs({
      kernel: opts.kernel,
      initrd: opts.initrd,
      accel: this.accel,
      acpi: opts.acpi,
      memoryMiB: opts.memoryMiB,
      controlSocket: this.controlPath,
      consoleSockets: consolePaths,
      append: opts.append,
    });
    let file = findQemu();
    if (opts.runAs) ({ file, args } = unprivilegedCommand(opts.runAs, this.accel, file, args));
    // QEMU becomes the session leader of the pty. If this process dies, even
    // by SIGKILL, the pty master closes and the kernel hangs up the session:
    // QEMU gets SIGHUP and exits, so no VM outlives its owner.
    this.proc = pty.spawn(file, args, {
      name: 'xterm-256color',
      cols: this.size.cols,
      rows: this.size.rows,
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    this.pid = this.proc.pid;
    consolePaths.forEach((path, i) => {
      const c = new GuestConsole(i + 1, path);
      this.extraConsoles.push(c);
      // QEMU listens on the socket as soon as it starts; the guest's shell
      // prints its first prompt early in the boot, so connect right away.
      c.open();
    });

    let bootTimer: NodeJS.Timeout | undefined;
    this.exited = new Promise<VMExit>((resolve) => {
      this.proc.onExit(({ exitCode }) => {
        this.state = 'exited';
        this.panic ??= PANIC_LINE_CUT.exec(this.tail.get(4096))?.[1]?.trim();
        clearTimeout(bootTimer);
        this.control?.destroy();
        if (this.controlPath) rmSync(this.controlPath, { force: true });
        for (const c of this.extraConsoles) c.close();
        for (const p of consolePaths) rmSync(p, { force: true });
        const exit: VMExit = {
          reason: this.panic !== undefined ? 'panic' : (this.endReason ?? (exitCode === 0 ? 'poweroff' : 'failed')),
          panic: this.panic,
          tail: this.tail.lines(40),
          exitCode,
        };
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
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  get isExited(): boolean {
    return this.state === 'exited';
  }

  private onData(data: string): void {
    this.tail.push(data);
    if (this.capturing) this.capture += data;
    if (this.panic === undefined) {
      const m = PANIC_LINE.exec(this.tail.get(4096));
      if (m) {
        this.panic = m[1]?.trim() ?? '';
        // QEMU should exit by itself right after; make sure it does.
        setTimeout(() => this.kill(), PANIC_GRACE_MS).unref();
      }
    }
    if (this.state === 'booting' && PROMPT_AT_END.test(this.tail.get(256))) {
      this.state = 'ready';
      this.connectControl();
      this.emit('ready');
    }
    this.emit('data', data);
  }

  private connectControl(): void {
    if (!this.controlPath) return;
    const sock = connect(this.controlPath);
    sock.on('error', () => undefined); // the VM may be gone already
    sock.on('connect', () => {
      this.control = sock;
      this.sendSize();
    });
  }

  private sendSize(): void {
    this.sendControl(`${this.size.rows} ${this.size.cols}\n`);
    for (const [index, size] of this.extraSizes) this.sendControl(`${size.rows} ${size.cols} ${EXTRA_CONSOLE_TTY[index - 1]}\n`);
  }

  private nudgeTimer?: NodeJS.Timeout;

  private sendControl(line: string): void {
    if (!this.control) return;
    this.control.write(line);
    // The control UART shares its interrupt line with the extra console's
    // UART (see qemu.ts). An empty line a moment later makes the guest's
    // 8250 driver poll both ports again, so an interrupt of the extra
    // console lost to this resize does not stall it.
    if (this.extraConsoles.length === 0) return;
    clearTimeout(this.nudgeTimer);
    this.nudgeTimer = setTimeout(() => this.control?.write('\n'), 50);
    this.nudgeTimer.unref();
  }

  private readonly extraSizes = new Map<number, { cols: number; rows: number }>();

  /** The window size of console `index` (0: main, 1: ttyS3), through the control UART. */
  resizeConsole(index: number, cols: number, rows: number): void {
    if (index === 0) return this.resize(cols, rows);
    const tty = EXTRA_CONSOLE_TTY[index - 1];
    if (tty === undefined) return;
    this.extraSizes.set(index, { cols, rows });
    if (this.state !== 'exited') this.sendControl(`${rows} ${cols} ${tty}\n`);
  }

  /** Stop reading the main console (flow control): QEMU, then the guest, wait. */
  pause(): void {
    if (this.state !== 'exited') this.proc.pause();
  }

  resume(): void {
    if (this.state !== 'exited') this.proc.resume();
  }

  /** Keystrokes or pasted text, as a terminal would send them. */
  write(data: string): void {
    if (this.state !== 'exited') this.proc.write(data);
  }

  /** The terminal's new size; reaches the guest's console through the control UART. */
  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    if (this.state === 'exited') return;
    this.proc.resize(cols, rows);
    this.sendSize();
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
