// Running lesson commands in a real lab VM and checking what they print, on
// the lab kernel and on Debian's 6.12 kernel.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { needsLabKernel } from '../../lab/builder/image.ts';
import { bootVM } from '../../lab/vm/boot.ts';
import { readTabState } from '../../lab/builder/tab-lab.ts';
import { nodeTabMachine } from '../../lab/tab/node-emulator.ts';
import { TabVM } from '../../lab/tab/tab-vm.ts';
import type { CommandResult, LabVM } from '../../lab/vm/lab-vm.ts';
import { debianTarget, labTarget, type BootTarget } from '../../lab/vm/target.ts';
import { normaliseTimestamps } from '../../site/step-format.ts';
import { testDebianLab, testLab, testTabLab } from './lab.ts';

/** A kernel the lessons are tested on, with what a test may need to know about it. */
export interface TestKernel {
  name: 'lab' | 'debian-6.12';
  /** For test names. */
  label: string;
  /**
   * Every page and slab allocation comes zeroed (`init_on_alloc=1`, from
   * CONFIG_INIT_ON_ALLOC_DEFAULT_ON): an unzeroed kmalloc cannot show what
   * the memory held before.
   */
  initOnAlloc: boolean;
  /** What `uname -r` prints in the guest. */
  release: () => Promise<string>;
  target: () => Promise<BootTarget>;
}

/** Linux 6.1 built here (lab/builder/kernel.ts), with the syscall lesson's patch. */
export const LAB_KERNEL: TestKernel = {
  name: 'lab',
  label: 'the lab kernel (6.1)',
  initOnAlloc: false,
  release: async () => (await testLab()).kernel.info.release,
  target: async () => labTarget(await testLab()),
};

/** Debian's 6.12 cloud kernel as Debian ships it (lab/builder/debian-kernel.ts). */
export const DEBIAN_KERNEL: TestKernel = {
  name: 'debian-6.12',
  label: "Debian's 6.12 cloud kernel",
  initOnAlloc: true,
  release: async () => (await testDebianLab()).kernel.release,
  target: async () => debianTarget(await testDebianLab()),
};

/** Every lesson runs on both kernels, except one that patches the lab kernel (syscall). */
export function lessonKernels(lesson: string): TestKernel[] {
  return needsLabKernel(lesson) ? [LAB_KERNEL] : [LAB_KERNEL, DEBIAN_KERNEL];
}

export interface Expect {
  /** The whole output, kernel log timestamps as `[T]` (normaliseTimestamps), or a pattern it must match. */
  out?: string | RegExp;
  status?: number;
  timeoutMs?: number;
}

/** A command as a failed assertion shows it: what was typed, what came back, the status. */
export function transcript(command: string, output: string, status: number): string {
  return `\n$ ${command}\n${output}(exit ${status})`;
}

/** Run `command` in the guest and check its output and exit status. */
export async function expectRun(vm: LabVM, command: string, expect: Expect = {}): Promise<CommandResult> {
  const r = await vm.exec(command, { timeoutMs: expect.timeoutMs ?? 30_000 });
  const output = normaliseTimestamps(r.output);
  const context = transcript(command, r.output, r.status);
  if (expect.status !== undefined) assert.equal(r.status, expect.status, `exit status${context}`);
  if (typeof expect.out === 'string') assert.equal(output, expect.out, `output${context}`);
  else if (expect.out) assert.match(output, expect.out, `output${context}`);
  return { output, status: r.status };
}

/** What the lesson tests need of a VM, on QEMU (LabVM) or in v86 (TabVM). */
export interface Guest {
  exec(command: string, opts?: { timeoutMs?: number }): Promise<CommandResult>;
  stop(): Promise<unknown>;
}

/** How many kernel log lines each VM had when its lesson began. */
const bootLogLines = new WeakMap<Guest, number>();

async function markLessonStart(vm: Guest): Promise<void> {
  bootLogLines.set(vm, Number((await vm.exec('dmesg | wc -l')).output.trim()));
}

/** A VM booted into /lab/<lesson>, on the lab kernel unless told otherwise. */
export async function lessonVM(lesson: string, kernel: TestKernel = LAB_KERNEL, extraConsoles = 0): Promise<LabVM> {
  // With the control channel, as the server's VMs have: a learner's build reaches the VM through it.
  const vm = await bootVM(await kernel.target(), { lesson, extraConsoles, control: true });
  await markLessonStart(vm);
  return vm;
}

/**
 * The i386 lab in v86 under Node, restored from the saved state the page
 * downloads (the real one, from the cache) and entered into /lab/<lesson>.
 * It always has console 1, as in the page.
 */
export async function tabLessonVM(lesson: string): Promise<TabVM> {
  const lab = await testTabLab();
  const machine = await nodeTabMachine({ kind: 'state', state: readTabState(lab) });
  const vm = new TabVM(machine);
  try {
    await vm.enter(lesson);
    await markLessonStart(vm);
  } catch (e) {
    await vm.stop();
    throw e;
  }
  return vm;
}

/**
 * Nothing in the kernel log, since the lesson began, that a correct module
 * would never cause. The boot itself is not the lessons' business: under
 * TCG, Debian's 6.12 kernel now and then warns about a debug exception
 * (exc_debug_kernel) while it boots, before any module is loaded.
 */
export async function assertCleanKernelLog(vm: Guest): Promise<void> {
  const log = (await vm.exec('dmesg')).output.split('\n').slice(bootLogLines.get(vm) ?? 0);
  const bad = log.filter((l) => /BUG|WARNING|Oops|Call Trace/.test(l));
  assert.deepEqual(bad, [], 'the kernel log has BUG/WARNING/Oops/Call Trace lines');
}

/** Tests for one VM; `kernel` for the few expectations that differ between kernels. */
export type LessonPart = (vm: () => LabVM, kernel: TestKernel) => void;

/**
 * One lesson's tests in one VM per kernel (lessonKernels), in the order a
 * learner meets them: the fixed code, a check that it left the kernel log
 * clean, then the article's code (which may well dirty it). The kernels take
 * turns: one VM at a time.
 */
export function describeLesson(lesson: string, parts: { fixed: LessonPart; original?: LessonPart }): void {
  for (const kernel of lessonKernels(lesson)) {
    describe(`${lesson} lesson on ${kernel.label}`, () => {
      let machine: LabVM | undefined;
      const vm = (): LabVM => {
        if (!machine) throw new Error(`the ${lesson} VM on ${kernel.label} did not boot`);
        return machine;
      };
      before(async () => {
        machine = await lessonVM(lesson, kernel);
      });
      after(async () => {
        await machine?.stop();
      });
      test(`the VM runs ${kernel.label}`, async () => {
        await expectRun(vm(), 'uname -r', { out: `${await kernel.release()}\n`, status: 0 });
      });
      parts.fixed(vm, kernel);
      test('the kernel log is clean', async () => {
        await assertCleanKernelLog(vm());
      });
      if (parts.original) describe("the article's code", () => parts.original?.(vm, kernel));
    });
  }
}
