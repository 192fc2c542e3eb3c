// A lab VM saved at its first prompt, so that the server starts learners'
// VMs from it instead of booting each (lab/vm/lab-vm.ts, `restore`): QEMU
// loads the saved state and the guest goes on from that prompt.
//
// A saved state fits only a VM with the same devices, memory and firmware
// inputs, so its cache key is everything that shapes the VM: QEMU's
// version, its command line (with the per-VM socket paths left out), and
// the contents of the kernel and initramfs it loads. One server start makes
// it once per key; later starts, and other servers, reuse it.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../paths.ts';
import { LabVM, type LabVMOptions, type SavedState } from '../vm/lab-vm.ts';
import { findQemu, qemuArgs } from '../vm/qemu.ts';
import { CacheEntry, InputHash, pruneSiblings } from './cache-entry.ts';
import { withLock } from './lock.ts';

/** Everything that shapes a VM's saved state; how QEMU runs (its user) does not. */
export type SnapshotOptions = Omit<LabVMOptions, 'restore' | 'monitor' | 'cols' | 'rows'>;

const RECIPE = {
  revision: 1,
  /** The VM is saved once its consoles have been quiet this long after their prompts. */
  quietMs: 200,
  /**
   * ... and not before it has run this long. The kernel switches from its
   * early TSC clocksource to the calibrated one a second after the timer
   * initcalls (tsc_refine_calibration_work), about 1.45 s into a boot here,
   * and logs it: saved before that, every restored VM would do it, and log
   * it, in its learner's first second. Under TCG the guest's clock runs with
   * the host's, so time since QEMU started is the guest's uptime.
   */
  settledMs: 2500,
  /** How long the extra consoles' shells may take to print their prompts. */
  promptTimeoutMs: 10_000,
  /** Boots tried before giving up (a calibration can fail on a busy host, see below). */
  attempts: 2,
};

interface SnapshotInfo {
  qemu: string;
  /** What each console showed until the VM was saved. */
  consoles: string[];
}

const STATE_FILE = 'state';

/** A lab shell's prompt, anywhere in a console's output. */
const SHELL_PROMPT = /lab:[^\r\n]*[#$] /;

function qemuVersion(): string {
  return execFileSync(findQemu(), ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
}

export function snapshotKey(opts: SnapshotOptions, qemu = qemuVersion()): string {
  // Fixed names where the real command line has this VM's own paths.
  const args = qemuArgs({
    kernel: 'KERNEL',
    initrd: 'INITRD',
    accel: opts.accel ?? 'tcg',
    acpi: opts.acpi,
    memoryMiB: opts.memoryMiB,
    controlSocket: opts.control ? 'CONTROL' : undefined,
    consoleSockets: Array.from({ length: opts.extraConsoles ?? 0 }, (_, i) => `CONSOLE${i + 1}`),
    append: opts.append,
    apicTimer: opts.apicTimer,
    qmpSocket: 'QMP',
  });
  return new InputHash()
    .add('qemu', qemu)
    .add('args', JSON.stringify(args))
    .add('panic-device', String(opts.panicDevice ?? true))
    .addFile('kernel', opts.kernel)
    .addFile('initrd', opts.initrd)
    .add('recipe', JSON.stringify(RECIPE))
    .digest();
}

/** The saved state for VMs started with `opts`: from the cache (`dir`), or made now (about a boot). */
export async function ensureSnapshot(
  opts: SnapshotOptions,
  { say = console.log, dir = join(cacheRoot(), 'snapshot') }: { say?: (message: string) => void; dir?: string } = {},
): Promise<SavedState> {
  const qemu = qemuVersion();
  const parent = dir;
  const entry = new CacheEntry<SnapshotInfo>(parent, snapshotKey(opts, qemu));
  return withLock(entry.lock, 'snapshot', async () => {
    const cached = entry.verified();
    if (cached) return { stateFile: entry.path(STATE_FILE), consoles: cached.info.consoles };
    const started = performance.now();
    entry.reset();
    let consoles: string[] | undefined;
    for (let attempt = 1; !consoles; attempt++) {
      try {
        consoles = await saveBootedVM(opts, entry.path(STATE_FILE));
      } catch (e) {
        if (attempt >= RECIPE.attempts) throw e;
        say(`${(e as Error).message}; booting again`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    entry.commit({ qemu, consoles }, [STATE_FILE], seconds);
    const mib = statSync(entry.path(STATE_FILE)).size / 1048576;
    say(`snapshot: a booted VM saved in ${seconds.toFixed(1)} s (${mib.toFixed(1)} MiB); VMs start from it`);
    await pruneSiblings(parent, entry.key, 4);
    return { stateFile: entry.path(STATE_FILE), consoles };
  });
}

/** Whether the guest's local APIC timer is in use: its LVT timer entry is not masked (QEMU's `info lapic`). */
export async function apicTimerRunning(vm: LabVM): Promise<boolean> {
  const lvtt = /^LVTT\s.*$/m.exec(await vm.monitorCommand('info lapic'))?.[0];
  return lvtt !== undefined && !/\bmasked\b/.test(lvtt);
}

/** Boot a VM, wait until every console's shell waits at its prompt, save it into `file`; the consoles' text. */
async function saveBootedVM(opts: SnapshotOptions, file: string): Promise<string[]> {
  const spawned = performance.now();
  const vm = new LabVM({ ...opts, monitor: true });
  const consoles = ['', ...vm.extraConsoles.map(() => '')];
  let lastOutput = performance.now();
  vm.on('data', (d) => {
    consoles[0] += d;
    lastOutput = performance.now();
  });
  vm.extraConsoles.forEach((c, i) =>
    c.on('data', (d) => {
      consoles[i + 1] += d;
      lastOutput = performance.now();
    }),
  );
  try {
    await vm.ready;
    const deadline = performance.now() + RECIPE.promptTimeoutMs;
    for (;;) {
      if (vm.isExited) throw new Error('snapshot: the VM ended before it could be saved');
      // The main console is at its prompt (ready); ash may redraw it after a resize.
      const prompts = consoles.slice(1).every((text) => SHELL_PROMPT.test(text));
      const now = performance.now();
      if (prompts && now - lastOutput >= RECIPE.quietMs && now - spawned >= RECIPE.settledMs) break;
      if (performance.now() > deadline) throw new Error(`snapshot: the consoles did not all show a prompt within ${RECIPE.promptTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Every VM started from the state inherits the kernel's timer choice. The
    // local APIC timer is calibrated against the PIT during the boot, and on a
    // busy host the calibration can fail its check, after which the kernel
    // masks the APIC timer and ticks with the PIT: idle VMs would then cost
    // several times the CPU (lab/vm/qemu.ts, apicTimer).
    if (opts.apicTimer && !(await apicTimerRunning(vm))) {
      throw new Error('snapshot: the guest did not take the local APIC timer (its calibration failed)');
    }
    await vm.saveState(file);
  } finally {
    await vm.stop();
  }
  return consoles;
}
