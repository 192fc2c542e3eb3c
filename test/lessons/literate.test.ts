// Literate tests: every runnable step a lesson page shows, run in a fresh lab
// VM in page order, its output compared with what the page says it prints
// (site/AUTHORING.md). A page cannot show output the code does not produce.
// Every page runs on both labs a reader can get: the x86-64 one under QEMU
// (the lab server's) and the i386 one in v86 (the reader's tab), restored
// from the same saved state the page downloads.
//
// UKLAB_LESSONS=ioctl,signal runs only those pages (by lab or page name);
// UKLAB_BACKENDS=tab (or server) only one lab.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../../lab/paths.ts';
import { stripTerminal } from '../../lab/vm/console.ts';
import { extractSteps, outputMatches, stepAnchor, type Backend, type PageSteps, type Step } from '../../site/steps.ts';
import type { LabVM } from '../../lab/vm/lab-vm.ts';
import type { TabVM } from '../../lab/tab/tab-vm.ts';
import { assertCleanKernelLog, lessonVM, tabLessonVM, transcript, type Guest } from '../helpers/guest.ts';
import { buildInto, patchedSources, solutionPatch } from '../helpers/solution-build.ts';

/** A lesson VM with its second console, on either lab. */
interface LessonGuest extends Guest {
  readonly extraConsoles: readonly { on(event: 'data', fn: (d: string) => void): unknown; write(d: string): void }[];
}

const BACKENDS: { name: Backend; label: string; boot: (lab: string, consoles: number) => Promise<LessonGuest> }[] = [
  { name: 'server', label: 'on the lab server (QEMU, x86-64)', boot: (lab, consoles) => lessonVM(lab, undefined, consoles) },
  { name: 'tab', label: 'in the tab (v86, i386)', boot: (lab) => tabLessonVM(lab) },
];

const EN = path.join(REPO_ROOT, 'docs');
const ZH = path.join(REPO_ROOT, 'i18n/zh-Hans/docusaurus-plugin-content-docs/current');

interface Page {
  readonly name: string;
  readonly en: PageSteps;
  readonly zh: PageSteps;
  readonly enSource: string;
  readonly zhSource: string;
}

function readPage(dir: string, file: string): PageSteps {
  const full = path.join(dir, file);
  return extractSteps(readFileSync(full, 'utf8'), path.relative(REPO_ROOT, full));
}

function pages(): Page[] {
  const only = process.env.UKLAB_LESSONS?.split(',').filter(Boolean);
  return readdirSync(EN)
    .filter((f) => f.endsWith('.mdx'))
    .sort()
    .map((f) => ({
      name: f.replace(/\.mdx$/, ''),
      en: readPage(EN, f),
      zh: readPage(ZH, f),
      enSource: readFileSync(path.join(EN, f), 'utf8'),
      zhSource: readFileSync(path.join(ZH, f), 'utf8'),
    }))
    .filter((p) => p.en.steps.length > 0 || p.zh.steps.length > 0)
    .filter((p) => !only || only.includes(p.name) || (p.en.lab !== undefined && only.includes(p.en.lab)));
}

const BAD_LOG_LINE = /BUG|WARNING|Oops|Call Trace/;

function label(step: Step): string {
  return `#${stepAnchor(step.role)}: ${step.commands.map((c) => c.command).join(' ; ')}`;
}

/** A step's commands: each exits 0 but the last (status=N), each prints what the page shows. */
async function runStep(vm: Guest, step: Step, backend: Backend): Promise<void> {
  for (const [i, c] of step.commands.entries()) {
    const r = await vm.exec(c.command, { timeoutMs: step.timeoutMs });
    const want = i === step.commands.length - 1 ? step.status : 0;
    const seen = transcript(c.command, r.output, r.status);
    const shown = outputOn(c, backend);
    assert.equal(r.status, want, `exit status${seen}`);
    assert.ok(
      outputMatches(shown, r.output),
      `the page shows:\n${shown}but the lab printed:${seen}`,
    );
  }
}

/** What the page shows a command printing on `backend`'s lab. */
function outputOn(c: Step['commands'][number], backend: Backend): string {
  return c.outputs?.[backend] ?? c.output;
}

/*
 * Console 1, the page's second terminal (console=1 steps): its commands are
 * typed and left running, like a learner's `sleep 600` waiting for a signal.
 * What the page says they show is checked later, when the next console 1
 * step comes or the page ends, since it is caused by steps on console 0.
 */
class SecondConsole {
  private text = '';
  private pending?: { from: number; step: Step };
  private readonly type: (line: string) => void;

  constructor(
    vm: LessonGuest,
    private readonly backend: Backend,
  ) {
    // The VM's extra consoles are numbered from 1.
    const c = vm.extraConsoles[0];
    if (!c) throw new Error('the VM has no console 1');
    c.on('data', (d) => (this.text += d));
    this.type = (line) => c.write(`${line}\n`);
  }

  /** What the terminal showed since `from`, without the prompts and the echo of `commands`. */
  private shown(from: number, commands: readonly string[]): string {
    const lines = stripTerminal(this.text.slice(from)).replace(/\r/g, '').split('\n');
    const kept = lines.filter((l) => l.trim() !== '' && !/^lab:\S*# ?/.test(l.trim()) && !commands.includes(l.trim()));
    return kept.map((l) => `${l}\n`).join('');
  }

  async settle(): Promise<void> {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    const want = p.step.commands.map((c) => outputOn(c, this.backend)).join('');
    const commands = p.step.commands.map((c) => c.command);
    assert.ok(
      await until(() => outputMatches(want, this.shown(p.from, commands)), p.step.timeoutMs),
      `console 1 (the second terminal) should show:\n${want}but showed:\n${stripTerminal(this.text.slice(p.from))}`,
    );
  }

  async run(step: Step): Promise<void> {
    await this.settle();
    const from = this.text.length;
    this.pending = { from, step };
    for (const c of step.commands) this.type(c.command);
    // Like a reader, go on once the terminal shows the commands typed (its
    // echo of each line): the next step, on console 0, may look for what
    // they start (`pidof sleep`), and the VM takes a moment under load.
    const echoed = () => step.commands.every((c) => stripTerminal(this.text.slice(from)).includes(`${c.command}\n`));
    assert.ok(
      await until(echoed, step.timeoutMs),
      `console 1 (the second terminal) did not take the commands:\n${stripTerminal(this.text.slice(from))}`,
    );
  }
}

/** Polls `done` for up to `ms`: a console's output arrives in pieces. */
async function until(done: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

const all = pages();
if (all.length === 0) {
  test('literate tests', { skip: `no lesson page matches UKLAB_LESSONS=${process.env.UKLAB_LESSONS ?? ''}` }, () => {});
}

for (const page of all) {
  describe(`lesson page ${page.name}`, () => {
    test('the Chinese page runs the same steps as the English one', () => {
      // Same commands and outputs in the same order: running the English
      // steps below then proves the Chinese transcripts too.
      assert.equal(page.zh.lab, page.en.lab, 'the <LabTerminal lesson> differs');
      assert.deepEqual(page.zh.terminals, page.en.terminals, 'the <LabTerminal console> differ');
      assert.deepEqual(page.zh.steps, page.en.steps);
    });

    const lab = page.en.lab;
    if (lab === undefined) return;
    for (const backend of backends()) {
      describe(backend.label, () => runPage(page, lab, backend));
    }
  });
}

function backends(): typeof BACKENDS {
  const only = process.env.UKLAB_BACKENDS?.split(',').filter(Boolean);
  return BACKENDS.filter((b) => !only || only.includes(b.name));
}

/** Every step of `page`, in order, in one fresh VM of `backend`'s lab. */
function runPage(page: Page, lab: string, backend: (typeof BACKENDS)[number]): void {
  let vm: LessonGuest | undefined;
  let second: SecondConsole | undefined;
  let broken: string | undefined;
  const twoConsoles = page.en.steps.some((s) => s.console === 1);
  before(async () => {
    vm = await backend.boot(lab, twoConsoles ? 1 : 0);
    if (twoConsoles) second = new SecondConsole(vm, backend.name);
  });
  after(async () => {
    await vm?.stop();
  });

  const checks = new Map<number, Step>();
  for (const step of page.en.steps) {
    test(label(step), async (t) => {
      if (broken) return t.skip(`an earlier step failed (${broken})`);
      if (!vm) throw new Error(`the ${lab} VM did not boot`);
      try {
        const [check] = step.commands;
        switch (step.role.kind) {
          case 'step':
            if (step.console === 1) await second?.run(step);
            else await runStep(vm, step, backend.name);
            break;
          case 'check': {
            // Before the solution the check must say what is missing.
            assert.ok(check, 'a check has one command');
            assert.match(check.output, /^PASS: .+\n$/, 'a check fence shows the one PASS line of a solved exercise');
            const r = await vm.exec(check.command, { timeoutMs: step.timeoutMs });
            const seen = transcript(check.command, r.output, r.status);
            assert.equal(r.status, 1, `an unsolved exercise's check exits 1${seen}`);
            assert.match(r.output, /^NOT YET: .+\n$/, `an unsolved exercise's check prints one NOT YET line${seen}`);
            checks.set(step.role.exercise, step);
            break;
          }
          case 'solution': {
            const solution = solutionPatch(page.enSource, step.role.exercise);
            if (solution) {
              // An exercise in C: the page shows its patch, in both
              // languages, and the patch is built as the Build button does.
              assert.ok(page.zhSource.includes(`file=${solution.patch}`), `the zh-Hans page shows ${solution.patch}`);
              // In the tab, the lab server builds the i386 variant and the page puts it into v86.
              const target = backend.name === 'server' ? { kind: 'server' as const, vm: vm as unknown as LabVM } : { kind: 'tab' as const, vm: vm as unknown as TabVM };
              const built = await buildInto(target, solution.lesson, patchedSources(solution.lesson, solution.patch));
              assert.equal(built.state, 'done', `the reference solution builds and reaches the VM: ${JSON.stringify(built)}`);
            }
            await runStep(vm, step, backend.name);
            const checkStep = checks.get(step.role.exercise);
            const c = checkStep?.commands[0];
            assert.ok(checkStep && c, `exercise ${step.role.exercise}'s check did not run`);
            const r = await vm.exec(c.command, { timeoutMs: checkStep.timeoutMs });
            const seen = transcript(c.command, r.output, r.status);
            assert.equal(r.status, 0, `after the solution the check passes${seen}`);
            assert.ok(outputMatches(c.output, r.output), `after the solution the check prints ${c.output}${seen}`);
            break;
          }
        }
      } catch (error) {
        broken = stepAnchor(step.role);
        throw error;
      }
    });
  }

  if (twoConsoles) {
    test('console 1 (the second terminal) showed what the page says', async (t) => {
      if (broken) return t.skip(`an earlier step failed (${broken})`);
      await second?.settle();
    });
  }

  test('the steps leave no BUG, WARNING or Oops in the kernel log', async (t) => {
    if (broken) return t.skip(`an earlier step failed (${broken})`);
    if (!vm) throw new Error(`the ${lab} VM did not boot`);
    // A page may break the kernel on purpose (the netlink original); it
    // then shows the oops in a step, which the steps above have checked.
    const shown = page.en.steps.some((s) => s.commands.some((c) => BAD_LOG_LINE.test(outputOn(c, backend.name))));
    if (shown) return t.skip('the page shows a kernel oops on purpose');
    await assertCleanKernelLog(vm);
  });
}
