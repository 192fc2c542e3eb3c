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
 *   errata=12:no-node,30-31:set-lost
 *                      lines an erratum concerns (numbered like {…}), each
 *                      marked and linked to the element with that id on the
 *                      page, which explains it; the marks are numbered ①,
 *                      ②… in the order of the ids' first lines
 *   step=, check=, solution=, status=, timeout=, console=
 *                      a runnable step (site/step-format.ts, site/AUTHORING.md)
 *
 * A step's output line that only one lab prints (`[tab] …`, `[server] …`)
 * is shown without its marker and gets data-lab="tab"|"server", as does
 * the line break before it; src/css/custom.css hides the lines of the lab
 * not in use (data-lab-backend on <html>, src/components/LabTerminal/backend.ts).
 */
import type {RehypeShikiOptions} from '@shikijs/rehype';
import type {Element, ElementContent} from 'hast';
import {bundledLanguagesInfo, type ShikiTransformer} from 'shiki';
import {outputLineLab, parseStep, stepAnchor, typedText, type Step} from './step-format.ts';

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
  /** Line → the ids of the errata it is marked with, in the order they were given. */
  errata: ReadonlyMap<number, readonly string[]>;
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

const ERRATUM_ID = /^[a-z][a-z0-9-]*$/;

/** Parse "12:a,30-31:b" into line → ids; throws on a bad entry. */
export function parseErrata(spec: string): Map<number, string[]> {
  const errata = new Map<number, string[]>();
  for (const entry of spec.split(',')) {
    const m = /^(\d+(?:-\d+)?):(.+)$/.exec(entry.trim());
    if (!m?.[1] || !m[2] || !ERRATUM_ID.test(m[2])) throw new Error(`bad erratum "${entry}" in errata=${spec} (LINE[-LINE]:id)`);
    for (const n of parseLineRanges(m[1])) errata.set(n, [...(errata.get(n) ?? []), m[2]]);
  }
  return errata;
}

/** The ids of a block's errata, in the order the reader meets them: what numbers the marks. */
export function erratumOrder(errata: ReadonlyMap<number, readonly string[]>): string[] {
  const ids: string[] = [];
  for (const n of [...errata.keys()].sort((a, b) => a - b)) for (const id of errata.get(n) ?? []) if (!ids.includes(id)) ids.push(id);
  return ids;
}

const CIRCLED = '①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳';

export function parseFenceMeta(raw: string): FenceMeta {
  const title = /\btitle=(?:"([^"]*)"|'([^']*)'|(\S+))/.exec(raw);
  const highlight = /\{([\d,\s-]+)\}/.exec(raw);
  const numbers = /\bshowLineNumbers(?:=(\d+))?/.exec(raw);
  const first = /\bfirstLine=(\d+)/.exec(raw);
  const firstLine = Number(numbers?.[1] ?? first?.[1] ?? 1);
  const errata = /(?:^|\s)errata=(\S+)/.exec(raw);
  const meta: FenceMeta = {
    highlight: highlight?.[1] ? parseLineRanges(highlight[1]) : new Set(),
    errata: errata?.[1] ? parseErrata(errata[1]) : new Map(),
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

// The step a block is, if any, once per block (the hooks below see one options object per block).
const steps = new WeakMap<object, Step | null>();
function stepOf(options: {lang?: string; meta?: {__raw?: string}}, source: string): Step | undefined {
  let step = steps.get(options);
  if (step === undefined) {
    step = parseStep(options.lang, options.meta?.__raw ?? '', source) ?? null;
    steps.set(options, step);
  }
  return step ?? undefined;
}

function textOf(node: ElementContent): string {
  if (node.type === 'text') return node.value;
  if (node.type === 'element') return node.children.map(textOf).join('');
  return '';
}

/** Removes the first `n` characters of text under `node`, dropping what is left empty. */
function dropPrefix(node: Element, n: number): number {
  const kept: ElementContent[] = [];
  for (const child of node.children) {
    if (n > 0 && child.type === 'text') {
      const cut = Math.min(n, child.value.length);
      child.value = child.value.slice(cut);
      n -= cut;
      if (child.value === '') continue;
    } else if (n > 0 && child.type === 'element') {
      n = dropPrefix(child, n);
      if (textOf(child) === '') continue;
    }
    kept.push(child);
  }
  node.children = kept;
  return n;
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
    const step = stepOf(this.options, this.source);
    if (step) {
      node.properties['dataStep'] = stepAnchor(step.role);
      node.properties['dataRun'] = typedText(step);
      if (step.console === 1) node.properties['dataConsole'] = '1';
    }
  },
  code(node) {
    this.addClassToHast(node, 'shiki-code');
    // A line only one lab prints takes the line break before it along:
    // hidden, it leaves no empty line behind.
    node.children = node.children.map((child, i) => {
      const next = node.children[i + 1];
      if (child.type !== 'text' || child.value !== '\n' || next?.type !== 'element') return child;
      const lab = next.properties['dataLab'];
      if (lab === undefined) return child;
      return {type: 'element', tagName: 'span', properties: {dataLab: lab}, children: [child]};
    });
  },
  line(node, line) {
    const {highlight, firstLine, errata} = metaOf(this.options);
    if (highlight.has(line + firstLine - 1)) {
      this.addClassToHast(node, 'highlighted');
    }
    const ids = errata.get(line + firstLine - 1);
    if (ids) {
      // A mark at the line's end that links to the erratum's explanation.
      this.addClassToHast(node, 'erratum');
      const order = erratumOrder(errata);
      for (const id of ids) {
        const mark = CIRCLED[order.indexOf(id)] ?? `(${order.indexOf(id) + 1})`;
        node.children.push({
          type: 'element',
          tagName: 'a',
          properties: {href: `#${id}`, className: ['erratum-mark'], dataErratum: id},
          children: [{type: 'text', value: mark}],
        });
      }
    }
    // In a step, an output line only one lab prints: marked, and shown without its marker.
    if (!stepOf(this.options, this.source)) return;
    const text = textOf(node);
    if (text.startsWith('$ ')) return;
    const {lab, text: shown} = outputLineLab(text);
    if (!lab) return;
    dropPrefix(node, text.length - shown.length);
    node.properties['dataLab'] = lab;
  },
  root() {
    // A highlight past the end is a typo or a file that moved under the lesson.
    const {highlight, firstLine, errata} = metaOf(this.options);
    const last = firstLine + this.lines.length - 1;
    for (const n of [...highlight, ...errata.keys()]) {
      if (n < firstLine || n > last) {
        throw new Error(
          `highlighted or erratum line ${n} is outside the lines shown (${firstLine}-${last}); meta: ${this.options.meta?.__raw ?? ''}`,
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
