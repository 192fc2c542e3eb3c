/*
 * Compiles lesson pages the way the site build does, without building the
 * site: Docusaurus' own MDX processor with this site's markdown settings and
 * the docs plugin's remark/rehype plugins (code includes, runnable steps,
 * shiki). A page with an MDX syntax error, a missing include or a bad step
 * fails here in seconds instead of minutes into `npm run build`.
 *
 *   npx tsx site/check-mdx.ts docs/ioctl.mdx i18n/zh-Hans/.../ioctl.mdx
 *
 * No arguments: every page of both locales.
 */
import {readFileSync, readdirSync} from 'node:fs';
import path from 'node:path';
import {loadSiteConfig} from '@docusaurus/core/lib/server/config.js';
import preprocessor from '@docusaurus/mdx-loader/lib/preprocessor.js';

// A CommonJS module with an `exports.default`: under ESM interop that is .default.default.
const preprocessContent = (preprocessor as unknown as {default: typeof preprocessor.default}).default;
import {createProcessorUncached} from '@docusaurus/mdx-loader/lib/processor.js';
import {DEFAULT_PARSE_FRONT_MATTER} from '@docusaurus/utils';
import rehypeShiki from '@shikijs/rehype';
import {REPO_ROOT} from '../lab/paths.ts';
import remarkIncludeCode from './include-code.ts';
import remarkRunnableSteps from './runnable-steps.ts';
import {shikiOptions} from './shiki.ts';

const DOC_DIRS = ['docs', 'i18n/zh-Hans/docusaurus-plugin-content-docs/current'];

function allPages(): string[] {
  return DOC_DIRS.flatMap((dir) =>
    readdirSync(path.join(REPO_ROOT, dir))
      .filter((f) => f.endsWith('.mdx'))
      .map((f) => path.join(dir, f)),
  );
}

const {siteConfig} = await loadSiteConfig({siteDir: REPO_ROOT});
const processor = await createProcessorUncached({
  format: 'mdx',
  options: {
    markdownConfig: siteConfig.markdown,
    staticDirs: [],
    siteDir: REPO_ROOT,
    admonitions: true,
    beforeDefaultRemarkPlugins: [[remarkIncludeCode, {root: REPO_ROOT}], remarkRunnableSteps],
    rehypePlugins: [[rehypeShiki, shikiOptions]],
  },
});

const files = process.argv.slice(2);
let failed = 0;
for (const file of files.length > 0 ? files : allPages()) {
  const filePath = path.resolve(REPO_ROOT, file);
  const source = readFileSync(filePath, 'utf8');
  try {
    const {frontMatter, content} = await siteConfig.markdown.parseFrontMatter({
      filePath,
      fileContent: source,
      defaultParseFrontMatter: DEFAULT_PARSE_FRONT_MATTER,
    });
    // The loader's own first pass: heading ids ({#id}) and admonition titles.
    const prepared = preprocessContent({
      fileContent: content,
      filePath,
      markdownConfig: siteConfig.markdown,
      admonitions: true,
    });
    await processor.process({content: prepared, filePath, frontMatter, compilerName: 'server'});
    console.log(`ok    ${file}`);
  } catch (error) {
    failed++;
    console.log(`FAIL  ${file}\n      ${error instanceof Error ? error.message : String(error)}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
