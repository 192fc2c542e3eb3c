// Every lesson has its goals in front matter (objectives, prerequisites,
// time; site/lesson-front-matter.ts), in both locales, and the build refuses
// a lesson page that loses them or names a lesson that does not exist.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { parseFileContentFrontMatter } from '@docusaurus/utils/lib/markdownUtils.js';
import { REPO_ROOT } from '../../lab/paths.ts';
import sidebars from '../../sidebars.ts';
import { allPages, DOC_DIRS, mdxCompiler } from '../../site/compile-mdx.ts';
import { docIds, hasTerminal, lessonGoals, timeMinutes, type LessonGoals } from '../../site/lesson-front-matter.ts';
import { parseMdx } from '../../site/mdx-tree.ts';
import { extractSteps } from '../../site/steps.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'uklab-goals-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const GOOD = `time: 45 min
objectives:
  - load a module
  - read its log
  - unload it
prerequisites:
  lessons: [overview]
  knowledge:
    - C pointers`;

describe('the build checks a lesson page’s goals', async () => {
  const { compile } = await mdxCompiler();
  let n = 0;
  const page = (frontMatter: string, body = '<LabTerminal lesson="hello" />'): Promise<void> => {
    const file = path.join(dir, `page-${n++}.mdx`);
    writeFileSync(file, `---\nid: page-${n}\n${frontMatter}\n---\n\nSome text.\n\n${body}\n`);
    return compile(file);
  };

  test('a lesson with all three builds', async () => {
    await page(GOOD);
  });
  test('a lesson without them does not', async () => {
    await assert.rejects(page(''), /missing: objectives, prerequisites, time/);
    await assert.rejects(page(GOOD.replace(/^time: .*\n/, '')), /missing: time/);
  });
  test('a prerequisite that is no page does not', async () => {
    await assert.rejects(page(GOOD.replace('[overview]', '[overview, no-such-lesson]')), /no page with the id no-such-lesson/);
  });
  test('nor do too few objectives, a time in another form, or a wrong type', async () => {
    await assert.rejects(page(GOOD.replace('  - unload it\n', '')), /objectives has 3 to 5 entries, not 2/);
    await assert.rejects(page(GOOD.replace('45 min', 'an hour')), /time is "<minutes> min"/);
    await assert.rejects(page(GOOD.replace('lessons: [overview]', 'lessons: overview')), /prerequisites.lessons is a list/);
  });
  test('a page with no terminal needs none, but what it has must be right', async () => {
    await page('', 'No lab here.');
    await assert.rejects(page('time: soon', 'No lab here.'), /missing: objectives, prerequisites/);
  });
});

test('lessonGoals returns the fields, and refuses a lesson that is its own prerequisite', () => {
  const ids = new Set(['overview', 'hello']);
  const fm = { time: '30 min', objectives: ['a', 'b', 'c'], prerequisites: { lessons: ['overview'], knowledge: [] } };
  assert.deepEqual(lessonGoals(fm, ids), { ...fm, prerequisites: { lessons: ['overview'], knowledge: [] } });
  assert.throws(() => lessonGoals({ ...fm, id: 'overview' }, ids), /its own prerequisite/);
  assert.throws(() => lessonGoals({ ...fm, prerequisites: { lesson: [] } }, ids), /not lesson/);
  assert.equal(timeMinutes('120 min'), 120);
  assert.throws(() => timeMinutes('0 min'));
});

/** The site's lessons, per locale: every page with a terminal, with its goals. */
function lessons(): Map<string, Map<string, { file: string; goals: LessonGoals }>> {
  const ids = docIds();
  const byLocale = new Map<string, Map<string, { file: string; goals: LessonGoals }>>();
  for (const file of allPages()) {
    const source = readFileSync(path.join(REPO_ROOT, file), 'utf8');
    if (!hasTerminal(parseMdx(source, file))) continue;
    const { frontMatter } = parseFileContentFrontMatter(source);
    const locale = DOC_DIRS.find((d) => file.startsWith(d))!;
    if (!byLocale.has(locale)) byLocale.set(locale, new Map());
    byLocale.get(locale)!.set(String(frontMatter.id), { file, goals: lessonGoals(frontMatter, ids) });
  }
  return byLocale;
}

test('every lesson has its goals in both locales, the same time and prerequisite lessons in each', () => {
  const [en, zh] = DOC_DIRS.map((d) => lessons().get(d));
  assert.ok(en && zh);
  for (const id of ['hello', 'syscall', 'signal', 'mmap', 'ioctl', 'netlink', 'procfs-sysfs']) {
    assert.ok(en.has(id), `docs/ has a lesson ${id}`);
  }
  assert.deepEqual([...zh.keys()].sort(), [...en.keys()].sort());
  for (const [id, { goals }] of en) {
    const other: LessonGoals = zh.get(id)!.goals;
    assert.equal(other.time, goals.time, `${id}: the same time in both locales`);
    assert.deepEqual(other.prerequisites.lessons, goals.prerequisites.lessons, `${id}: the same prerequisite lessons`);
    assert.equal(other.objectives.length, goals.objectives.length, `${id}: as many objectives in both locales`);
    assert.equal(other.prerequisites.knowledge.length, goals.prerequisites.knowledge.length, `${id}: as much outside knowledge`);
  }
});

/** The sidebar's doc ids, in reading order. */
function sidebarOrder(items: unknown): string[] {
  if (typeof items === 'string') return [items];
  if (Array.isArray(items)) return items.flatMap(sidebarOrder);
  if (typeof items === 'object' && items !== null) {
    const item = items as { type?: string; id?: string; items?: unknown };
    if (item.type === 'doc' && item.id) return [item.id];
    if (item.items) return sidebarOrder(item.items);
  }
  return [];
}

test('a prerequisite lesson comes before the lesson in the sidebar', () => {
  const order = sidebarOrder(Object.values(sidebars));
  for (const [id, { goals }] of lessons().get('docs')!) {
    assert.ok(order.includes(id), `${id} is in the sidebar`);
    for (const before of goals.prerequisites.lessons) {
      assert.ok(order.indexOf(before) >= 0 && order.indexOf(before) < order.indexOf(id), `${before} comes before ${id}`);
    }
  }
});

/**
 * A page's time, estimated from what it asks of the reader: its prose at
 * 150 words a minute (technical text, read with the code beside it), a
 * minute per runnable step (press Run, read the output), five minutes per
 * exercise done in the shell and fifteen per exercise in C (edit, build,
 * load, check).
 */
function estimate(file: string): number {
  const source = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const body = source.replace(/^---\n[\s\S]*?\n---\n/, '');
  const prose = body.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1\s*$/gm, '');
  const words = prose.split(/\s+/).filter((w) => /\w/.test(w)).length;
  const { steps } = extractSteps(source, file);
  const runs = steps.filter((s) => s.role.kind === 'step').length;
  const exercises = steps.filter((s) => s.role.kind === 'check').length;
  const inC = new Set([...body.matchAll(/solutions\/exercise-(\d+)\.patch/g)].map((m) => m[1])).size;
  return words / 150 + runs + (exercises - inC) * 5 + inC * 15;
}

test('a lesson’s time is near what its prose, steps and exercises take', () => {
  for (const [id, { file, goals }] of lessons().get('docs')!) {
    const minutes = timeMinutes(goals.time);
    const expected = estimate(file);
    // Wide, for reading speeds differ; a page that has grown by half again
    // or shrunk by a third since its time was set fails here.
    assert.ok(
      minutes >= expected / 1.5 && minutes <= expected * 1.5,
      `${id}: time ${goals.time}, but its prose, steps and exercises come to about ${Math.round(expected)} min`,
    );
  }
});

/** The term ids (### … {#id}) of a glossary page, in order. */
function glossaryTerms(file: string): string[] {
  const source = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  return [...source.matchAll(/^### .*\{#([a-z0-9-]+)\}\s*$/gm)].map((m) => m[1]!);
}

test('the glossary has 30 to 50 terms, the same ids in the same order in both locales', () => {
  const [en, zh] = DOC_DIRS.map((d) => glossaryTerms(`${d}/glossary.mdx`));
  assert.ok(en!.length >= 30 && en!.length <= 50, `${en!.length} terms`);
  assert.equal(new Set(en).size, en!.length, 'each term once');
  assert.deepEqual(zh, en);
});

test('every lesson links a few key terms to the glossary, each to a term that is there', () => {
  for (const dir of DOC_DIRS) {
    const terms = new Set(glossaryTerms(`${dir}/glossary.mdx`));
    for (const { file } of lessons().get(dir)!.values()) {
      const source = readFileSync(path.join(REPO_ROOT, file), 'utf8');
      const linked = [...source.matchAll(/\]\(\/glossary#([a-z0-9-]+)\)/g)].map((m) => m[1]!);
      assert.ok(linked.length >= 3 && linked.length <= 6, `${file}: ${linked.length} glossary links, 3 to 6 wanted`);
      assert.deepEqual(linked.filter((t) => !terms.has(t)), [], `${file}: links to terms the glossary has`);
    }
  }
});
