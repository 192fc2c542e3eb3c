/*
 * A page's MDX source as the tree (mdast) Docusaurus builds it into, for code
 * that reads a page outside the site build (the literate and e2e tests, via
 * extractSteps in site/steps.ts).
 *
 * The tree is the one the site's remark plugins are handed, so the tests see
 * exactly the code blocks and elements the page shows: a fence quoted inside
 * a longer fence is text, a <LabTerminal> in a code block is code. Docusaurus'
 * MDX loader does not expose its parser (only an async compile), so this
 * rebuilds its parsing half from Docusaurus' own pieces
 * (@docusaurus/mdx-loader/lib/processor.js, createProcessorSync):
 *
 * - its preprocessor, which turns heading ids ({#concept}), which MDX would
 *   read as an expression, into text, and admonition titles into labels;
 * - the MDX processor it compiles with (@mdx-js/mdx, which adds remark-mdx),
 *   with the syntax extensions it adds: front matter, directives
 *   (:::warning), GFM tables, and MDX 1 style <!-- comments -->.
 *
 * Docusaurus' remark plugins only transform the tree after that, and the
 * site's own (site/mdx-plugins.ts) run before them: the tree they are handed
 * is this one.
 *
 * Docusaurus' default markdown settings are assumed: the site keeps them
 * (docusaurus.config.ts); test/site/page-steps.test.ts checks that it still
 * does and that this tree gives every page the steps the build sees.
 */
import {DEFAULT_MARKDOWN_CONFIG} from '@docusaurus/core/lib/server/configValidation.js';
import preprocessor from '@docusaurus/mdx-loader/lib/preprocessor.js';
import {createProcessor} from '@mdx-js/mdx';
import remarkComment from '@slorber/remark-comment';
import type {Root} from 'mdast';
import remarkDirective from 'remark-directive';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';

// A CommonJS module with an `exports.default`: under ESM interop that is .default.default.
const preprocessContent = (preprocessor as unknown as {default: typeof preprocessor.default}).default;

/** The markdown settings pages are parsed with. */
export const MARKDOWN_CONFIG = DEFAULT_MARKDOWN_CONFIG;

const parser = createProcessor({
  format: 'mdx',
  remarkPlugins: [
    remarkFrontmatter,
    remarkDirective,
    remarkGfm,
    ...(MARKDOWN_CONFIG.mdx1Compat.comments ? [remarkComment] : []),
  ],
});

/**
 * The mdast of a page's source, front matter included (as a `yaml` node, so
 * that positions are the file's own line numbers). Throws on invalid MDX,
 * naming `filePath`, the line and the column.
 */
export function parseMdx(source: string, filePath = '<mdx>'): Root {
  const content = preprocessContent({
    fileContent: source,
    filePath,
    markdownConfig: MARKDOWN_CONFIG,
    // The docs plugin's default, which the site keeps.
    admonitions: true,
  });
  try {
    return parser.parse(content);
  } catch (error) {
    // A VFileMessage, whose String() starts with line:column.
    throw new Error(`${filePath}:${String(error)}`, {cause: error});
  }
}
