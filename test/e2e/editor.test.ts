// The lesson's editor in headless Chromium, against the real server and a
// real VM: open it (CodeMirror loads only then), change the module by
// typing, Build, see the result arrive in the terminal's VM and load it;
// then a compiler error marked in the editor, edits kept across a reload,
// the diff view, and a revert.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from '../../lab/paths.ts';
import type { LabServer } from '../../lab/server/server.ts';
import { launchChromium } from '../helpers/browser.ts';
import { patchedSources, solutionPatch } from '../helpers/solution-build.ts';
import { startTestServer } from '../server/client.ts';

const SITE = join(REPO_ROOT, 'build');

let server: LabServer;
let browser: Browser;

before(async () => {
  server = await startTestServer({ poolSize: 1, maxSessions: 2, graceMs: 0 }, { siteRoot: SITE, tab: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** xterm.js draws nothing while it is out of view: bring it in, then wait for `re` on screen. */
async function untilScreen(page: Page, re: RegExp, ms = 30_000): Promise<void> {
  await page.locator('.xterm').scrollIntoViewIfNeeded();
  await page.waitForFunction((src) => new RegExp(src).test(document.querySelector('.xterm-rows')?.textContent ?? ''), re.source, { timeout: ms });
}

async function typeInTerminal(page: Page, line: string): Promise<void> {
  await page.locator('.xterm').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** Type, in ioctl_example.c under its pr_fmt line, a new prefix for the module's messages. */
async function typeNewPrefix(page: Page, prefix: string): Promise<void> {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+Home');
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('#undef pr_fmt');
  await page.keyboard.press('Enter');
  await page.keyboard.type(`#define pr_fmt(fmt) "${prefix}" fmt`);
}

test('edit the module in the page, build it on the server, load it in the VM', { timeout: 300_000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const scripts: string[] = [];
  page.on('request', (r) => r.resourceType() === 'script' && scripts.push(r.url()));
  await page.goto(`${server.url}/ioctl`);
  const editor = page.locator('figure[data-editor-lesson="ioctl"]');
  await editor.waitFor();
  await page.waitForLoadState('networkidle');
  assert.equal(await page.locator('.cm-editor').count(), 0, 'no editor before it is opened');
  const before = scripts.length;

  await editor.getByRole('button', { name: 'Edit and build' }).click();
  await page.locator('.cm-editor').waitFor();
  assert.ok(scripts.length > before, 'the editor was loaded on the click');
  const tabs = await page.getByRole('tab').allTextContents();
  assert.deepEqual(tabs.map((t) => t.trim()), ['ioctl_example.c', 'ioctl_example.h', 'user_program.c']);
  assert.match((await page.locator('.cm-content').textContent()) ?? '', /#define pr_fmt\(fmt\) KBUILD_MODNAME/);
  const build = page.getByRole('button', { name: 'Build', exact: true });
  assert.equal(await build.isDisabled(), true, 'no build before the lab runs');
  assert.match((await editor.locator('[role="status"]').textContent()) ?? '', /start the lab/i);

  // The lab, then the edit, typed: a new prefix for the module's messages.
  await page.getByRole('button', { name: 'Start lab' }).click();
  await page.locator('figure[data-lab-state="ready"]').waitFor({ timeout: 60_000 });
  await untilScreen(page, /lab:\/lab\/ioctl# /);
  await typeNewPrefix(page, 'edited in the page: ');
  assert.match((await page.locator('.cm-content').textContent()) ?? '', /#define pr_fmt\(fmt\) "edited in the page: " fmt/);
  assert.match((await page.getByRole('tab', { name: /ioctl_example\.c/ }).textContent()) ?? '', /•/, 'the tab says the file is changed');

  await build.click();
  const figure = page.locator('[data-build-state]');
  await page.locator('[data-build-state="done"]').waitFor({ timeout: 120_000 });
  assert.match((await figure.textContent()) ?? '', /your VM has ioctl_example\.ko, user_program/);
  await untilScreen(page, /\[build\] in \/lab\/ioctl: ioctl_example\.ko, user_program \(unchanged\)/);
  await typeInTerminal(page, 'insmod ioctl_example.ko && dmesg | tail -1 && rmmod ioctl_example');
  await untilScreen(page, /edited in the page: My device initialized/);

  // A compiler error: the build fails, the editor marks the line, the list jumps to it.
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('this is not C');
  await build.click();
  await page.locator('[data-build-state="failed"]').waitFor({ timeout: 120_000 });
  await page.locator('.cm-lintRange-error').first().waitFor();
  const where = page.locator('[data-build-state="failed"] ul li button').first();
  assert.match((await where.textContent()) ?? '', /^ioctl_example\.c:\d+/);

  // Kept across a reload; the diff view shows the changes; a revert brings the lesson's code back.
  await page.reload();
  await page.getByRole('button', { name: 'Edit and build' }).click();
  await page.locator('.cm-editor').waitFor();
  assert.match((await page.locator('.cm-content').textContent()) ?? '', /edited in the page/);
  await page.getByLabel('Show my changes').check();
  await page.locator('.cm-changedLine, .cm-insertedLine').first().waitFor();
  await page.getByRole('button', { name: 'Revert this file' }).click();
  assert.doesNotMatch((await page.locator('.cm-content').textContent()) ?? '', /edited in the page/);
  assert.equal(await page.evaluate(() => localStorage.getItem('uklab.edits.ioctl')), null, 'nothing left stored');
  await context.close();
});

test('in the Chinese locale the editor speaks Chinese, and Build says it needs the lab first', { timeout: 120_000 }, async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/zh-Hans/ioctl`);
  await page.getByRole('button', { name: '编辑并构建' }).click();
  await page.locator('.cm-editor').waitFor();
  assert.equal(await page.getByRole('button', { name: '构建', exact: true }).isDisabled(), true);
  assert.match((await page.locator('figure[data-editor-lesson="ioctl"]').textContent()) ?? '', /请先启动下方的实验/);
  await page.close();
});

test("the procfs/sysfs page has an editor for each lesson; the sysfs one builds into the page's one terminal", { timeout: 120_000 }, async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/procfs-sysfs`);
  const sysfs = page.locator('figure[data-editor-lesson="sysfs"]');
  await sysfs.getByRole('button', { name: 'Edit and build' }).click();
  await sysfs.locator('.cm-editor').waitFor();
  const tabs = await sysfs.getByRole('tab').allTextContents();
  // The sysfs lesson's own C sources, in name order: its folder, not the procfs half's.
  const sources = readdirSync(join(REPO_ROOT, 'kernel/sysfs')).filter((f) => /\.[ch]$/.test(f)).sort();
  assert.ok(sources.includes('sysfs_example.c'));
  assert.deepEqual(tabs.map((t) => t.trim()), sources);
  assert.match((await sysfs.textContent()) ?? '', /start the lab below first/);
  await page.getByRole('button', { name: 'Start lab' }).click();
  await page.locator('figure[data-lab-state="ready"]').waitFor({ timeout: 60_000 });
  await sysfs.getByRole('button', { name: 'Build', exact: true }).click();
  await sysfs.locator('[data-build-state="done"]').waitFor({ timeout: 120_000 });
  await untilScreen(page, /\[build\] in \/lab\/sysfs: /);
  await page.close();
});

test('with the lab in the tab, Build goes to the lab server, which builds for i386, and the page puts the files into v86', { timeout: 300_000 }, async () => {
  const context = await browser.newContext();
  // The reader chose the tab over this lab server (the switch under a terminal, remembered).
  await context.addInitScript(() => localStorage.setItem('uklab.backend', 'tab'));
  const page = await context.newPage();
  try {
    const sessions = server.registry.size;
    await page.goto(`${server.url}/ioctl`);
    await page.locator('figure[data-lesson="ioctl"][data-lab-backend="tab"]').waitFor();
    await page.getByRole('button', { name: 'Start lab' }).click();
    await page.locator('figure[data-lab-state="ready"]').waitFor({ timeout: 60_000 });
    await untilScreen(page, /lab:\/lab\/ioctl# /);
    const editor = page.locator('figure[data-editor-lesson="ioctl"]');
    await editor.getByRole('button', { name: 'Edit and build' }).click();
    await page.locator('.cm-editor').waitFor();
    await typeNewPrefix(page, 'built for the tab: ');
    await editor.getByRole('button', { name: 'Build', exact: true }).click();
    await editor.locator('[data-build-state="done"]').waitFor({ timeout: 120_000 });
    await untilScreen(page, /\[build\] in \/lab\/ioctl: ioctl_example\.ko, user_program \(unchanged\)/);
    await typeInTerminal(page, 'insmod ioctl_example.ko && dmesg | tail -1 && uname -m && rmmod ioctl_example');
    await untilScreen(page, /built for the tab: My device initialized[\s\S]*i686/);
    assert.equal(server.registry.size, sessions, 'the server started no VM for the tab');
  } finally {
    await context.close();
  }
});

test("in the Chinese page a learner's code passes the lesson's coding exercise: NOT YET before Build, PASS after", { timeout: 300_000 }, async () => {
  const context = await browser.newContext();
  // The learner's edits from an earlier visit (the editor keeps them per lesson): the reference solution.
  const solution = solutionPatch(readFileSync(join(REPO_ROOT, 'docs/syscall.mdx'), 'utf8'), 4);
  assert.ok(solution, 'the syscall page has a C exercise 4');
  const edits = Object.fromEntries(patchedSources(solution.lesson, solution.patch).map((f) => [f.name, f.text]));
  await context.addInitScript((stored) => localStorage.setItem('uklab.edits.syscall', stored), JSON.stringify(edits));
  const page = await context.newPage();
  try {
    await page.goto(`${server.url}/zh-Hans/syscall`);
    await page.getByRole('button', { name: '启动实验' }).first().click();
    await page.locator('figure[data-lab-state="ready"]').waitFor({ timeout: 60_000 });
    await untilScreen(page, /lab:\/lab\/syscall# /);
    await typeInTerminal(page, 'insmod syscall_example.ko; ./check.sh 4; rmmod syscall_example');
    await untilScreen(page, /NOT YET: /);
    const editor = page.locator('figure[data-editor-lesson="syscall"]');
    await editor.getByRole('button', { name: '编辑并构建' }).click();
    await editor.locator('.cm-editor').waitFor();
    await editor.getByRole('button', { name: '构建', exact: true }).click();
    await editor.locator('[data-build-state="done"]').waitFor({ timeout: 120_000 });
    await untilScreen(page, /\[build\] in \/lab\/syscall: /);
    await typeInTerminal(page, 'clear; insmod syscall_example.ko && ./check.sh 4');
    await untilScreen(page, /PASS: my_syscall refuses a negative argument with EINVAL/);
  } finally {
    await context.close();
  }
});
