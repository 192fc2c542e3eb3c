/*
 * A lesson's goals, from its front matter: what the reader will be able to
 * do (`objectives`), what to know first (`prerequisites`: earlier lessons by
 * doc id, and knowledge from outside the site) and how long the page takes
 * (`time`). The box at the top of the page shows them
 * (src/components/LessonGoals, through src/theme/DocItem/Content), and the
 * instructors' session plans add up the times.
 *
 *   time: 60 min
 *   objectives:
 *     - build a command number with _IOR and _IOW and decode one by hand
 *   prerequisites:
 *     lessons: [hello]
 *     knowledge:
 *       - C pointers and structures
 *
 * The remark plugin below checks them when a page is compiled (the site
 * build and site/check-mdx.ts): a page with a <LabTerminal> is a lesson and
 * must have all three, and a page with any of them must have them right, so
 * that no lesson can lose its box or link a lesson that does not exist.
 */
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {parseFileContentFrontMatter} from '@docusaurus/utils/lib/markdownUtils.js';
import type {Root} from 'mdast';
import type {} from 'mdast-util-mdx-jsx';
import {REPO_ROOT} from '../lab/paths.ts';
import {walk} from './tree-walk.ts';

export interface LessonGoals {
  /** What the reader can do after the page: 3 to 5, each a measurable "you can …". */
  readonly objectives: readonly string[];
  readonly prerequisites: {
    /** Doc ids of the lessons to have done first. */
    readonly lessons: readonly string[];
    /** What to know from outside the site, in the page's language. */
    readonly knowledge: readonly string[];
  };
  /** Time to work through the page, steps and exercises included: "<minutes> min". */
  readonly time: string;
}

/** The front matter fields of the box. */
export const GOAL_FIELDS = ['objectives', 'prerequisites', 'time'] as const;
export const MIN_OBJECTIVES = 3;
export const MAX_OBJECTIVES = 5;
const TIME = /^([1-9]\d{0,2}) min$/;

/** The minutes of a `time` ("45 min" → 45); throws on any other form. */
export function timeMinutes(time: string): number {
  const m = TIME.exec(time);
  if (!m) throw new Error(`time is "<minutes> min", e.g. "45 min", not ${JSON.stringify(time)}`);
  return Number(m[1]);
}

/** The doc ids of the site's pages: each page's `id`, or its file name without .mdx/.md. */
export function docIds(dir: string = path.join(REPO_ROOT, 'docs')): Set<string> {
  const ids = new Set<string>();
  for (const file of readdirSync(dir)) {
    if (!/\.mdx?$/.test(file)) continue;
    const {frontMatter} = parseFileContentFrontMatter(readFileSync(path.join(dir, file), 'utf8'));
    ids.add(typeof frontMatter.id === 'string' ? frontMatter.id : file.replace(/\.mdx?$/, ''));
  }
  return ids;
}

function strings(value: unknown, what: string, {min = 0, max = Infinity} = {}): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.trim() !== '')) {
    throw new Error(`${what} is a list of non-empty strings`);
  }
  if (value.length < min || value.length > max) {
    throw new Error(`${what} has ${min === max ? min : `${min} to ${max === Infinity ? 'any number of' : max}`} entries, not ${value.length}`);
  }
  return value as string[];
}

/**
 * The goals in a page's front matter, checked: all three fields, of the
 * right types, objectives 3 to 5, prerequisite lessons that are doc ids in
 * `ids` (not the page's own). Throws, saying what is wrong, otherwise.
 */
export function lessonGoals(frontMatter: Record<string, unknown>, ids: ReadonlySet<string>): LessonGoals {
  const missing = GOAL_FIELDS.filter((f) => frontMatter[f] === undefined);
  if (missing.length > 0) {
    throw new Error(`a lesson's front matter has objectives, prerequisites and time (site/AUTHORING.md); missing: ${missing.join(', ')}`);
  }
  if (typeof frontMatter.time !== 'string') throw new Error('time is a string, e.g. "45 min"');
  timeMinutes(frontMatter.time);
  const objectives = strings(frontMatter.objectives, 'objectives', {min: MIN_OBJECTIVES, max: MAX_OBJECTIVES});
  const prerequisites = frontMatter.prerequisites;
  if (typeof prerequisites !== 'object' || prerequisites === null || Array.isArray(prerequisites)) {
    throw new Error('prerequisites has two lists: lessons (doc ids) and knowledge');
  }
  const extra = Object.keys(prerequisites).filter((k) => k !== 'lessons' && k !== 'knowledge');
  if (extra.length > 0) throw new Error(`prerequisites has lessons and knowledge only, not ${extra.join(', ')}`);
  const {lessons = [], knowledge = []} = prerequisites as Record<string, unknown>;
  const lessonIds = strings(lessons, 'prerequisites.lessons');
  const unknown = lessonIds.filter((id) => !ids.has(id));
  if (unknown.length > 0) throw new Error(`prerequisites.lessons names no page with the id ${unknown.join(', ')}`);
  if (typeof frontMatter.id === 'string' && lessonIds.includes(frontMatter.id)) {
    throw new Error('a lesson is not its own prerequisite');
  }
  if (new Set(lessonIds).size !== lessonIds.length) throw new Error('prerequisites.lessons names a lesson twice');
  const known = strings(knowledge, 'prerequisites.knowledge');
  return {objectives, prerequisites: {lessons: lessonIds, knowledge: known}, time: frontMatter.time};
}

/** Whether a page is a lesson: it has a <LabTerminal> to run its steps in. */
export function hasTerminal(tree: Root): boolean {
  for (const node of walk(tree)) {
    if ((node.type === 'mdxJsxFlowElement' || node.type === 'mdxJsxTextElement') && node.name === 'LabTerminal') return true;
  }
  return false;
}

interface Source {
  path?: string;
  data: {frontMatter?: Record<string, unknown>};
}

/** remark plugin: a lesson page's goals are all there and right (lessonGoals). */
export default function remarkLessonFrontMatter() {
  return (tree: Root, file: Source): void => {
    const frontMatter = file.data.frontMatter ?? {};
    const lesson = hasTerminal(tree);
    if (!lesson && GOAL_FIELDS.every((f) => frontMatter[f] === undefined)) return;
    try {
      // Read at each page: a page added while `docusaurus start` runs is seen.
      lessonGoals(frontMatter, docIds());
    } catch (error) {
      throw new Error(`${file.path ?? '<mdx>'}: ${(error as Error).message}`, {cause: error});
    }
  };
}
