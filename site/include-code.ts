/*
 * remark plugin: code from the repository, read at build time.
 *
 * The lessons never paste code. A fence names a file instead, relative to
 * the repository root, and this plugin fills the fence in while the MDX is
 * compiled, so a lesson always shows the code the lab builds and runs:
 *
 *   ```c file=kernel/ioctl/ioctl_example.c
 *   ```
 *   ```c file=kernel/ioctl/ioctl_example.c lines=40-58 {44,52} showLineNumbers
 *   ```
 *
 * lines=A-B shows an excerpt; {…}, errata= and showLineNumbers then count
 * in the file's own line numbers. The path becomes the block's title unless the
 * fence has a title="…". The fence must be empty: one copy of the code.
 *
 * The same pass checks every fence's language against site/shiki.ts, since
 * a fence shiki does not know would fall back to Docusaurus' Prism.
 *
 * A missing file, an excerpt outside the file or an unknown language fails
 * the build with the MDX file and line.
 */
import {readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import type {Code, Root} from 'mdast';
import {LANGUAGE_NAMES, parseErrata, parseLineRanges} from './shiki.ts';
import {codeNodes} from './tree-walk.ts';

export interface IncludeCodeOptions {
  /** The repository root; file= paths are relative to it. */
  root: string;
}

interface Source {
  path?: string;
  value?: unknown;
}


function where(file: Source, node: Code): string {
  return `${file.path ?? '<mdx>'}:${node.position?.start.line ?? '?'}`;
}

/** Reads root-relative `file`, refusing anything outside the repository. */
function readRepoFile(root: string, file: string): string {
  const full = path.resolve(root, file);
  const rel = path.relative(root, full);
  if (path.isAbsolute(file) || rel.startsWith('..')) {
    throw new Error(`file=${file} is not a path inside the repository`);
  }
  let isFile = false;
  try {
    isFile = statSync(full).isFile();
  } catch {
    // reported below
  }
  if (!isFile) {
    throw new Error(
      `file=${file} does not exist (looked for ${full}); ` +
        `the lesson includes code that is not in the repository yet`,
    );
  }
  return readFileSync(full, 'utf8');
}

/** Lines A-B of `text` (1-based, inclusive), and A. */
function excerpt(text: string, spec: string | undefined): {code: string; first: number} {
  const lines = text.replace(/\n$/, '').split('\n');
  if (spec === undefined) return {code: lines.join('\n'), first: 1};
  const wanted = [...parseLineRanges(spec)];
  const first = Math.min(...wanted);
  const last = Math.max(...wanted);
  if (wanted.length !== last - first + 1) {
    throw new Error(`lines=${spec} must be one range A-B`);
  }
  if (last > lines.length) {
    throw new Error(`lines=${spec} runs past the end of the file (${lines.length} lines)`);
  }
  return {code: lines.slice(first - 1, last).join('\n'), first};
}

function include(root: string, node: Code): void {
  const meta = node.meta ?? '';
  const file = /(?:^|\s)file=(\S+)/.exec(meta)?.[1];
  if (file === undefined) return;
  if (node.value.trim() !== '') {
    throw new Error(`a fence with file=${file} must be empty: the code comes from the file`);
  }
  const lines = /(?:^|\s)lines=(\S+)/.exec(meta)?.[1];
  const {code, first} = excerpt(readRepoFile(root, file), lines);
  node.value = code;
  const extra = [
    /\btitle=/.test(meta) ? '' : `title="${file}"`,
    first === 1 ? '' : `firstLine=${first}`,
  ];
  // A bare showLineNumbers on an excerpt starts at the excerpt's first line.
  node.meta = [meta.replace(/\bshowLineNumbers(?!=)/, `showLineNumbers=${first}`), ...extra]
    .filter((s) => s !== '')
    .join(' ');
}

function checkLanguage(node: Code): void {
  if (node.lang != null && !LANGUAGE_NAMES.has(node.lang)) {
    throw new Error(
      `code fence language "${node.lang}" is not one the site highlights ` +
        `(${[...LANGUAGE_NAMES].sort().join(', ')}); add it to LANGUAGES in site/shiki.ts`,
    );
  }
}

/**
 * An `errata=` mark links to the element with that id on the same page (a
 * heading's {#id}, or an id="…"): one that is not there is a broken link
 * that Docusaurus' own check does not see inside a code block.
 */
function checkErrata(node: Code, page: string): void {
  const spec = /(?:^|\s)errata=(\S+)/.exec(node.meta ?? '')?.[1];
  if (spec === undefined) return;
  for (const ids of parseErrata(spec).values()) {
    for (const id of ids) {
      // The loader's first pass may have escaped a heading's {#id} to \{#id\}.
      if (!new RegExp(`\\{#${id}\\\\?\\}|\\bid="${id}"`).test(page)) {
        throw new Error(`errata=… links to #${id}, which this page does not have (give the explanation {#${id}} or <Erratum id="${id}" />)`);
      }
    }
  }
}

export default function remarkIncludeCode(options: IncludeCodeOptions) {
  return (tree: Root, file: Source): void => {
    for (const node of codeNodes(tree)) {
      try {
        checkLanguage(node);
        checkErrata(node, String(file.value ?? ''));
        include(options.root, node);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`${where(file, node)}: ${message}`, {cause: error});
      }
    }
  };
}
