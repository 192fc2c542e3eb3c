/*
 * Compiles lesson pages the way the site build does, without building the
 * site: Docusaurus' own MDX processor with this site's markdown settings and
 * the docs plugin's MDX plugins (site/mdx-plugins.ts). For site/check-mdx.ts,
 * and for tests that must see what the build sees.
 */
import {readFileSync, readdirSync} from 'node:fs';
import path from 'node:path';
import {loadSiteConfig} from '@docusaurus/core/lib/server/config.js';
import preprocessor from '@docusaurus/mdx-loader/lib/preprocessor.js';
import {createProcessorUncached} from '@docusaurus/mdx-loader/lib/processor.js';
import type {MarkdownConfig} from '@docusaurus/types';
import {DEFAULT_PARSE_FRONT_MATTER} from '@docusaurus/utils';
import {REPO_ROOT} from '../lab/paths.ts';
import {mdxPlugins, type MdxPlugins} from './mdx-plugins.ts';

// A CommonJS module with an `exports.default`: under ESM interop that is .default.default.
const preprocessContent = (preprocessor as unknown as {default: typeof preprocessor.default}).default;

/** Where the lesson pages of each locale live, relative to the repository root. */
export const DOC_DIRS = ['docs', 'i18n/zh-Hans/docusaurus-plugin-content-docs/current'] as const;

/** Every page of both locales, relative to the repository root. */
export function allPages(): string[] {
  return DOC_DIRS.flatMap((dir) =>
    readdirSync(path.join(REPO_ROOT, dir))
      .filter((f) => f.endsWith('.mdx'))
      .sort()
      .map((f) => path.join(dir, f)),
  );
}

export interface MdxCompiler {
  /** The site's markdown settings, as Docusaurus validated them. */
  readonly markdown: MarkdownConfig;
  /** Compiles one page (a path relative to the repository root); throws what the build would. */
  compile(file: string): Promise<void>;
}

/** A compiler with the site's settings; `plugins` replaces the site's own MDX plugins. */
export async function mdxCompiler(plugins: MdxPlugins = mdxPlugins): Promise<MdxCompiler> {
  const {siteConfig} = await loadSiteConfig({siteDir: REPO_ROOT});
  const markdown = siteConfig.markdown;
  const processor = await createProcessorUncached({
    format: 'mdx',
    options: {
      markdownConfig: markdown,
      staticDirs: [],
      siteDir: REPO_ROOT,
      admonitions: true,
      ...plugins,
    },
  });
  return {
    markdown,
    async compile(file) {
      const filePath = path.resolve(REPO_ROOT, file);
      const {frontMatter, content} = await markdown.parseFrontMatter({
        filePath,
        fileContent: readFileSync(filePath, 'utf8'),
        defaultParseFrontMatter: DEFAULT_PARSE_FRONT_MATTER,
      });
      // The loader's own first pass: heading ids ({#id}) and admonition titles.
      const prepared = preprocessContent({fileContent: content, filePath, markdownConfig: markdown, admonitions: true});
      await processor.process({content: prepared, filePath, frontMatter, compilerName: 'server'});
    },
  };
}
