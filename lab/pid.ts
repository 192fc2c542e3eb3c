// Whether a process still runs: for files that carry their owner's pid (the
// build locks, the server's copies of the VM files), where an owner that is
// gone left them behind and they may be taken over or removed, and for the
// tests that prove no QEMU outlived them.
import { readFileSync } from 'node:fs';

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists, under another user.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A zombie still answers kill(0), but it has exited: only its parent has
  // not collected its status yet. Its state is the field after "(comm)",
  // and comm may itself contain spaces and parentheses.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch (e) {
    // ENOENT: it was reaped just now. Anything else (no /proc): kill(0)'s word.
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}
