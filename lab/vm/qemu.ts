// The QEMU command line of a lab VM. Everything that shapes the guest's
// attack surface and boot time is decided here, in one place:
// - microvm with -nodefaults: no PCI, no network, no disk, no host share;
// - the console is QEMU's stdio (a pty when spawned by node-pty), with
//   signal=off so Ctrl-C reaches the guest instead of killing QEMU;
// - -no-reboot plus the guest's reboot=t/panic=-1: poweroff, reboot and a
//   panic all end the QEMU process, which is how the host notices them;
// - a pvpanic device: the lab kernel reports a panic through it (see
//   lab/kernel-patches/0002-*), and QEMU exits with status 1. Only kernel
//   code can write its port (the lab kernel has no ioperm, iopl or
//   /dev/port), so no program in the guest can fake a panic;
// - which guest UART is which console: the guest learns their names from
//   the kernel command line, so this file is the only one that knows them;
// - -sandbox: QEMU's seccomp filter, so a QEMU bug cannot spawn processes.
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type Accel = 'tcg' | 'kvm';

export interface QemuOptions {
  /** What the firmware loads: an ELF vmlinux (booted through PVH) or a bzImage. */
  kernel: string;
  initrd: string;
  accel: Accel;
  /**
   * false: a machine without ACPI tables (see `machineArg`). The lab kernel
   * has no ACPI and ignores them, so it boots either way.
   */
  acpi?: boolean;
  memoryMiB?: number;
  /** Unix socket for the control UART, which carries window sizes. */
  controlSocket?: string;
  /** Unix sockets for more consoles into the same VM: console 1, ... */
  consoleSockets?: string[];
  /** Extra kernel command-line words, e.g. for tests. */
  append?: string[];
  /**
   * Tick with the local APIC timer instead of the PIT. Its calibration adds
   * about 0.3 s to a boot under TCG (medians of 8 alternating boots: 623 ms
   * without, 941 ms with), but an idle guest then costs the host a seventh
   * of the CPU (1-2 against 14 ms a second): the PIT cannot program a timer
   * more than 27 ms ahead, so an idle guest still takes about 80 timer
   * interrupts a second. For VMs that mostly wait, and are started from a
   * snapshot that paid for the calibration once: the lab server's.
   */
  apicTimer?: boolean;
  /** Unix socket for QEMU's monitor (QMP), to save the VM's state (lab/vm/snapshot.ts). */
  qmpSocket?: string;
  /**
   * Unix socket on which QEMU waits for a saved state instead of running the
   * guest from its first instruction; it starts the guest once the state is in.
   */
  incomingSocket?: string;
}

/*
 * The guest's UARTs (ttyS<n>). The main console is the first (-serial, QEMU's
 * stdio).
 * The control UART is the second. The PC's four UARTs have two interrupt
 * lines: ttyS2 would share IRQ 4 with ttyS0, the busiest port, and a shared
 * ISA line can lose an interrupt when both ports are busy (a lost THRE
 * interrupt stalls a port until the line fires again). So console 1 is
 * ttyS3, which shares IRQ 3 with the control UART, which carries a few bytes
 * per resize, and LabVM follows each resize with a nudge so the driver polls
 * both ports once more. Floods on ttyS0 and ttyS3 at once, with resizes,
 * complete.
 */
const MAIN_CONSOLE_UART = 0;
const CONTROL_UART = 1;
const EXTRA_CONSOLE_UARTS = [3] as const;

/** Consoles besides the main one (console 0). */
export const MAX_EXTRA_CONSOLES = EXTRA_CONSOLE_UARTS.length;

/**
 * TCG's translation buffer, MiB. QEMU 7.2 reserves 1 GiB by default, most of
 * its address space (VSZ 1375 MiB; 415 MiB with 64), which would make a limit
 * on the address space meaningless. A lab VM translates a few MiB of guest
 * code: after a boot and some work its RSS was 93 MiB either way, and boot
 * time the same within noise (medians of 15 interleaved boots: 539 ms with
 * the default, 549 ms with 64).
 */
export const TCG_TB_MIB = 64;

/** QEMU's exit status after the guest reported a panic (-action panic=exit-failure). */
export const QEMU_PANIC_STATUS = 1;

export const QEMU_BINARY = 'qemu-system-x86_64';
export const QEMU_PACKAGE = 'qemu-system-x86';

/**
 * The guest's TSC frequency in kHz, if the host can tell it. Under TCG the
 * guest reads the host's TSC, and the guest's own calibration of it is flaky
 * (when it fails the guest falls back to a clock with 4 ms resolution).
 * On a virtual host, /proc/cpuinfo's "cpu MHz" is the TSC frequency the
 * hypervisor reports; on bare metal it is the current core clock, which is
 * not, so there we let the guest calibrate. UKLAB_TSC_KHZ overrides (0: off).
 */
export function hostTscKHz(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (env.UKLAB_TSC_KHZ !== undefined) return Number(env.UKLAB_TSC_KHZ) || undefined;
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    const flags = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.split(' ') ?? [];
    const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(cpuinfo)?.[1]);
    if (!flags.includes('hypervisor') || !flags.includes('constant_tsc') || !(mhz > 0)) return undefined;
    return Math.round(mhz * 1000);
  } catch {
    return undefined;
  }
}

/**
 * The kernel command line. Only emergencies reach the console: kernel
 * messages would land at random places in the learner's terminal and in the
 * output the tests compare, and `dmesg` is how the lessons read them. A
 * panic still prints all of its text (panic() raises the console loglevel).
 * No local APIC timer unless asked for (`apicTimer`): the PIT drives the tick.
 */
export function kernelCommandLine(opts: QemuOptions): string {
  const tsc = hostTscKHz();
  return [
    `console=ttyS${MAIN_CONSOLE_UART}`,
    'loglevel=1',
    ...(opts.apicTimer ? [] : ['noapictimer']),
    ...(tsc ? [`tsc_early_khz=${tsc}`] : []),
    'reboot=t',
    'panic=-1',
    // What /init (lab/image/init) reads: which UART is which.
    ...(opts.controlSocket ? [`lab.ctl=ttyS${CONTROL_UART}`] : []),
    ...(opts.consoleSockets ?? []).map((_, i) => `lab.console${i + 1}=ttyS${EXTRA_CONSOLE_UARTS[i]}`),
    ...(opts.append ?? []),
  ].join(' ');
}

/**
 * The -M argument. microvm describes its devices in ACPI tables and, for
 * kernels without ACPI, in an MP table. A kernel with ACPI (Debian's) that
 * reads microvm's tables under TCG gets no timer interrupt and hangs at
 * `Calibrating delay loop`; with `acpi=off` it finds the MP table, as the
 * lab kernel does. No option ROMs: the firmware (qboot) loads a bzImage
 * and a PVH vmlinux by itself.
 */
export function machineArg(opts: Pick<QemuOptions, 'acpi'>): string {
  return ['microvm', 'x-option-roms=off', ...(opts.acpi === false ? ['acpi=off'] : [])].join(',');
}

export function qemuArgs(opts: QemuOptions): string[] {
  const args = [
    '-M', machineArg(opts),
    // TCG's translation buffer bounded (see TCG_TB_MIB): QEMU runs under an address-space limit.
    '-accel', opts.accel === 'kvm' ? 'kvm' : `tcg,tb-size=${TCG_TB_MIB}`,
    '-m', String(opts.memoryMiB ?? 128),
    '-nodefaults',
    '-no-user-config',
    '-display', 'none',
    '-no-reboot',
    // ISA, I/O port 0x505. A kernel without a driver for it (Debian's, booted
    // without ACPI) never writes it; its panic then reboots, which is an exit 0.
    '-device', 'pvpanic',
    '-action', 'panic=exit-failure',
    '-sandbox', 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny',
    '-chardev', 'stdio,id=console,signal=off',
    '-serial', 'chardev:console',
  ];
  if (opts.accel === 'kvm') args.push('-cpu', 'host');
  if (opts.controlSocket) {
    args.push(
      '-chardev', `socket,id=control,path=${opts.controlSocket},server=on,wait=off`,
      '-device', `isa-serial,chardev=control,index=${CONTROL_UART}`,
    );
  }
  const extra = opts.consoleSockets ?? [];
  if (extra.length > MAX_EXTRA_CONSOLES) throw new Error(`lab: at most ${MAX_EXTRA_CONSOLES} extra consoles`);
  extra.forEach((path, i) => {
    args.push(
      '-chardev', `socket,id=console${i + 2},path=${path},server=on,wait=off`,
      '-device', `isa-serial,chardev=console${i + 2},index=${EXTRA_CONSOLE_UARTS[i]}`,
    );
  });
  if (opts.qmpSocket) args.push('-qmp', `unix:${opts.qmpSocket},server=on,wait=off`);
  if (opts.incomingSocket) args.push('-incoming', `unix:${opts.incomingSocket}`);
  args.push('-kernel', opts.kernel, '-initrd', opts.initrd, '-append', kernelCommandLine(opts));
  return args;
}

/** Absolute path of qemu-system-x86_64, or an error naming the Debian package. */
export function findQemu(env: NodeJS.ProcessEnv = process.env): string {
  for (const dir of (env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const p = join(dir, QEMU_BINARY);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`lab: ${QEMU_BINARY} not found; install the Debian package ${QEMU_PACKAGE}`);
}

/** KVM is usable only if /dev/kvm opens read-write; a hang is caught later by the boot deadline. */
export function kvmAvailable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
