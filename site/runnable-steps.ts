/*
 * remark plugin: a lesson's runnable steps are checked as a whole when the
 * page is compiled (site/steps.ts has the rules, site/AUTHORING.md the
 * format). Each fence is also parsed by site/shiki.ts, which gives it its
 * anchor and Run text; this pass adds what one fence cannot see: names used
 * twice, a solution before its check, steps on a page with no terminal to
 * run them in.
 */
import type {Code, Root} from 'mdast';
import {checkSteps, parseStep, type Step} from './steps.ts';

interface Source {
  path?: string;
}

type Node = Root | Root['children'][number];

function* walk(node: Node): Generator<Node> {
  yield node;
  if ('children' in node) {
    for (const child of node.children) yield* walk(child as Node);
  }
}

function isLabTerminal(node: Node): boolean {
  return node.type === 'mdxJsxFlowElement' && node.name === 'LabTerminal';
}

export default function remarkRunnableSteps() {
  return (tree: Root, file: Source): void => {
    const steps: Step[] = [];
    let terminals = 0;
    for (const node of walk(tree)) {
      if (isLabTerminal(node)) terminals++;
      if (node.type !== 'code') continue;
      const code = node as Code;
      try {
        const step = parseStep(code.lang, code.meta ?? '', code.value);
        if (step) steps.push(step);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`${file.path ?? '<mdx>'}:${code.position?.start.line ?? '?'}: ${message}`, {cause: error});
      }
    }
    try {
      checkSteps(steps);
      if (terminals > 1) throw new Error(`a lesson page has one <LabTerminal>, not ${terminals}`);
      if (steps.length > 0 && terminals === 0) {
        throw new Error('the page has runnable steps but no <LabTerminal> to run them in');
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${file.path ?? '<mdx>'}: ${message}`, {cause: error});
    }
  };
}
