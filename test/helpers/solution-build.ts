// A coding exercise's reference solution, built the way a learner's code
// is: the patch (kernel/<lesson>/solutions/exercise-N.patch) applied to the
// lesson's files, those files sent through the lab server's build service
// and sandbox (lab/build/), and the results put into the VM through its
// control channel, as the page's Build button does.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildQueue } from '../../lab/build/build-queue.ts';
import { BuildService, type BuildDestination, type BuildReport } from '../../lab/build/build-service.ts';
import { LessonBuilder } from '../../lab/build/lesson-build.ts';
import { lessonSourceNames } from '../../lab/build/lesson-sources.ts';
import { hostToolchain } from '../../lab/builder/image.ts';
import { KERNEL_EXAMPLES_DIR, REPO_ROOT } from '../../lab/paths.ts';
import type { SourceFile } from '../../lab/protocol.ts';
import { UNPRIVILEGED } from '../../lab/vm/unprivileged.ts';
import type { TabVM } from '../../lab/tab/tab-vm.ts';
import { testLab, testTabLab } from './lab.ts';

/**
 * Exercise `n`'s reference patch, if the exercise is one in C: the page
 * shows it (kernel/<lesson>/solutions/exercise-N.patch), and the lesson it
 * patches is the folder it is in (the procfs/sysfs page has one of each).
 */
export function solutionPatch(page: string, n: number): { lesson: string; patch: string } | undefined {
  const m = new RegExp(`file=(kernel/([a-z0-9_-]+)/solutions/exercise-${n}\\.patch)\\b`).exec(page);
  if (!m?.[1] || !m[2]) return undefined;
  if (!existsSync(join(REPO_ROOT, m[1]))) throw new Error(`the page shows ${m[1]}, which does not exist`);
  return { lesson: m[2], patch: m[1] };
}

/** The lesson's editable files with the patch applied (git apply, in a scratch copy). */
export function patchedSources(lesson: string, patch: string): SourceFile[] {
  const scratch = mkdtempSync(join(tmpdir(), 'uklab-solution-'));
  try {
    const dir = join(scratch, 'kernel', lesson);
    mkdirSync(dir, { recursive: true });
    const names = lessonSourceNames(lesson);
    for (const name of names) writeFileSync(join(dir, name), readFileSync(join(KERNEL_EXAMPLES_DIR, lesson, name)));
    execFileSync('git', ['apply', join(REPO_ROOT, patch)], { cwd: scratch, stdio: 'pipe' });
    return names.map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const services = new Map<'server' | 'tab', Promise<BuildService>>();

/** The build service of one lab, as the lab server makes it (lab/server/server.ts). */
function serviceFor(backend: 'server' | 'tab'): Promise<BuildService> {
  let service = services.get(backend);
  if (!service) {
    const kernelAndToolchain =
      backend === 'server' ? testLab().then((lab) => ({ kernel: lab.kernel, toolchain: hostToolchain() })) : testTabLab();
    service = kernelAndToolchain.then(
      ({ kernel, toolchain }) =>
        new BuildService(
          new LessonBuilder({ toolchain, kdir: kernel.tree, kernelKey: kernel.key }, { runAs: process.getuid?.() === 0 ? UNPRIVILEGED : undefined }),
          new BuildQueue(1),
        ),
    );
    services.set(backend, service);
  }
  return service;
}

/**
 * Build `files` for `lesson` into `vm` through the build service; resolves
 * with its last report. A VM on the lab server takes the files through its
 * control socket; a VM in the tab through its control UART, from the
 * `done` report's files, as the page puts them.
 */
export async function buildInto(vm: { kind: 'server'; vm: BuildDestination } | { kind: 'tab'; vm: TabVM }, lesson: string, files: SourceFile[]): Promise<BuildReport> {
  const reports: BuildReport[] = [];
  const destination = (): BuildDestination | 'page' => (vm.kind === 'server' ? vm.vm : 'page');
  await (await serviceFor(vm.kind)).request({ owner: `literate-${lesson}`, lesson, files, destination }, (r) => reports.push(r));
  const last = reports.at(-1);
  if (!last) throw new Error('the build service said nothing');
  if (vm.kind === 'tab' && last.state === 'done') await vm.vm.machine.put(last.files ?? [], 60_000);
  return last;
}
