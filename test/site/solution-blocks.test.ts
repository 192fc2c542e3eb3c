// Every exercise's reference solution is marked, on every page in both
// languages (site/solution-blocks.ts), so that a workshop's "hide the
// solutions" hides all of them: a solution left unmarked would show.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Root } from 'mdast';
import { REPO_ROOT } from '../../lab/paths.ts';
import { parseMdx } from '../../site/mdx-tree.ts';
import remarkSolutionBlocks from '../../site/solution-blocks.ts';
import { parseStepRole } from '../../site/step-format.ts';
import { codeNodes, walk } from '../../site/tree-walk.ts';

const DIRS = [join(REPO_ROOT, 'docs'), join(REPO_ROOT, 'i18n/zh-Hans/docusaurus-plugin-content-docs/current')];

function marked(tree: Root): string[] {
  const found: string[] = [];
  for (const node of walk(tree)) {
    if (node.type !== 'mdxJsxFlowElement') continue;
    for (const a of node.attributes) if (a.type === 'mdxJsxAttribute' && a.name === 'data-solution') found.push(String(a.value));
  }
  return found;
}

function checks(tree: Root): string[] {
  return [...codeNodes(tree)].flatMap((c) => {
    const role = parseStepRole(c.meta ?? '');
    return role?.kind === 'check' ? [String(role.exercise)] : [];
  });
}

describe('solutions marked for hiding', () => {
  for (const dir of DIRS) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.mdx'))) {
      test(`${dir.slice(REPO_ROOT.length + 1)}/${file}: one marked solution per exercise`, () => {
        const tree = parseMdx(readFileSync(join(dir, file), 'utf8'), file);
        remarkSolutionBlocks()(tree);
        assert.deepEqual(marked(tree), checks(tree));
      });
    }
  }

  test('a solution step and an included solution patch mark their <details>; other details stay as they are', () => {
    const tree = parseMdx(
      [
        '<details>\n<summary>Solution</summary>\n\n```console solution=2\n$ true\n```\n\n</details>',
        '<details>\n<summary>Solution</summary>\n\n```diff file=kernel/ioctl/solutions/exercise-3.patch\n```\n\n</details>',
        '<details>\n<summary>Why</summary>\n\n```c file=kernel/ioctl/ioctl_example.c\n```\n\n</details>',
      ].join('\n\n'),
    );
    remarkSolutionBlocks()(tree);
    assert.deepEqual(marked(tree), ['2', '3']);
  });
});
