/*
 * The i386 lab that v86 runs in the reader's tab, as both sides must agree
 * on it: the snapshot builder (lab/builder/tab-lab.ts, in Node) and the page
 * (src/components/LabTerminal/v86-transport.ts) create the same machine, or
 * the saved state does not fit. Pure: no Node, no DOM.
 */
import type {ConsoleIndex} from '../protocol.ts';

/**
 * Guest memory. v86 puts the initrd at 64 MiB, so it needs more than that;
 * the state stores only pages that are not zero, so the size costs nothing
 * in the download.
 */
export const TAB_MEMORY_BYTES = 128 * 1024 * 1024;

/**
 * Which serial port is which. Not lab/vm/qemu.ts's map: Linux finds the
 * fourth UART (ttyS3) only if it passes a modem-control loopback test,
 * which v86's UARTs do not emulate ("uart:unknown" in
 * /proc/tty/driver/serial), so console 1 is the second UART, alone on IRQ 3,
 * and the quiet control channel the third, sharing IRQ 4 with the main
 * console. The busy consoles never share a line (see qemu.ts for why that
 * matters).
 */
export const TAB_UARTS = {console0: 0, control: 2, console1: 1} as const;

export function consoleUart(index: ConsoleIndex): number {
  return index === 0 ? TAB_UARTS.console0 : TAB_UARTS.console1;
}

/**
 * The kernel command line of a cold boot in the page (when the saved state
 * cannot be had). Quiet like the server's lab; `lab.snapshot` makes the
 * shells wait to be told the lesson (lab/image/init, lab/image/profile).
 */
export const TAB_KERNEL_COMMAND_LINE = [
  `console=ttyS${TAB_UARTS.console0}`,
  'loglevel=1',
  // Stay stopped on a panic: QEMU exits on the reboot that panic=-1 asks
  // for, but v86 cannot reset a PC by a triple fault (reboot=t), and the
  // page stops the machine when the panic port is written.
  'panic=0',
  // v86's TSC is the host's monotonic clock, the best clock the machine
  // has; the boot's watchdog, comparing it with the emulated PIT while the
  // JIT warms up, would otherwise call it unstable and drop it.
  'tsc=reliable',
  `lab.ctl=ttyS${TAB_UARTS.control}`,
  `lab.console1=ttyS${TAB_UARTS.console1}`,
  'lab.snapshot',
].join(' ');

/**
 * The boot the saved state is taken from, at build time: the same, with
 * freed pages zeroed so that they cost nothing in the state. Only there:
 * at boot it zeroes all free memory, 0.2 s of a cold boot in v86 (the
 * kernel's `mem auto-init: clearing system memory` step, measured from its
 * printk times).
 */
export const TAB_SNAPSHOT_COMMAND_LINE = `${TAB_KERNEL_COMMAND_LINE} init_on_free=1`;

/**
 * What the shell of console N writes on the control channel when it waits
 * for the lesson (lab/image/profile): once both have, the machine is ready
 * to be saved.
 */
export function snapshotLine(index: ConsoleIndex): string {
  return `snapshot ${index}`;
}

/** What /init writes on the control channel when the main shell has ended (exit, poweroff): the VM is over. */
export const EXIT_LINE = 'exit';

/** What the host types on each console after a restore, unechoed: the lesson and the console's size. */
export function lessonLine(lesson: string, cols: number, rows: number): string {
  if (!/^[a-z0-9-]*$/.test(lesson)) throw new Error(`tab lab: bad lesson name ${JSON.stringify(lesson)}`);
  return `${lesson || '-'} ${rows} ${cols}\n`;
}

/**
 * The pvpanic port (lab/kernel-patches/0002-*): the lab kernel writes
 * PANICKED to it from its panic notifier. v86 has no such device, so the
 * page adds one; only kernel code can reach the port.
 */
export const PANIC_PORT = 0x505;
export const PANIC_PANICKED = 1;

/**
 * The tab lab's files, as the site serves them under its base URL
 * (site/tab-assets.ts copies them there) and as the cache keeps them.
 */
export const TAB_ASSET_DIR = 'tab-lab';
export const TAB_ASSETS = {
  wasm: 'v86.wasm',
  bios: 'seabios.bin',
  /**
   * The saved machine, gzipped: the browser unpacks it natively, while it
   * downloads (DecompressionStream). v86 could undo zstd itself, but in its
   * wasm, on the page's main thread: about 90 ms of a start (measured).
   */
  state: 'lab.state.gz',
  /** For a cold boot when the state cannot be had. */
  kernel: 'bzImage',
  initrd: 'initramfs.cpio',
  /** Names of the files above with their content hashes, for the HTTP cache (not manifest.json: the cache entry has that). */
  manifest: 'tab-lab.json',
} as const;

export type TabAsset = Exclude<keyof typeof TAB_ASSETS, 'manifest'>;

/** tab-lab.json: each asset's file name in the folder (content-hashed) and size; the state's unpacked size too. */
export type TabManifest = Record<TabAsset, {file: string; bytes: number}> & {
  state: {unpacked: number};
  v86: string;
  release: string;
};

/**
 * The machine v86 emulates, the same for the boot the state is saved from
 * and every restore of it (a state only fits a machine like its own).
 * Files (BIOS, kernel, state) and where the wasm is are added by the caller.
 */
export const TAB_MACHINE = {
  memory_size: TAB_MEMORY_BYTES,
  // The guest has no screen, but the BIOS wants one: v86's smallest (4
  // banks of 64 KiB). All of it is in the saved state, unpacked on every
  // start; 2 MiB of it were a fifth of the state.
  vga_memory_size: 256 * 1024,
  uart1: true,
  uart2: true,
  acpi: false,
  fastboot: true,
  autostart: false,
  disable_keyboard: true,
  disable_mouse: true,
  disable_speaker: true,
} as const;
