// Which QEMU processes exist, so a suite can prove it left none behind.
import { readdirSync, readFileSync } from 'node:fs';
import { processAlive } from '../../lab/pid.ts';
import { OWNER_ENV } from '../../lab/vm/lab-vm.ts';

/** lab/pid.ts's liveness check (a zombie counts as gone), under the name the suites import. */
export const isAlive = processAlive;

/** QEMU processes, all of them or only the children of `ppid`. */
export function qemuPids(ppid?: number): Set<number> {
  const pids = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (ppid !== undefined) {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== ppid) continue;
      }
      const argv0 = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')[0] ?? '';
      if (argv0.endsWith('qemu-system-x86_64')) pids.add(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Live QEMU processes started by `ppid` (this process by default). */
export function childQemuPids(ppid = process.pid): number[] {
  return [...qemuPids(ppid)].filter(processAlive);
}

/** Poll until `pid` is gone, up to `ms`. */
export async function waitGone(pid: number, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!processAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !processAlive(pid);
}

/**
 * Live QEMU processes that any of `owners` started (LabVM puts its pid in
 * their environment), wherever they were reparented to. Unlike a look at
 * every QEMU on the machine, this sees none of another test's or another
 * program's VMs.
 */
export function qemuPidsOwnedBy(owners: Iterable<number>): number[] {
  const wanted = new Set([...owners].map((o) => `${OWNER_ENV}=${o}`));
  return [...qemuPids()].filter((pid) => {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      return env.some((e) => wanted.has(e)) && processAlive(pid);
    } catch {
      return false; // it ended while we looked
    }
  });
}
