/*
 * Build-time syntax highlighting for the lessons, with shiki.
 *
 * Why shiki and not Docusaurus' Prism: shiki uses the same TextMate grammars
 * as VS Code, so C with kernel macros, Makefiles and shell sessions come out
 * right, and it runs once at build time: the pages ship coloured HTML and no
 * highlighter. Both themes are emitted as CSS variables (--shiki-light,
 * --shiki-dark); src/css/custom.css picks one from Docusaurus' data-theme.
 *
 * Fence meta understood here (all optional), e.g.
 *   ```c title="hello.c" {3,7-9} showLineNumbers
 *   title="…"          shown above the block
 *   {3,7-9}            lines to highlight, in the numbers the reader sees
 *   showLineNumbers    number the lines; showLineNumbers=10 starts at 10
 *   firstLine=N        the number of the first line shown (set by
 *                      include-code.ts for a `lines=` excerpt, so that
 *                      {…} and the numbers are the file's own)
 *   step=, check=, solution=, status=, timeout=, console=
 *                      a runnable step (site/step-format.ts, site/AUTHORING.md)
 */
import type {RehypeShikiOptions} from '@shikijs/rehype';
import {bundledLanguagesInfo, type ShikiTransformer} from 'shiki';
import {parseStep, stepAnchor, typedText} from './step-format.ts';

/** The languages a lesson may use; anything else fails the build. */
export const LANGUAGES = [
  'c',
  'make',
  'shellscript',
  'shellsession',
  'diff',
  'json',
  'typescript',
] as const;

/** Fence names accepted for LANGUAGES (ids and their aliases, e.g. console, sh, makefile). */
export const LANGUAGE_NAMES: ReadonlySet<string> = new Set([
  'text',
  'txt',
  'plain',
  ...bundledLanguagesInfo
    .filter((info) => (LANGUAGES as readonly string[]).includes(info.id))
    .flatMap((info) => [info.id, ...(info.aliases ?? [])]),
]);

export interface FenceMeta {
  title?: string;
  highlight: ReadonlySet<number>;
  showLineNumbers: boolean;
  firstLine: number;
}

/** Parse "1,3-5" into {1,3,4,5}. */
export function parseLineRanges(spec: string): Set<number> {
  const lines = new Set<number>();
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!m?.[1]) throw new Error(`bad line range "${part}" in "${spec}"`);
    const from = Number(m[1]);
    const to = m[2] ? Number(m[2]) : from;
    if (to < from) throw new Error(`bad line range "${part}" in "${spec}"`);
    for (let n = from; n <= to; n++) lines.add(n);
  }
  return lines;
}

export function parseFenceMeta(raw: string): FenceMeta {
  const title = /\btitle=(?:"([^"]*)"|'([^']*)'|(\S+))/.exec(raw);
  const highlight = /\{([\d,\s-]+)\}/.exec(raw);
  const numbers = /\bshowLineNumbers(?:=(\d+))?/.exec(raw);
  const first = /\bfirstLine=(\d+)/.exec(raw);
  const firstLine = Number(numbers?.[1] ?? first?.[1] ?? 1);
  const meta: FenceMeta = {
    highlight: highlight?.[1] ? parseLineRanges(highlight[1]) : new Set(),
    showLineNumbers: numbers !== null,
    firstLine,
  };
  const t = title?.[1] ?? title?.[2] ?? title?.[3];
  if (t !== undefined) meta.title = t;
  return meta;
}

// Parsed once per block: the hooks below run once per line.
const parsed = new WeakMap<object, FenceMeta>();
function metaOf(options: {meta?: {__raw?: string}}): FenceMeta {
  let meta = parsed.get(options);
  if (!meta) {
    meta = parseFenceMeta(options.meta?.__raw ?? '');
    parsed.set(options, meta);
  }
  return meta;
}

/*
 * Marks the hast that shiki emits so that src/theme/MDXComponents.tsx can
 * tell our blocks from anything else and give them a title and a copy
 * button (Docusaurus' own CodeBlock expects a string to run Prism on, so it
 * cannot take shiki's output).
 */
const frame: ShikiTransformer = {
  name: 'uklab:frame',
  pre(node) {
    const meta = metaOf(this.options);
    if (meta.title !== undefined) node.properties['dataTitle'] = meta.title;
    if (meta.showLineNumbers) {
      this.addClassToHast(node, 'line-numbers');
      // The CSS counter starts one below the first number it shows.
      node.properties['style'] =
        `${String(node.properties['style'] ?? '')};counter-reset:line ${meta.firstLine - 1}`;
    }
    node.properties['dataLanguage'] = this.options.lang;
    // A runnable step (site/step-format.ts): its anchor, what Run types, and the
    // console it types into when that is not the page's terminal (console 0).
    const step = parseStep(this.options.lang, this.options.meta?.__raw ?? '', this.source);
    if (step) {
      node.properties['dataStep'] = stepAnchor(step.role);
      node.properties['dataRun'] = typedText(step);
      if (step.console === 1) node.properties['dataConsole'] = '1';
    }
  },
  code(node) {
    this.addClassToHast(node, 'shiki-code');
  },
  line(node, line) {
    const {highlight, firstLine} = metaOf(this.options);
    if (highlight.has(line + firstLine - 1)) {
      this.addClassToHast(node, 'highlighted');
    }
  },
  root() {
    // A highlight past the end is a typo or a file that moved under the lesson.
    const {highlight, firstLine} = metaOf(this.options);
    const last = firstLine + this.lines.length - 1;
    for (const n of highlight) {
      if (n < firstLine || n > last) {
        throw new Error(
          `highlighted line ${n} is outside the lines shown (${firstLine}-${last}); meta: ${this.options.meta?.__raw ?? ''}`,
        );
      }
    }
  },
};

export const shikiOptions: RehypeShikiOptions = {
  themes: {light: 'github-light', dark: 'github-dark'},
  // No inline colours: both palettes go out as CSS variables.
  defaultColor: false,
  langs: [...LANGUAGES],
  defaultLanguage: 'text',
  transformers: [frame],
};
