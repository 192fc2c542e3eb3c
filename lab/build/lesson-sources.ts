// Which of a lesson's files a learner may edit and build: the C sources and
// headers at the top of kernel/<lesson>/ (not its original/ nor its
// Makefile). The editor on the page opens these (site/lesson-sources.ts)
// and the server takes these names, and no other, in a build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KERNEL_EXAMPLES_DIR } from '../paths.ts';
import { SOURCE_NAME } from '../protocol.ts';

const LESSON = /^[a-z0-9][a-z0-9_-]*$/;

/** The lessons that build: kernel/ folders with a Makefile. */
export function buildableLessons(dir: string = KERNEL_EXAMPLES_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => LESSON.test(d) && existsSync(join(dir, d, 'Makefile')))
    .sort();
}

/** The editable files of a lesson, sorted; none for a folder that is not a lesson. */
export function lessonSourceNames(lesson: string, dir: string = KERNEL_EXAMPLES_DIR): string[] {
  const folder = join(dir, lesson);
  if (!LESSON.test(lesson) || !existsSync(join(folder, 'Makefile'))) return [];
  return readdirSync(folder)
    .filter((f) => SOURCE_NAME.test(f) && statSync(join(folder, f)).isFile())
    .sort();
}
