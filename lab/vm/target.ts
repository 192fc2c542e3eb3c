// What a VM boots: a kernel, an initramfs, and what the machine must look
// like for that kernel. The lab kernel is the default everywhere (the server,
// the CLI); Debian's 6.12 kernel is the tests' second kernel.
import type { DebianLab } from '../builder/debian-lab.ts';
import type { Lab } from '../builder/lab.ts';

export interface BootTarget {
  /** A PVH vmlinux or a bzImage. */
  kernel: string;
  initrd: string;
  /** See machineArg in qemu.ts; unset: microvm's default (ACPI tables on). */
  acpi?: boolean;
  /** How long a boot may take before it counts as failed; unset: LabVM's default. */
  bootTimeoutMs?: number;
  /** false: the kernel cannot report a panic to QEMU (see LabVMOptions.panicDevice). */
  panicDevice?: boolean;
}

/** The lab kernel (the stripped vmlinux, booted through PVH) and the lab image. */
export function labTarget(lab: Lab): BootTarget {
  return { kernel: lab.kernel.bootImage, initrd: lab.image.initramfs };
}

/**
 * Debian's bzImage as installed in /boot, and the image built for it. It has
 * ACPI, so the machine has none (see machineArg). It boots in about 6 s
 * under TCG on an idle core, where the lab kernel takes well under one: a
 * distribution kernel runs many more initcalls. The deadline allows for a
 * busy host. It has no driver for QEMU's pvpanic device without ACPI, so
 * its panics are only seen in its console (LabVM's VMExit says how).
 */
export function debianTarget(lab: DebianLab): BootTarget {
  return { kernel: lab.kernel.bzImage, initrd: lab.image.initramfs, acpi: false, bootTimeoutMs: 120_000, panicDevice: false };
}
