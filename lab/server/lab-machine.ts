// A lab VM as the server runs it: a VM, one ConsoleChannel per console (so
// the boot output of a pooled VM is held for its future learner), and how
// QEMU is started (memory, extra consoles, unprivileged user). The pool and
// the sessions see only the LabMachine interface, so their tests can give
// them fake machines.
import { LabVM, type LabVMOptions, type SavedState, type VMExit } from '../vm/lab-vm.ts';
import type { StartKind } from '../protocol.ts';
import type { PutFile } from '../vm/control.ts';
import type { Accel } from '../vm/qemu.ts';
import type { RunAs } from '../vm/unprivileged.ts';
import { ConsoleChannel, type ChannelOptions, type ConsoleIO } from './channel.ts';

export interface MachineSpec {
  /** TCG unless the server found KVM working (lab/server/server.ts probes it). */
  accel?: Accel;
  kernel: string;
  initrd: string;
  memoryMib: number;
  extraConsoles: number;
  runAs?: RunAs;
  channel: ChannelOptions;
  bootTimeoutMs?: number;
}

/** The options of a VM the server starts (boots, or restores from `restore`). */
export function vmOptions(spec: MachineSpec, restore?: SavedState): LabVMOptions {
  return {
    accel: spec.accel ?? 'tcg',
    kernel: spec.kernel,
    initrd: spec.initrd,
    memoryMiB: spec.memoryMib,
    control: true,
    extraConsoles: spec.extraConsoles,
    runAs: spec.runAs,
    bootTimeoutMs: spec.bootTimeoutMs,
    // A learner's VM mostly waits for them: cheap idle beats a fast boot,
    // which only the snapshot and a fallback pay for.
    apicTimer: true,
    restore,
  };
}

/** What the pool and a session need of a VM. */
export interface LabMachine {
  /** Resolves at the first prompt; rejects if the VM ends first. */
  readonly ready: Promise<void>;
  readonly exited: Promise<VMExit>;
  readonly isExited: boolean;
  /** Console 0, then the extra ones. */
  readonly channels: readonly ConsoleChannel[];
  /** QEMU's pid, for /lab/status and tests. */
  readonly pid: number | undefined;
  /** Booted, or restored from the server's snapshot. */
  readonly started: StartKind;
  /** Put every console's shell in the lesson's folder, out of the learner's sight. */
  enterLesson(lesson: string, timeoutMs?: number): Promise<void>;
  /** Put files into the guest's lesson folders, those it lacks; resolves with the paths sent (lab/vm/control.ts). */
  put(files: { file: PutFile; sha256: string }[], timeoutMs: number): Promise<string[]>;
  /** Stop now and wait until it is gone. */
  stop(): Promise<unknown>;
}

export type MachineFactory = () => LabMachine;

export class QemuMachine implements LabMachine {
  readonly vm: LabVM;
  readonly channels: ConsoleChannel[];

  constructor(spec: MachineSpec, restore?: SavedState) {
    const vm = new LabVM(vmOptions(spec, restore));
    this.vm = vm;
    const main: ConsoleIO = {
      onData: (l) => vm.on('data', l),
      write: (d, done) => vm.write(d, done),
      pause: () => vm.pause(),
      resume: () => vm.resume(),
      resize: (c, r) => vm.resize(c, r),
    };
    const extras = vm.extraConsoles.map(
      (c): ConsoleIO => ({
        onData: (l) => c.on('data', l),
        write: (d, done) => c.write(d, done),
        pause: () => c.pause(),
        resume: () => c.resume(),
        resize: (cols, rows) => vm.resizeConsole(c.index, cols, rows),
      }),
    );
    this.channels = [main, ...extras].map((io) => new ConsoleChannel(io, spec.channel));
    void vm.exited.then(() => this.channels.forEach((ch) => ch.close()));
  }

  get ready(): Promise<void> {
    return this.vm.ready;
  }

  get exited(): Promise<VMExit> {
    return this.vm.exited;
  }

  get isExited(): boolean {
    return this.vm.isExited;
  }

  get pid(): number {
    return this.vm.pid;
  }

  get started(): StartKind {
    return this.vm.started;
  }

  async enterLesson(lesson: string, timeoutMs = 3000): Promise<void> {
    // cd first, then fall back, so a missing folder still gives a prompt.
    const cmd = `cd /lab/${lesson} 2>/dev/null || cd /lab`;
    await Promise.all(this.channels.map((ch) => ch.runHidden(cmd, timeoutMs)));
  }

  put(files: { file: PutFile; sha256: string }[], timeoutMs: number): Promise<string[]> {
    return this.vm.put(files, timeoutMs);
  }

  stop(): Promise<unknown> {
    return this.vm.stop();
  }
}

/**
 * The server's VMs: restored from its snapshot while restoring works, else
 * booted. A restore that QEMU refuses (a state it cannot load) would fail
 * for every VM after it, so the first one turns restores off, and says so.
 */
export class QemuMachines {
  private snapshot?: SavedState;

  constructor(
    private readonly spec: MachineSpec,
    snapshot: SavedState | undefined,
    private readonly log: (message: string) => void,
  ) {
    this.snapshot = snapshot;
  }

  /** How the next VM will come up. */
  get starts(): StartKind {
    return this.snapshot ? 'restore' : 'boot';
  }

  readonly make: MachineFactory = () => {
    const saved = this.snapshot;
    const m = new QemuMachine(this.spec, saved);
    if (saved) {
      m.ready.catch(async () => {
        const exit = await m.exited;
        if (exit.reason !== 'failed' || this.snapshot !== saved) return;
        this.snapshot = undefined;
        const why = exit.tail.trim().split('\n').pop() ?? exit.reason;
        this.log(`lab server: a VM could not be restored from the snapshot (${why}); VMs boot from now on`);
      });
    }
    return m;
  };
}
