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

/** 0 for a page's terminal, 1 for a second terminal into its VM, undefined for anything else. */
function labTerminalConsole(node: Node): number | undefined {
  if (node.type !== 'mdxJsxFlowElement' || node.name !== 'LabTerminal') return undefined;
  const attr = node.attributes.find((a) => a.type === 'mdxJsxAttribute' && a.name === 'console');
  if (!attr || attr.value == null) return 0;
  const value = typeof attr.value === 'string' ? attr.value : attr.value.value;
  return Number(value);
}

export default function remarkRunnableSteps() {
  return (tree: Root, file: Source): void => {
    const steps: Step[] = [];
    const terminals = [0, 0];
    for (const node of walk(tree)) {
      const console = labTerminalConsole(node);
      if (console !== undefined) terminals[console] = (terminals[console] ?? 0) + 1;
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
      const [first = 0, second = 0] = terminals;
      if (first > 1 || second > 1 || terminals.length > 2) {
        throw new Error('a lesson page has one <LabTerminal>, and at most one second terminal (console={1})');
      }
      if (steps.length > 0 && first === 0) {
        throw new Error('the page has runnable steps but no <LabTerminal> to run them in');
      }
      if (steps.some((s) => s.console === 1) && second === 0) {
        throw new Error('a console=1 step needs a second terminal on the page: <LabTerminal lesson="…" console={1} />');
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${file.path ?? '<mdx>'}: ${message}`, {cause: error});
    }
  };
}
