/*
 * remark plugin: a lesson's runnable steps are checked as a whole when the
 * page is compiled, on the tree the site build compiles (site/page-steps.ts
 * has the rules, site/AUTHORING.md the format). Each fence is also
 * parsed by site/shiki.ts, which gives it its anchor and Run text; this pass
 * adds what one fence cannot see: names used twice, a solution before its
 * check, steps on a page with no terminal to run them in.
 */
import type {Root} from 'mdast';
import {pageSteps} from './page-steps.ts';

interface Source {
  path?: string;
}

export default function remarkRunnableSteps() {
  return (tree: Root, file: Source): void => {
    pageSteps(tree, file.path);
  };
}
