/*
 * The site's own MDX plugins, in the order they run: the one list for the
 * site build (docusaurus.config.ts, the docs plugin) and for
 * site/check-mdx.ts, so that a page that compiles there compiles in the build.
 *
 * - site/include-code.ts fills `file=` fences from the repository;
 * - site/runnable-steps.ts checks the page's runnable steps as a whole;
 * - site/solution-blocks.ts marks each exercise's solution <details>;
 * - site/lesson-front-matter.ts checks a lesson's objectives, prerequisites and time;
 * - shiki (site/shiki.ts) highlights every fence and marks the steps.
 *
 * The remark plugins run before Docusaurus' own, so that everything after
 * them (the table of contents, search) sees the included code.
 */
import type {MDXPlugin} from '@docusaurus/mdx-loader';
import rehypeShiki from '@shikijs/rehype';
import {REPO_ROOT} from '../lab/paths.ts';
import remarkIncludeCode from './include-code.ts';
import remarkLessonFrontMatter from './lesson-front-matter.ts';
import remarkRunnableSteps from './runnable-steps.ts';
import remarkSolutionBlocks from './solution-blocks.ts';
import {shikiOptions} from './shiki.ts';

export interface MdxPlugins {
  readonly beforeDefaultRemarkPlugins: MDXPlugin[];
  readonly rehypePlugins: MDXPlugin[];
}

export const mdxPlugins: MdxPlugins = {
  beforeDefaultRemarkPlugins: [[remarkIncludeCode, {root: REPO_ROOT}], remarkRunnableSteps, remarkSolutionBlocks, remarkLessonFrontMatter],
  rehypePlugins: [[rehypeShiki, shikiOptions]],
};
