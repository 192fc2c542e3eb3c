// v86 in Node, for the snapshot builder and the tests: the same machine the
// page creates (TAB_MACHINE), with its files read from disk.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { V86 } from 'v86';
import { TAB_KERNEL_COMMAND_LINE, TAB_MACHINE } from './layout.ts';
import { TabMachine, type Emulator } from './tab-machine.ts';

/** The v86 package's folder of built files (libv86, the wasm). */
export function v86BuildDir(): string {
  return dirname(createRequire(import.meta.url).resolve('v86'));
}

/** The BIOS the lab boots with: Debian's seabios (package seabios). */
export const SEABIOS = '/usr/share/seabios/bios.bin';

export type TabStart =
  /** A cold boot; with the page's command line unless `cmdline` is given. */
  | { kind: 'cold'; kernel: string; initrd: string; cmdline?: string }
  | { kind: 'state'; state: Buffer };

function buffer(path: string): ArrayBuffer {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
}

/** A new emulator of the tab lab's machine, loaded (with a kernel to boot, for a cold start), not yet running. */
export async function loadedNodeEmulator(cold?: { kernel: string; initrd: string; cmdline?: string }): Promise<Emulator> {
  const options = {
    ...TAB_MACHINE,
    wasm_path: join(v86BuildDir(), 'v86.wasm'),
    bios: { buffer: buffer(SEABIOS) },
    ...(cold ? { bzimage: { buffer: buffer(cold.kernel) }, initrd: { buffer: buffer(cold.initrd) }, cmdline: cold.cmdline ?? TAB_KERNEL_COMMAND_LINE } : {}),
  };
  const emulator = new V86(options as ConstructorParameters<typeof V86>[0]) as unknown as Emulator;
  await new Promise<void>((resolve) => emulator.add_listener('emulator-loaded', resolve as (v: never) => void));
  return emulator;
}

/** A loaded, not yet running emulator wrapped as a TabMachine. */
export async function nodeTabMachine(start: TabStart): Promise<TabMachine> {
  const emulator = await loadedNodeEmulator(start.kind === 'cold' ? start : undefined);
  const machine = new TabMachine(emulator);
  if (start.kind === 'state') {
    const s = start.state;
    await machine.restore(s.buffer.slice(s.byteOffset, s.byteOffset + s.byteLength) as ArrayBuffer);
  } else {
    await machine.boot();
  }
  return machine;
}
