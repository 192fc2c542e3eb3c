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
import { testLab } from './lab.ts';

/** The repository path of exercise `n`'s reference patch, if the exercise is one in C. */
export function solutionPatch(lesson: string, n: number): string | undefined {
  const rel = `kernel/${lesson}/solutions/exercise-${n}.patch`;
  return existsSync(join(REPO_ROOT, rel)) ? rel : undefined;
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

let service: Promise<BuildService> | undefined;

/** Build `files` for `lesson` into `vm` through the build service; resolves with its last report. */
export async function buildInto(vm: BuildDestination, lesson: string, files: SourceFile[]): Promise<BuildReport> {
  service ??= testLab().then(
    (lab) =>
      new BuildService(
        new LessonBuilder(
          { toolchain: hostToolchain(), kdir: lab.kernel.tree, kernelKey: lab.kernel.key },
          { runAs: process.getuid?.() === 0 ? UNPRIVILEGED : undefined },
        ),
        new BuildQueue(1),
      ),
  );
  const reports: BuildReport[] = [];
  await (await service).request({ owner: `literate-${lesson}`, lesson, files, destination: () => vm }, (r) => reports.push(r));
  const last = reports.at(-1);
  if (!last) throw new Error('the build service said nothing');
  return last;
}
