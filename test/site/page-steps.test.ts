// The tests read a page's steps from its source (site/steps.ts extractSteps,
// through site/mdx-tree.ts); the site build reads them from the tree it
// compiles (site/runnable-steps.ts). Both must find the same steps on every
// page, or a test could run something other than what the reader is shown.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Root } from 'mdast';
import { REPO_ROOT } from '../../lab/paths.ts';
import { allPages, mdxCompiler } from '../../site/compile-mdx.ts';
import { MARKDOWN_CONFIG } from '../../site/mdx-tree.ts';
import { mdxPlugins } from '../../site/mdx-plugins.ts';
import { pageSteps, type PageSteps } from '../../site/page-steps.ts';
import { extractSteps } from '../../site/steps.ts';

/** What the build's tree holds, per page, once the site's remark plugins have run. */
const built = new Map<string, PageSteps>();
function capture() {
  return (tree: Root, file: { path?: string }): void => {
    if (file.path) built.set(file.path, pageSteps(tree, file.path));
  };
}

// The site's own remark plugins, then the capture; highlighting is not needed.
const compiler = await mdxCompiler({
  beforeDefaultRemarkPlugins: [...mdxPlugins.beforeDefaultRemarkPlugins, capture],
  rehypePlugins: [],
});

describe('steps read from the source are the steps the site build sees', () => {
  test('the site parses pages with the markdown settings site/mdx-tree.ts assumes', () => {
    const { format, preprocessor, mdx1Compat } = compiler.markdown;
    assert.deepEqual(
      { format, preprocessor, mdx1Compat },
      { format: MARKDOWN_CONFIG.format, preprocessor: MARKDOWN_CONFIG.preprocessor, mdx1Compat: MARKDOWN_CONFIG.mdx1Compat },
    );
  });

  for (const page of allPages()) {
    test(page, async () => {
      const file = path.join(REPO_ROOT, page);
      await compiler.compile(page);
      const inBuild = built.get(file);
      assert.ok(inBuild, 'the build compiled the page');
      assert.deepEqual(extractSteps(readFileSync(file, 'utf8'), page), inBuild);
    });
  }
});
