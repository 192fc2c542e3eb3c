// The article's code with its errata marked (site/shiki.ts, errata=): each
// line an erratum concerns is marked and linked to the explanation, the
// marks numbered in reading order, and a mark that links nowhere fails the
// page's build (site/include-code.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { codeToHtml } from 'shiki';
import { mdxCompiler } from '../../site/compile-mdx.ts';
import { parseErrata, shikiOptions } from '../../site/shiki.ts';

const dir = mkdtempSync(join(tmpdir(), 'uklab-errata-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('errata= marks its lines, each mark a link to its explanation, numbered in reading order', async () => {
  const html = await codeToHtml('int a;\nint b;\nint c;\nint d;\n', {
    lang: 'c',
    themes: { light: 'github-light', dark: 'github-dark' },
    defaultColor: false,
    transformers: shikiOptions.transformers,
    meta: { __raw: 'firstLine=10 errata=13:lost-value,11-12:no-node' },
  });
  const marks = [...html.matchAll(/<a href="#([a-z-]+)" class="erratum-mark" data-erratum="[a-z-]+">(.)<\/a>/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(marks, [['no-node', '①'], ['no-node', '①'], ['lost-value', '②']]);
  assert.equal(html.match(/class="line erratum"/g)?.length, 3);
});

test('a bad errata= entry is refused', () => {
  assert.throws(() => parseErrata('12'), /bad erratum/);
  assert.throws(() => parseErrata('12:Bad_Id'), /bad erratum/);
  assert.deepEqual([...parseErrata('3-4:a,4:b')], [[3, ['a']], [4, ['a', 'b']]]);
});

test('a page whose erratum mark links to no explanation does not build; with the explanation it does', async () => {
  const { compile } = await mdxCompiler();
  const page = (explanation: string): string => {
    const file = join(dir, `page-${Math.random().toString(36).slice(2)}.mdx`);
    writeFileSync(file, `# A page\n\n\`\`\`c file=kernel/hello/hello.c errata=1:no-license\n\`\`\`\n\n${explanation}\n`);
    return file;
  };
  await assert.rejects(compile(page('Nothing here.')), /links to #no-license, which this page does not have/);
  await compile(page('### No licence {#no-license}\n\nExplained.'));
  await compile(page('<Erratum id="no-license" />Explained.'));
});
