/*
 * Docusaurus plugin: each lesson's editable sources (the C files and headers
 * of kernel/<lesson>/, lab/build/lesson-sources.ts) as one JSON module per
 * lesson, and an index of loaders for them. The editor on a lesson page
 * loads its lesson's module when the learner opens it, so the files are read from kernel/ at build time, never
 * pasted into a page, and cost a page nothing until then
 * (src/components/LabEditor/sources.ts).
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import type {Plugin} from '@docusaurus/types';
import {buildableLessons, lessonSourceNames} from '../lab/build/lesson-sources.ts';
import {KERNEL_EXAMPLES_DIR} from '../lab/paths.ts';
import type {SourceFile} from '../lab/protocol.ts';

/** The plugin's name: its modules are in @generated/<name>/default/. */
export const LESSON_SOURCES_PLUGIN = 'lesson-sources';

export function lessonSources(dir: string = KERNEL_EXAMPLES_DIR): Record<string, SourceFile[]> {
  return Object.fromEntries(
    buildableLessons(dir).map((lesson) => [
      lesson,
      lessonSourceNames(lesson, dir).map((name) => ({name, text: readFileSync(join(dir, lesson, name), 'utf8')})),
    ]),
  );
}

export default function lessonSourcesPlugin(): Plugin {
  return {
    name: LESSON_SOURCES_PLUGIN,
    loadContent: async () => lessonSources(),
    async contentLoaded({content, actions}) {
      const lessons = Object.entries(content as Record<string, SourceFile[]>);
      for (const [lesson, files] of lessons) await actions.createData(`${lesson}.json`, JSON.stringify(files));
      // One loader per lesson, each import() a plain string: webpack makes
      // each JSON a chunk of its own, loaded when called.
      const loaders = lessons.map(([lesson]) => `  ${JSON.stringify(lesson)}: () => import(${JSON.stringify(`./${lesson}.json`)}),`);
      await actions.createData('index.js', `export default {\n${loaders.join('\n')}\n};\n`);
    },
    getPathsToWatch: () => [join(KERNEL_EXAMPLES_DIR, '*', '*.[ch]')],
  };
}
