// QEMU processes started by a given process, so a test can check its own
// VMs are gone even while other suites (or other people) run VMs too.
import { readdirSync, readFileSync } from 'node:fs';
import { isAlive } from '../helpers/processes.ts';

/** Live qemu-system-x86_64 processes whose parent is `ppid` (this process by default). */
export function childQemuPids(ppid = process.pid): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== ppid) continue;
      const argv0 = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')[0] ?? '';
      if (argv0.endsWith('qemu-system-x86_64') && isAlive(Number(entry))) out.push(Number(entry));
    } catch {
      // gone while we looked
    }
  }
  return out;
}
