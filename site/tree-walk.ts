/** Every node of an MDX tree, depth first, for the site's remark plugins. */
import type {Code, Root} from 'mdast';

export type Node = Root | Root['children'][number];

export function* walk(node: Node): Generator<Node> {
  yield node;
  if ('children' in node) {
    for (const child of node.children) yield* walk(child as Node);
  }
}

export function* codeNodes(node: Node): Generator<Code> {
  for (const n of walk(node)) if (n.type === 'code') yield n;
}
