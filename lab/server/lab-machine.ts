// A lab VM as the server runs it: a VM, one ConsoleChannel per console (so
// the boot output of a pooled VM is held for its future learner), and how
// QEMU is started (memory, extra consoles, unprivileged user). The pool and
// the sessions see only the LabMachine interface, so their tests can give
// them fake machines.
import { LabVM, type LabVMOptions, type VMExit } from '../vm/lab-vm.ts';
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

  constructor(spec: MachineSpec) {
    const opts: LabVMOptions = {
      accel: spec.accel ?? 'tcg',
      kernel: spec.kernel,
      initrd: spec.initrd,
      memoryMiB: spec.memoryMib,
      control: true,
      extraConsoles: spec.extraConsoles,
      runAs: spec.runAs,
      bootTimeoutMs: spec.bootTimeoutMs,
    };
    const vm = new LabVM(opts);
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
