// The lab in the reader's tab, end to end: the built site (build/, with
// the tab lab copied in by site/tab-assets.ts) on a plain static file
// server, no lab server anywhere, in headless Chromium (Debian's). Every
// lesson page runs its first step in v86 on the page; reset, the signal
// lesson's second terminal, the JavaScript a page loads before Start, a
// browser without WebAssembly, the switch between the two places a lab can
// run, and the site built under a base path.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from '../../lab/paths.ts';
import { LAB_STATUS_PATH } from '../../lab/protocol.ts';
import { TAB_ASSET_DIR, TAB_ASSETS } from '../../lab/tab/layout.ts';
import { extractSteps, normaliseTimestamps, outputMatches, type Step } from '../../site/steps.ts';
import { launchChromium, runSignalLesson } from '../helpers/browser.ts';
import { serveStatic, type StaticSite } from '../helpers/static-site.ts';

const SITE = join(REPO_ROOT, 'build');
const DOCS = join(REPO_ROOT, 'docs');
const BASE = '/user-kernel-lab/';

interface LessonPage {
  readonly slug: string;
  readonly lab: string;
  readonly first: Step;
}

/** Pages with a terminal and steps, read from the MDX the site was built from. */
function lessonPages(): LessonPage[] {
  return readdirSync(DOCS)
    .filter((f) => f.endsWith('.mdx'))
    .sort()
    .flatMap((f) => {
      const mdx = readFileSync(join(DOCS, f), 'utf8');
      const slug = /^slug:\s*\/?(\S+)\s*$/m.exec(mdx)?.[1];
      const { lab, steps } = extractSteps(mdx);
      const first = steps[0];
      return slug && lab && first ? [{ slug, lab, first }] : [];
    });
}

/** The rows of the first terminal on the page, as text, trailing blanks cut. */
function screenRows(page: Page, nth = 0): Promise<string[]> {
  return page
    .locator('.xterm-rows')
    .nth(nth)
    .evaluate((rows) => [...rows.children].map((r) => (r.textContent ?? '').replace(/\u00a0/g, ' ').replace(/\s+$/, '')));
}

const PROMPT_ROW = /^lab:[^ ]*# ?$/;

/**
 * What each of `commands` printed, as the terminal shows it: the rows after
 * the row where it was typed at a prompt, up to the next prompt. Undefined
 * while the last one has not finished.
 */
function outputsOf(rows: string[], commands: readonly string[]): string[] | undefined {
  const outputs: string[] = [];
  let at = 0;
  for (const command of commands) {
    const typed = rows.findIndex((r, i) => i >= at && /^lab:[^ ]*# /.test(r) && r.endsWith(`# ${command}`));
    if (typed < 0) return undefined;
    const next = rows.findIndex((r, i) => i > typed && (PROMPT_ROW.test(r) || /^lab:[^ ]*# \S/.test(r)));
    if (next < 0) return undefined;
    outputs.push(rows.slice(typed + 1, next).map((r) => `${r}\n`).join(''));
    at = next;
  }
  return outputs;
}

/** Start the page's (first) lab and wait until it is ready. */
async function startLab(page: Page, lab: string): Promise<void> {
  const figure = page.locator(`figure[data-lesson="${lab}"]`).first();
  await figure.locator('button.button--primary').click();
  await figure.and(page.locator('[data-lab-state="ready"]')).waitFor({ timeout: 60_000 });
}

/** Click the first step's Run button and see the output the page promises for the tab lab. */
async function runFirstStep(page: Page, step: Step): Promise<void> {
  await page.locator('figure[data-step] button.button--primary').first().click();
  const commands = step.commands.map((c) => c.command);
  const expected = step.commands.map((c) => c.outputs?.tab ?? c.output);
  const end = Date.now() + step.timeoutMs;
  let got: string[] | undefined;
  while (Date.now() < end) {
    got = outputsOf(await screenRows(page), commands);
    if (got) break;
    await page.waitForTimeout(100);
  }
  assert.ok(got, `the commands ran to a prompt: ${JSON.stringify(commands)}\n${(await screenRows(page)).join('\n')}`);
  got.forEach((out, i) =>
    assert.ok(outputMatches(expected[i] ?? '', out), `"${commands[i]}" printed ${JSON.stringify(normaliseTimestamps(out))}, the page says ${JSON.stringify(expected[i])}`),
  );
}

/** A production build of the site, en only, under `baseUrl`, in a fresh folder; resolves with the folder. */
function buildSite(baseUrl: string): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'uklab-base-build-'));
  return new Promise((resolve, reject) => {
    let log = '';
    const p = spawn('npx', ['docusaurus', 'build', '--locale', 'en', '--out-dir', outDir], {
      cwd: REPO_ROOT,
      env: { ...process.env, UKLAB_BASE_URL: baseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    p.stdout.on('data', (d: Buffer) => (log += d.toString()));
    p.stderr.on('data', (d: Buffer) => (log += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(outDir) : reject(new Error(`docusaurus build under ${baseUrl} failed (${code}):\n${log.slice(-3000)}`))));
  });
}

let site: StaticSite;
let browser: Browser;
const pages = lessonPages();
// Started at once: the build under a base path runs while the other tests use the browser.
let baseBuild: Promise<string> | undefined;

before(async () => {
  assert.ok(existsSync(join(SITE, TAB_ASSET_DIR, TAB_ASSETS.manifest)), `the site is built with the tab lab in build/${TAB_ASSET_DIR}/ (npx docusaurus build)`);
  baseBuild = buildSite(BASE);
  baseBuild.catch(() => undefined);
  site = await serveStatic(SITE);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await site?.close();
  const dir = await baseBuild?.catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('lesson pages with the lab in the tab', () => {
  test('there are lesson pages to open', () => {
    assert.ok(pages.length >= 6, `found ${pages.map((p) => p.slug).join(', ')}`);
  });

  for (const lesson of pages) {
    test(`/${lesson.slug}: "in your browser", start the lab, Run the first step, see its output`, { timeout: 120_000 }, async (t) => {
      const page = await browser.newPage();
      try {
        const started = Date.now();
        await page.goto(`${site.url}${lesson.slug}`);
        const figure = page.locator(`figure[data-lesson="${lesson.lab}"]`).first();
        await figure.and(page.locator('[data-lab-backend="tab"]')).waitFor();
        assert.match((await figure.locator('figcaption').textContent()) ?? '', /in your browser/);
        assert.equal(await page.evaluate(() => document.documentElement.dataset.labBackend), 'tab');
        await startLab(page, lesson.lab);
        const ready = Date.now();
        await runFirstStep(page, lesson.first);
        t.diagnostic(`ready ${ready - started} ms after the page was asked for; step done ${Date.now() - ready} ms later`);
      } finally {
        await page.close();
      }
    });
  }
});

test('what a lesson page loads before Start: no v86, no transport, nothing from tab-lab/', { timeout: 120_000 }, async (t) => {
  const page = await browser.newPage();
  try {
    const scripts: { url: string; bytes: number; v86: boolean }[] = [];
    const pending: Promise<void>[] = [];
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('response', (r) => {
      if (r.request().resourceType() !== 'script') return;
      pending.push(
        r.body().then(
          (b) => void scripts.push({ url: r.url(), bytes: b.length, v86: b.includes('emulator-loaded') }),
          () => undefined,
        ),
      );
    });
    await page.goto(`${site.url}syscall`, { waitUntil: 'networkidle' });
    await page.locator('figure[data-lesson] button.button--primary').first().waitFor();
    await Promise.all(pending);
    const before = scripts.slice();
    const bytes = before.reduce((n, s) => n + s.bytes, 0);
    t.diagnostic(`before Start: ${before.length} scripts, ${bytes} bytes`);
    assert.deepEqual(before.filter((s) => s.v86).map((s) => s.url), [], 'no v86 or tab transport code before Start');
    assert.deepEqual(requests.filter((u) => u.includes(`/${TAB_ASSET_DIR}/`)), [], 'no tab lab file before Start');

    await startLab(page, 'syscall');
    await Promise.all(pending);
    assert.ok(scripts.some((s) => s.v86), 'v86 was loaded on Start');
    const wasm = requests.filter((u) => u.endsWith('.wasm'));
    assert.equal(wasm.length, 1, `the wasm once: ${wasm.join(' ')}`);

    // Reset: a fresh VM, and a fresh screen with a prompt; nothing downloaded again.
    await page.locator('.xterm').first().click();
    await page.keyboard.type('echo before-the-reset');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent?.includes('before-the-reset'));
    const fetched = requests.length;
    const figure = page.locator('figure[data-lesson="syscall"]').first();
    const resetAt = Date.now();
    await figure.getByRole('button', { name: 'Reset' }).click();
    await figure.and(page.locator('[data-lab-state="booting"]')).waitFor({ timeout: 10_000 }).catch(() => undefined);
    await figure.and(page.locator('[data-lab-state="ready"]')).waitFor({ timeout: 60_000 });
    t.diagnostic(`reset to a prompt in ${Date.now() - resetAt} ms`);
    const rows = await screenRows(page);
    assert.ok(!rows.some((r) => r.includes('before-the-reset')), `the old screen is gone:\n${rows.join('\n')}`);
    assert.ok(
      rows.some((r) => /^lab:\/lab\/syscall# ?$/.test(r)),
      `a fresh prompt:\n${rows.join('\n')}`,
    );
    assert.deepEqual(requests.slice(fetched).filter((u) => u.includes(`/${TAB_ASSET_DIR}/`)), [], 'the reset downloads nothing');
    await page.keyboard.type('echo after-the-reset-$((6*7))');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent?.includes('after-the-reset-42'), undefined, { timeout: 10_000 });

    // The shell exits: the VM stops, and Reset gives a new one.
    await page.keyboard.type('exit');
    await page.keyboard.press('Enter');
    await figure.and(page.locator('[data-lab-state="exited"]')).waitFor({ timeout: 30_000 });
    await figure.getByRole('button', { name: 'Reset' }).click();
    await figure.and(page.locator('[data-lab-state="ready"]')).waitFor({ timeout: 60_000 });
  } finally {
    await page.close();
  }
});

test('the signal lesson: a second terminal into the same VM, signalled from the first', { timeout: 120_000 }, async () => {
  const page = await browser.newPage();
  try {
    await page.goto(`${site.url}signal`);
    await runSignalLesson(
      page,
      () => startLab(page, 'signal'),
      async (second) => assert.match((await second.locator('figcaption').textContent()) ?? '', /in your browser/),
    );
  } finally {
    await page.close();
  }
});

test('a deep link to a step, then its Run button: the lab starts and runs it', { timeout: 120_000 }, async () => {
  const page = await browser.newPage();
  try {
    await page.goto(`${site.url}signal#step-load`);
    await page.locator('#step-load button.button--primary').click();
    const first = page.locator('figure[data-lesson="signal"]').nth(0);
    await first.and(page.locator('[data-lab-state="ready"]')).waitFor({ timeout: 60_000 });
    await first.locator('.xterm-rows').filter({ hasText: '254 my_device' }).waitFor({ timeout: 30_000 });
  } finally {
    await page.close();
  }
});

test('the saved machine does not download: the page says so, boots the kernel, and resets from its own state', { timeout: 180_000 }, async (t) => {
  const context = await browser.newContext();
  let stateAsked = 0;
  // The state, and only the state, is missing (a broken upload, a proxy that drops it).
  await context.route(/\/tab-lab\/lab\.[0-9a-f]+\.state\.gz$/, (route) => {
    stateAsked++;
    return route.fulfill({ status: 404, body: 'gone' });
  });
  const page = await context.newPage();
  try {
    const lesson = pages.find((p) => p.slug === 'ioctl') ?? pages[0]!;
    await page.goto(`${site.url}${lesson.slug}`);
    const figure = page.locator(`figure[data-lesson="${lesson.lab}"]`).first();
    const started = Date.now();
    await figure.locator('button.button--primary').click();
    await figure.and(page.locator('[data-lab-reason="cold-boot"]')).waitFor({ timeout: 30_000 });
    assert.match((await figure.locator('[role="status"]').textContent()) ?? '', /the saved lab could not be used; booting the VM from scratch/);
    // And the terminal, while the kernel boots (the banner may scroll the line away later).
    await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent?.includes('[lab] the saved lab could not be used'), undefined, { timeout: 30_000 });
    await figure.and(page.locator('[data-lab-state="ready"]')).waitFor({ timeout: 120_000 });
    t.diagnostic(`cold boot to a prompt in ${Date.now() - started} ms`);
    await runFirstStep(page, lesson.first);
    const resetAt = Date.now();
    await figure.getByRole('button', { name: 'Reset' }).click();
    await figure.and(page.locator('[data-lab-state="booting"]')).waitFor({ timeout: 10_000 }).catch(() => undefined);
    await figure.and(page.locator('[data-lab-state="ready"]')).waitFor({ timeout: 60_000 });
    t.diagnostic(`reset (from the cold boot's own state) to a prompt in ${Date.now() - resetAt} ms`);
    assert.equal(await figure.getAttribute('data-lab-reason'), null, 'no cold boot again');
    assert.equal(stateAsked, 1, 'the state was asked for once');
    await runFirstStep(page, lesson.first);
  } finally {
    await context.close();
  }
});

test('a browser without WebAssembly: the page reads, the terminal says why it cannot run', { timeout: 60_000 }, async () => {
  const page = await browser.newPage();
  try {
    await page.addInitScript(() => {
      delete (globalThis as { WebAssembly?: unknown }).WebAssembly;
    });
    await page.goto(`${site.url}ioctl`);
    await page.locator('article h1').waitFor();
    const figure = page.locator('figure[data-lesson="ioctl"]').first();
    await figure.locator('button.button--primary').click();
    await figure.and(page.locator('[data-lab-state="error"]')).waitFor({ timeout: 30_000 });
    assert.match((await figure.locator('[role="status"]').textContent()) ?? '', /this browser cannot run the lab: no WebAssembly/);
    assert.ok((await page.locator('article').textContent())!.length > 1000, 'the lesson is still there to read');
  } finally {
    await page.close();
  }
});

test("the steps' output and the switch follow where the lab runs, remembered", { timeout: 60_000 }, async () => {
  // A static host with a lab server's status answer: both places are possible.
  const context = await browser.newContext();
  await context.route(`**${LAB_STATUS_PATH}`, (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"sessions":0,"lessons":[]}' }));
  const page = await context.newPage();
  try {
    await page.goto(`${site.url}syscall`);
    const figure = page.locator('figure[data-lesson="syscall"]').first();
    await figure.and(page.locator('[data-lab-backend="server"]')).waitFor();
    assert.match((await figure.locator('figcaption').textContent()) ?? '', /on the lab server/);
    // Lines only one lab prints (site/shiki.ts marks them data-lab): only the lab in use's show.
    const shown = () =>
      page.evaluate(() => {
        const pre = document.createElement('pre');
        pre.className = 'shiki';
        pre.innerHTML = '<code><span class="line">both</span><span data-lab="server">\n</span><span class="line" data-lab="server">server</span><span data-lab="tab">\n</span><span class="line" data-lab="tab">tab</span></code>';
        document.querySelector('article')!.append(pre);
        const text = pre.innerText;
        pre.remove();
        return text;
      });
    assert.equal(await shown(), 'both\nserver');
    await figure.getByRole('button', { name: 'run it in your browser' }).click();
    await figure.and(page.locator('[data-lab-backend="tab"]')).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.labBackend), 'tab');
    assert.equal(await shown(), 'both\ntab');
    assert.match((await figure.locator('figcaption').textContent()) ?? '', /in your browser/);
    // The next page remembers the choice.
    await page.goto(`${site.url}ioctl`);
    await page.locator('figure[data-lesson="ioctl"][data-lab-backend="tab"]').waitFor();
    await page.locator('figure[data-lesson="ioctl"]').getByRole('button', { name: 'run it on the lab server' }).click();
    await page.locator('figure[data-lesson="ioctl"][data-lab-backend="server"]').waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('uklab.backend')), 'server');
  } finally {
    await context.close();
  }
});

test('a page with output lines only one lab prints shows the tab lab\'s, and the Chinese header says where the lab runs', { timeout: 60_000 }, async (t) => {
  // The built lessons whose steps mark such lines (`[tab] …`, `[server] …`, site/step-format.ts; site/shiki.ts).
  const marked = pages.map((p) => p.slug).filter((slug) => readFileSync(join(SITE, `${slug}.html`), 'utf8').includes('data-lab="tab"'));
  const page = await browser.newPage();
  try {
    for (const [prefix, where] of [['', 'in your browser'], ['zh-Hans/', '在你的浏览器中运行']] as const) {
      const slug = marked[0] ?? pages[0]!.slug;
      await page.goto(`${site.url}${prefix}${slug}`);
      const figure = page.locator('figure[data-lesson][data-lab-backend="tab"]').first();
      await figure.waitFor();
      assert.match((await figure.locator('figcaption').textContent()) ?? '', new RegExp(where));
      if (!marked.length) {
        t.diagnostic('no lesson marks lines for one lab: nothing more to see');
        continue;
      }
      const lines = await page.evaluate(() =>
        [...document.querySelectorAll('.shiki .line[data-lab]')].map((l) => ({
          lab: l.getAttribute('data-lab'),
          shown: getComputedStyle(l).display !== 'none',
          text: l.textContent ?? '',
        })),
      );
      assert.ok(lines.some((l) => l.lab === 'tab') && lines.some((l) => l.lab === 'server'), `${page.url()}: ${JSON.stringify(lines)}`);
      for (const l of lines) {
        assert.equal(l.shown, l.lab === 'tab', `${JSON.stringify(l)}: only the tab lab's lines show`);
        assert.doesNotMatch(l.text, /^\[(tab|server)\] /, 'the marker is not shown');
      }
    }
  } finally {
    await page.close();
  }
});

test("a Chinese page's lab runs from the one copy of the tab lab's files, at the site's root", { timeout: 60_000 }, async () => {
  const lesson = pages[0]!;
  const page = await browser.newPage();
  try {
    const from = site.requests.length;
    await page.goto(`${site.url}zh-Hans/${lesson.slug}`);
    await startLab(page, lesson.lab);
    await runFirstStep(page, lesson.first);
    const lab = site.requests.slice(from).filter((r) => r.includes(`/${TAB_ASSET_DIR}/`));
    assert.ok(lab.some((r) => r.endsWith(`/${TAB_ASSET_DIR}/${TAB_ASSETS.manifest}`)), JSON.stringify(lab));
    assert.deepEqual(lab.filter((r) => !r.startsWith(`/${TAB_ASSET_DIR}/`)), [], 'every file from /tab-lab/, none from /zh-Hans/tab-lab/');
    assert.equal(existsSync(join(SITE, 'zh-Hans', TAB_ASSET_DIR)), false, 'the build holds one copy');
  } finally {
    await page.close();
  }
});

test(`the site built under a base path (${BASE}): the lab's files come from under it`, { timeout: 300_000 }, async (t) => {
  const started = Date.now();
  const dir = await baseBuild!;
  t.diagnostic(`built under ${BASE} (waited ${Date.now() - started} ms for it)`);
  assert.ok(existsSync(join(dir, TAB_ASSET_DIR, TAB_ASSETS.manifest)));
  const based = await serveStatic(dir, BASE);
  const page = await browser.newPage();
  try {
    const lesson = pages.find((p) => p.slug === 'syscall') ?? pages[0]!;
    await page.goto(`${based.url}${lesson.slug}`);
    await startLab(page, lesson.lab);
    await runFirstStep(page, lesson.first);
    const outside = based.requests.filter((u) => !u.startsWith(BASE) && u !== LAB_STATUS_PATH);
    assert.deepEqual(outside, [], 'every request under the base path (but the lab server probe)');
    assert.ok(based.requests.some((u) => u.startsWith(`${BASE}${TAB_ASSET_DIR}/`) && u.endsWith('.wasm')));
  } finally {
    await page.close();
    await based.close();
  }
});

test('on a static host the editor opens, and Build says it needs a lab server', { timeout: 120_000 }, async () => {
  const page = await browser.newPage();
  try {
    await page.goto(`${site.url}ioctl`);
    await startLab(page, 'ioctl');
    const editor = page.locator('figure[data-editor-lesson="ioctl"]');
    await editor.getByRole('button', { name: 'Edit and build' }).click();
    await editor.locator('.cm-editor').waitFor();
    assert.equal(await editor.getByRole('button', { name: 'Build', exact: true }).isDisabled(), true);
    assert.match((await editor.locator('[role="status"]').textContent()) ?? '', /building needs a lab server/);
  } finally {
    await page.close();
  }
});
