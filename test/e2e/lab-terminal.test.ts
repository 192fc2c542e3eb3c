// End to end in headless Chromium (Debian's): the built site's /lab-check
// page, "Start lab", a command typed into the terminal, its output on screen.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.ts';
import { REPO_ROOT } from '../../lab/paths.ts';
import type { LabServer } from '../../lab/server/server.ts';
import { childQemuPids, waitGone } from '../helpers/processes.ts';
import { startTestServer } from '../server/client.ts';

const SITE = join(REPO_ROOT, 'build');
const PAGE = ['lab-check.html', 'lab-check/index.html'];

let server: LabServer;
let browser: Browser;

/** The site is built by `npm start` or `npx docusaurus build`; wait a while if a build is running. */
async function siteBuilt(ms = 300_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (PAGE.some((p) => existsSync(join(SITE, p)))) return true;
    await new Promise((r) => setTimeout(r, 2000));
  }
  return false;
}

before(async () => {
  assert.ok(await siteBuilt(), 'the site is built, with src/pages/lab-check.tsx');
  server = await startTestServer({ poolSize: 1, maxSessions: 2 }, { siteRoot: SITE });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('a page with a lab terminal: start it, type a command, see its output', { timeout: 180_000 }, async () => {
  const page = await browser.newPage();
  const scripts: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'script') scripts.push(r.url());
  });
  await page.goto(`${server.url}/lab-check`);
  const lab = page.locator('figure[data-lesson="hello"]');
  await lab.getByRole('button', { name: 'Start lab' }).waitFor();
  const before = scripts.length;
  assert.equal(await page.locator('.xterm').count(), 0, 'xterm.js is not on the page before the click');

  await lab.getByRole('button', { name: 'Start lab' }).click();
  await page.locator('figure[data-lab-state="ready"]').waitFor({ timeout: 60_000 });
  assert.ok(scripts.length > before, 'xterm.js was loaded on the click');
  const rows = page.locator('.xterm-rows');
  await page.waitForFunction(() => /lab:\/lab\/hello# /.test(document.querySelector('.xterm-rows')?.textContent ?? ''), undefined, { timeout: 30_000 });

  await page.locator('.xterm').click();
  await page.keyboard.type('echo $((40 + 2))-from-the-browser');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /42-from-the-browser/.test(document.querySelector('.xterm-rows')?.textContent ?? ''), undefined, { timeout: 30_000 });

  // The API the lessons' Run buttons use.
  await page.getByRole('button', { name: /Run/ }).click();
  await page.waitForFunction(() => /\d+\.\d+\.\d+/.test(document.querySelector('.xterm-rows')?.textContent?.split('uname -r')[1] ?? ''), undefined, { timeout: 30_000 });
  assert.match((await rows.textContent()) ?? '', /uname -r/);

  // Closing the tab ends the session after the grace period; the server stops it at close below.
  await page.close();
});

test('a workshop server with a token: the page asks for it once, or takes it from #lab-token=', { timeout: 180_000 }, async () => {
  const token = 'e2e-token-4f9a-0123';
  const guarded = await startTestServer({ poolSize: 1, maxSessions: 2, graceMs: 1000 }, { siteRoot: SITE, token });
  try {
    // No token yet: the lab is refused and the terminal asks for one.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${guarded.url}/lab-check`);
    await page.getByRole('button', { name: 'Start lab' }).click();
    const field = page.locator('input[name="token"]');
    await field.waitFor({ timeout: 30_000 });
    await field.fill('wrong');
    await field.press('Enter');
    await field.waitFor({ timeout: 30_000 }); // refused again: still asking
    await page.waitForFunction(() => document.querySelector('figure[data-lab-state="error"]') !== null);
    await field.fill(token);
    await field.press('Enter');
    await page.locator('figure[data-lab-state="ready"]').waitFor({ timeout: 60_000 });
    assert.equal(await field.count(), 0, 'the form is gone once the lab is up');
    await context.close();

    // A link with the token in its fragment: no question, and the token leaves the address bar.
    const linked = await browser.newContext();
    const page2 = await linked.newPage();
    await page2.goto(`${guarded.url}/lab-check#lab-token=${token}`);
    await page2.getByRole('button', { name: 'Start lab' }).click();
    await page2.locator('figure[data-lab-state="ready"]').waitFor({ timeout: 60_000 });
    assert.ok(!page2.url().includes(token), `the token is not left in the URL: ${page2.url()}`);
    await linked.close();
  } finally {
    await guarded.close();
  }
});

test('leaves no QEMU process behind', async () => {
  await server.close();
  for (const pid of childQemuPids()) await waitGone(pid, 5000);
  assert.deepEqual(childQemuPids(), []);
});
