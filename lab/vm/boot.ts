// Starting a lab VM with the accelerator the user asked for. KVM is opt-in:
// nested KVM on some hosts (this project's CI among them) hangs during boot,
// so a KVM boot gets a short deadline and falls back to TCG when it misses.
import type { Lab } from '../builder/lab.ts';
import { kvmAvailable, type Accel } from './qemu.ts';
import { LabVM, type LabVMOptions } from './lab-vm.ts';
import { labTarget, type BootTarget } from './target.ts';

export const KVM_PROBE_DEADLINE_MS = 5_000;

/**
 * One boot under KVM with a short deadline: nested KVM hangs on some hosts,
 * and /dev/kvm may not open, for us or for the user QEMU runs as. Returns
 * the VM if it came up; otherwise stops it, tells `say` why TCG it is, and
 * returns undefined. The CLI (bootVM) and the server (its probe at start)
 * both go through here, so they say the same, each with its own prefix.
 */
export async function tryKvm(start: (bootTimeoutMs: number) => LabVM, say: (message: string) => void): Promise<LabVM | undefined> {
  if (!kvmAvailable()) {
    say('KVM requested but /dev/kvm is not usable; using TCG');
    return undefined;
  }
  const vm = start(KVM_PROBE_DEADLINE_MS);
  try {
    await vm.ready;
    return vm;
  } catch {
    const exit = await vm.stop();
    say(
      exit.reason === 'boot-timeout'
        ? `the KVM boot missed its ${KVM_PROBE_DEADLINE_MS / 1000} s deadline (nested KVM hangs on some hosts); using TCG`
        : `the KVM VM failed to start (${exit.tail.trim().split('\n').pop() || exit.reason}); using TCG`,
    );
    return undefined;
  }
}

export interface BootOptions extends Omit<LabVMOptions, 'kernel' | 'initrd' | 'accel' | 'acpi' | 'panicDevice'> {
  accel?: Accel;
  lesson?: string;
  /** Where to say that KVM was not used; console.error by default. */
  warn?: (message: string) => void;
  /** Called with each VM as soon as QEMU starts, e.g. to show its boot output. */
  onStart?: (vm: LabVM) => void;
}

/** The accelerator from $UKLAB_ACCEL (tcg or kvm); TCG when unset. */
export function accelFromEnv(env: NodeJS.ProcessEnv = process.env): Accel {
  const v = env.UKLAB_ACCEL?.toLowerCase();
  if (v === undefined || v === '' || v === 'tcg') return 'tcg';
  if (v === 'kvm') return 'kvm';
  throw new Error(`lab: UKLAB_ACCEL must be tcg or kvm, not '${env.UKLAB_ACCEL}'`);
}

/** Start a lab VM (the lab kernel and image) and wait until its shell prompt is up. */
export function bootLabVM(lab: Lab, opts: BootOptions = {}): Promise<LabVM> {
  return bootVM(labTarget(lab), opts);
}

/** Start a VM of any kernel and image and wait until its shell prompt is up. */
export async function bootVM(target: BootTarget, opts: BootOptions = {}): Promise<LabVM> {
  const warn = opts.warn ?? ((m: string) => console.error(m));
  const append = [...(opts.append ?? []), ...(opts.lesson ? [`lab.lesson=${opts.lesson}`] : [])];
  const start = (accel: Accel, bootTimeoutMs?: number): LabVM => {
    const vm = new LabVM({
      ...opts,
      append,
      accel,
      kernel: target.kernel,
      initrd: target.initrd,
      acpi: target.acpi,
      panicDevice: target.panicDevice,
      bootTimeoutMs: bootTimeoutMs ?? opts.bootTimeoutMs ?? target.bootTimeoutMs,
    });
    opts.onStart?.(vm);
    return vm;
  };

  if (opts.accel === 'kvm') {
    const vm = await tryKvm((bootTimeoutMs) => start('kvm', bootTimeoutMs), (m) => warn(`lab: ${m}`));
    if (vm) return vm;
  }
  const vm = start('tcg');
  await vm.ready;
  return vm;
}
