/*
 * A lesson's editable files, as site/lesson-sources.ts put them in one JSON
 * module per lesson at build time: imported when the learner opens the
 * editor, so a page carries none of it until then.
 */
import type {SourceFile} from '../../../lab/protocol.ts';

export async function loadLessonSources(lesson: string): Promise<SourceFile[]> {
  const {default: loaders} = await import('@generated/lesson-sources/default/index.js');
  const load = loaders[lesson];
  if (!load) throw new Error(`no sources for the lesson '${lesson}'`);
  return (await load()).default;
}
