/*
 * Runnable steps for code outside the site build: the literate tests
 * (test/lessons/literate.test.ts) and the browser tests read a page's steps
 * from its source (extractSteps), and compare what the lab prints with what
 * the page shows (outputMatches, with the rest of the step format from
 * site/step-format.ts).
 *
 * The steps are read from the tree Docusaurus parses the page into
 * (site/mdx-tree.ts) by the function the build uses on its own tree
 * (site/page-steps.ts), so the tests run exactly the steps the page shows.
 * This module stays out of the build's imports: Docusaurus loads its config
 * and plugins with jiti, which cannot load the MDX parser site/mdx-tree.ts
 * uses (the build has its own).
 */
import {pageSteps, type PageSteps} from './page-steps.ts';
import {parseMdx} from './mdx-tree.ts';

export * from './step-format.ts';
export type {PageSteps} from './page-steps.ts';

/** The lab, steps and terminals of an MDX page's source; throws, naming `filePath`, on a bad page. */
export function extractSteps(mdx: string, filePath = '<mdx>'): PageSteps {
  return pageSteps(parseMdx(mdx, filePath), filePath);
}
