// Running QEMU without root, in one place: a server started as root runs
// every VM as an unprivileged user (through setpriv), which needs copies of
// the kernel and initrd it can read, and, under KVM, the group of /dev/kvm.
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../pid.ts';
import type { Accel } from './qemu.ts';

export interface RunAs {
  user: string;
  group: string;
}

/** Who QEMU runs as when the server is root. */
export const UNPRIVILEGED: RunAs = { user: 'nobody', group: 'nogroup' };

/** The group id that owns /dev/kvm, when it is not root's. */
function kvmDeviceGroup(): number | undefined {
  try {
    const gid = statSync('/dev/kvm').gid;
    return gid === 0 ? undefined : gid;
  } catch {
    return undefined;
  }
}

/**
 * The command that runs `file args` as `runAs`. setpriv execs QEMU in place,
 * so QEMU stays the pty's session leader (and still gets SIGHUP when the
 * server dies). Under KVM it keeps one supplementary group: the owner of
 * /dev/kvm (mode 0660 root:kvm on Debian), without which it cannot open it.
 */
export function unprivilegedCommand(runAs: RunAs, accel: Accel, file: string, args: string[]): { file: string; args: string[] } {
  const group = accel === 'kvm' ? kvmDeviceGroup() : undefined;
  const supplementary = group !== undefined ? `--groups=${group}` : '--clear-groups';
  return { file: 'setpriv', args: [`--reuid=${runAs.user}`, `--regid=${runAs.group}`, supplementary, '--', file, ...args] };
}

const FILES_PREFIX = 'uklab-vmfiles-';

/*
 * A server killed with SIGKILL cannot remove its copies; the next server
 * removes those whose server is gone (the folder name carries its pid).
 */
export function sweepStaleVMFiles(dir = tmpdir()): string[] {
  const swept: string[] = [];
  for (const name of readdirSync(dir)) {
    const m = new RegExp(`^${FILES_PREFIX}(\\d+)-`).exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
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
