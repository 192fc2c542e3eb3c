/*
 * remark plugin: marks each exercise's reference solution, the <details>
 * that holds a `solution=N` step or an include of
 * kernel/<lab>/solutions/exercise-N.patch, with data-solution="N". The
 * page's Details (src/theme/MDXComponents.tsx) reads it to hide solutions
 * when a workshop or a link asks (src/components/Solutions/), so no page
 * has to mark its solutions by hand, and none can forget one.
 */
import type {Code, Root} from 'mdast';
import type {MdxJsxFlowElement} from 'mdast-util-mdx-jsx';
import {parseStepRole} from './step-format.ts';
import {codeNodes, walk} from './tree-walk.ts';

const PATCH = /(?:^|\s)file=kernel\/[^\s]+\/solutions\/exercise-(\d+)\.patch(?:\s|$)/;

/** The exercise a fence is the solution of, if it is one. */
export function solutionOf(code: Pick<Code, 'meta'>): number | undefined {
  const meta = code.meta ?? '';
  const role = parseStepRole(meta);
  if (role?.kind === 'solution') return role.exercise;
  const patch = PATCH.exec(meta);
  return patch ? Number(patch[1]) : undefined;
}

/** The exercise a <details> holds the solution of: the first solution fence inside it. */
function exerciseOf(details: MdxJsxFlowElement): number | undefined {
  for (const code of codeNodes(details)) {
    const exercise = solutionOf(code);
    if (exercise !== undefined) return exercise;
  }
  return undefined;
}

export default function remarkSolutionBlocks() {
  return (tree: Root): void => {
    for (const node of walk(tree)) {
      if (node.type !== 'mdxJsxFlowElement' || node.name !== 'details') continue;
      const exercise = exerciseOf(node);
      if (exercise === undefined) continue;
      node.attributes = node.attributes.filter((a) => !(a.type === 'mdxJsxAttribute' && a.name === 'data-solution'));
      node.attributes.push({type: 'mdxJsxAttribute', name: 'data-solution', value: String(exercise)});
    }
  };
}
