// Running lesson commands in a real lab VM and checking what they print.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bootLabVM } from '../../lab/vm/boot.ts';
import type { CommandResult, LabVM } from '../../lab/vm/machine.ts';
import { testLab } from './lab.ts';

export interface Expect {
  /** The whole output (timestamps normalised, see below), or a pattern it must match. */
  out?: string | RegExp;
  status?: number;
  timeoutMs?: number;
}

/** Kernel log timestamps vary from boot to boot: `[    2.596127]` becomes `[T]`. */
export function normalise(output: string): string {
  return output.replace(/^\[\s*\d+\.\d+\] /gm, '[T] ');
}

/** Run `command` in the guest and check its output and exit status. */
export async function expectRun(vm: LabVM, command: string, expect: Expect = {}): Promise<CommandResult> {
  const r = await vm.exec(command, { timeoutMs: expect.timeoutMs ?? 30_000 });
  const output = normalise(r.output);
  const context = `\n$ ${command}\n${r.output}(exit ${r.status})`;
  if (expect.status !== undefined) assert.equal(r.status, expect.status, `exit status${context}`);
  if (typeof expect.out === 'string') assert.equal(output, expect.out, `output${context}`);
  else if (expect.out) assert.match(output, expect.out, `output${context}`);
  return { output, status: r.status };
}

/** A VM booted into /lab/<lesson>. */
export async function lessonVM(lesson: string): Promise<LabVM> {
  return bootLabVM(await testLab(), { lesson });
}

/** Nothing in the kernel log that a correct module would never cause. */
export async function assertCleanKernelLog(vm: LabVM): Promise<void> {
  const log = (await vm.exec('dmesg')).output;
  const bad = log.split('\n').filter((l) => /BUG|WARNING|Oops|Call Trace/.test(l));
  assert.deepEqual(bad, [], 'the kernel log has BUG/WARNING/Oops/Call Trace lines');
}

/**
 * One lesson's tests in one VM, in the order a learner meets them: the fixed
 * code, a check that it left the kernel log clean, then the article's code
 * (which may well dirty it).
 */
export function describeLesson(
  lesson: string,
  parts: { fixed: (vm: () => LabVM) => void; original?: (vm: () => LabVM) => void },
): void {
  describe(`${lesson} lesson`, () => {
    let machine: LabVM | undefined;
    const vm = (): LabVM => {
      if (!machine) throw new Error(`the ${lesson} VM did not boot`);
      return machine;
    };
    before(async () => {
      machine = await lessonVM(lesson);
    });
    after(async () => {
      await machine?.stop();
    });
    parts.fixed(vm);
    test('the kernel log is clean', async () => {
      await assertCleanKernelLog(vm());
    });
    if (parts.original) describe("the article's code", () => parts.original?.(vm));
  });
}
