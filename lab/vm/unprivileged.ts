// Confining QEMU, in one place: the resource limits every QEMU runs under,
// each VM's private folder for its sockets, and, for a server started as
// root, a user and group of its own for each VM (which needs copies of the
// kernel and initrd that any user can read, and, under KVM, the group of
// /dev/kvm).
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../pid.ts';
import { TCG_TB_MIB, type Accel } from './qemu.ts';

/**
 * QEMU runs as uid and gid `uidBase + its pid`, a user no other process on
 * the host has. Pids are unique among live processes, so two VMs, even of
 * two servers, never share one: nothing to allocate, record or release.
 */
export interface RunAs {
  uidBase: number;
}

/*
 * 0x70000000 = 1879048192: systemd's UIDS-GIDS.md lists 1879048192 to 2^31-1
 * as unused (above the container ranges, below the uids some tools take for
 * negative), and 0x70000000 plus the largest pid (PID_MAX_LIMIT, 4194304)
 * stays well inside it.
 */
export const UNPRIVILEGED: RunAs = { uidBase: 0x7000_0000 };

/** QEMU's uid (and gid) for a VM whose QEMU has pid `pid`. */
export function qemuUid(runAs: RunAs, pid: number): number {
  return runAs.uidBase + pid;
}

/**
 * QEMU's resource limits (setrlimit, through util-linux's prlimit). Measured
 * on a lab VM under TCG, booted and running a fork loop and a module load
 * (QEMU 7.2, 128 MiB guest): 3 threads (main, RCU, vCPU), 8 open files (up
 * to 30 while it starts), VmPeak 469 MiB of which 128 are the guest's memory
 * and 64 the translation buffer. The limits leave room for KVM, which could
 * not be measured here: if they were too tight, the KVM probe boot fails and
 * the lab says so and runs under TCG.
 */
export interface QemuLimits {
  /** RLIMIT_AS, bytes. */
  addressSpace: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
  /** RLIMIT_NPROC: threads of the uid, so only with a uid of its own (RunAs). */
  processes: number;
  /** RLIMIT_FSIZE, bytes: QEMU writes no file (no disk, no log). */
  fileSize: number;
  /** RLIMIT_CORE: no core dumps of a guest's memory. */
  core: number;
}

const MiB = 1024 * 1024;

export function qemuLimits(memoryMiB: number): QemuLimits {
  return {
    // The guest's memory, the translation buffer, and 384 MiB for the rest
    // (measured: 277 at the peak, libraries and thread stacks mostly).
    addressSpace: (memoryMiB + TCG_TB_MIB + 384) * MiB,
    openFiles: 128,
    processes: 16,
    fileSize: 0,
    core: 0,
  };
}

/** The group id that owns /dev/kvm, when it is not root's. */
function kvmDeviceGroup(): number | undefined {
  try {
    const gid = statSync('/dev/kvm').gid;
    return gid === 0 ? undefined : gid;
  } catch {
    return undefined;
  }
}

/*
 * Run as root by QEMU's command (below) before it becomes QEMU: it works out
 * the VM's uid from its own pid, which is QEMU's pid (every step execs in
 * place), hands the VM's folder to that user, and drops to it.
 * $1: the uid base, $2: the folder, then setpriv's group option, --, QEMU.
 */
const DROP_SCRIPT = 'id=$(($1 + $$)); chown "$id:$id" "$2" || exit 125; shift 2; exec setpriv --reuid="$id" --regid="$id" "$@"';

export interface QemuCommandOptions {
  accel: Accel;
  memoryMiB: number;
  /** The VM's folder (VMFolder): with `runAs`, it becomes QEMU's user's. */
  folder: string;
  runAs?: RunAs;
}

/**
 * The command that runs `file args` (QEMU) confined: prlimit sets the limits
 * and, for a root server, sh and setpriv make it a user of its own with no
 * supplementary group but /dev/kvm's under KVM (mode 0660 root:kvm on
 * Debian). Each step execs the next in place, so QEMU keeps the pid node-pty
 * started, stays the pty's session leader, and still gets SIGHUP when the
 * server dies.
 */
export function qemuCommand(opts: QemuCommandOptions, file: string, args: string[]): { file: string; args: string[] } {
  const l = qemuLimits(opts.memoryMiB);
  const limits = [`--as=${l.addressSpace}`, `--nofile=${l.openFiles}`, `--fsize=${l.fileSize}`, `--core=${l.core}`];
  if (!opts.runAs) return { file: 'prlimit', args: [...limits, '--', file, ...args] };
  const group = opts.accel === 'kvm' ? kvmDeviceGroup() : undefined;
  const groups = group !== undefined ? `--groups=${group}` : '--clear-groups';
  return {
    file: 'prlimit',
    args: [
      ...limits,
      `--nproc=${l.processes}`,
      '--',
      'sh', '-c', DROP_SCRIPT, 'uklab-qemu', String(opts.runAs.uidBase), opts.folder,
      groups, '--', file, ...args,
    ],
  };
}

const FILES_PREFIX = 'uklab-vmfiles-';
/** Whether this process has swept already: once is enough, its own folders are never stale. */
let sweptOnce = false;
const FOLDER_PREFIX = 'uklab-vm-';

/*
 * A process killed with SIGKILL cannot remove its folders; the next server
 * or VM removes those whose owner is gone (the name carries its pid).
 */
export function sweepStaleVMFiles(dir = tmpdir()): string[] {
  if (dir === tmpdir()) sweptOnce = true;
  const swept: string[] = [];
  for (const name of readdirSync(dir)) {
    const m = new RegExp(`^(?:${FILES_PREFIX}|${FOLDER_PREFIX})(\\d+)-`).exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    swept.push(name);
  }
  return swept;
}

/**
 * One VM's private folder, for its sockets (the control UART and the extra
 * consoles): mode 0700, handed to QEMU's own user when there is one, so no
 * other VM's QEMU (nor any other user but root) can connect to a learner's
 * console. Removed when the VM ends.
 */
export class VMFolder {
  readonly path: string;

  constructor() {
    // Once per process, not once per VM: a pool of 40 would list /tmp 40 times.
    if (!sweptOnce) sweepStaleVMFiles();
    // mkdtemp creates it with mode 0700.
    this.path = mkdtempSync(join(tmpdir(), `${FOLDER_PREFIX}${process.pid}-`));
  }

  socket(name: string): string {
    return join(this.path, `${name}.sock`);
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/**
 * QEMU running as a user of its own cannot read root's cache (~ is mode
 * 0700), so the kernel and initrd are copied into a world-readable folder
 * for the server's lifetime. Read-only copies: the guest cannot change them
 * anyway.
 */
export function readableVMFiles(files: { kernel: string; initrd: string }): { kernel: string; initrd: string; cleanup: () => void } {
  sweepStaleVMFiles();
  const dir = mkdtempSync(join(tmpdir(), `${FILES_PREFIX}${process.pid}-`));
  chmodSync(dir, 0o755);
  const kernel = join(dir, 'vmlinux');
  const initrd = join(dir, 'initramfs.cpio');
  copyFileSync(files.kernel, kernel);
  copyFileSync(files.initrd, initrd);
  chmodSync(kernel, 0o444);
  chmodSync(initrd, 0o444);
  return { kernel, initrd, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
