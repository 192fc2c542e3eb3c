// A lab VM as the server runs it: the LabVM, one ConsoleChannel per console
// (so the boot output of a pooled VM is held for its future learner), and
// how QEMU is started (memory, extra consoles, unprivileged user).
import { copyFileSync, chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from '../build/lab.ts';
import { LabVM, type LabVMOptions } from '../vm/machine.ts';
import type { Accel } from '../vm/qemu.ts';
import { ConsoleChannel, type ConsoleIO, type Watermarks } from './channel.ts';
import { processAlive as alive } from '../pid.ts';

export interface MachineSpec {
  /** TCG unless the server found KVM working (lab/server/server.ts probes it). */
  accel?: Accel;
  kernel: string;
  initrd: string;
  memoryMib: number;
  extraConsoles: number;
  runAs?: { user: string; group: string };
  marks: Watermarks;
  bootTimeoutMs?: number;
}

export class Machine {
  readonly vm: LabVM;
  readonly channels: ConsoleChannel[];
  readonly spawnedAt = performance.now();

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
      write: (d) => vm.write(d),
      pause: () => vm.pause(),
      resume: () => vm.resume(),
      resize: (c, r) => vm.resize(c, r),
    };
    const extras = vm.extraConsoles.map(
      (c): ConsoleIO => ({
        onData: (l) => c.on('data', l),
        write: (d) => c.write(d),
        pause: () => c.pause(),
        resume: () => c.resume(),
        resize: (cols, rows) => vm.resizeConsole(c.index, cols, rows),
      }),
    );
    this.channels = [main, ...extras].map((io) => new ConsoleChannel(io, spec.marks));
  }

  /** Put every console's shell in the lesson's folder, out of the learner's sight. */
  async enterLesson(lesson: string, timeoutMs = 3000): Promise<void> {
    // cd first, then fall back, so a missing folder still gives a prompt.
    const cmd = `cd /lab/${lesson} 2>/dev/null || cd /lab`;
    await Promise.all(this.channels.map((ch) => ch.runHidden(cmd, timeoutMs)));
  }

  stop(): Promise<unknown> {
    return this.vm.stop();
  }
}

const FILES_PREFIX = 'uklab-vmfiles-';


/*
 * A server killed with SIGKILL cannot remove its copies; the next server
 * removes those whose server is gone (the folder name carries its pid).
 */
export function sweepStaleLabFiles(dir = tmpdir()): string[] {
  const swept: string[] = [];
  for (const name of readdirSync(dir)) {
    const m = new RegExp(`^${FILES_PREFIX}(\\d+)-`).exec(name);
    if (!m || alive(Number(m[1]))) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    swept.push(name);
  }
  return swept;
}

/**
 * QEMU running as `nobody` cannot read root's cache (~ is mode 0700), so
 * the kernel and initrd are copied into a world-readable folder for the
 * server's lifetime. Read-only copies: the guest cannot change them anyway.
 */
export function readableLabFiles(lab: Lab): { kernel: string; initrd: string; cleanup: () => void } {
  sweepStaleLabFiles();
  const dir = mkdtempSync(join(tmpdir(), `${FILES_PREFIX}${process.pid}-`));
  chmodSync(dir, 0o755);
  const kernel = join(dir, 'vmlinux');
  const initrd = join(dir, 'initramfs.cpio');
  copyFileSync(lab.kernel.bootImage, kernel);
  copyFileSync(lab.image.initramfs, initrd);
  chmodSync(kernel, 0o444);
  chmodSync(initrd, 0o444);
  return { kernel, initrd, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
