// A reader's progress in headless Chromium against the real server: steps
// run and checks passed are marked on the steps, in the sidebar and on the
// front page, survive a reload, are shared by both languages, and can be
// cleared; and the server, keeping a workshop's progress, has them too.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { REPO_ROOT } from '../../lab/paths.ts';
import { PROGRESS_CSV_PATH } from '../../lab/instructor-protocol.ts';
import { LEARNER_KEY } from '../../src/components/Progress/learner.ts';
import type { LabServer } from '../../lab/server/server.ts';
import { launchChromium } from '../helpers/browser.ts';
import { startTestServer } from '../server/client.ts';

const SITE = join(REPO_ROOT, 'build');
const INSTRUCTOR = 'instructor-token-for-e2e-0001';
const scratch = mkdtempSync(join(tmpdir(), 'uklab-progress-e2e-'));

let server: LabServer;
let browser: Browser;

before(async () => {
  assert.ok(existsSync(join(SITE, 'zh-Hans')), 'the site is built for both locales (pretest)');
  server = await startTestServer(
    { poolSize: 1, maxSessions: 2, graceMs: 1000 },
    { siteRoot: SITE, progressDb: join(scratch, 'workshop.db'), instructorToken: INSTRUCTOR },
  );
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(scratch, { recursive: true, force: true });
});

test('steps run and a check passed are kept, in both languages, until cleared', { timeout: 180_000 }, async () => {
  // One context: one browser profile, whose localStorage keeps the progress.
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${server.url}/hello`);
    await page.locator('figure[data-lesson="hello"] button.button--primary').first().click();
    await page.locator('figure[data-lab-state="ready"]').waitFor({ timeout: 60_000 });
    const terminal = page.locator('figure[data-lesson="hello"] .xterm-rows');
    const step = (anchor: string) => page.locator(`figure[data-step="${anchor}"]`);

    assert.equal(await step('step-files').getAttribute('data-progress'), null, 'nothing run yet');
    await step('step-files').locator('button.button--primary').click();
    await page.locator('figure[data-step="step-files"][data-progress="ran"]').waitFor({ timeout: 30_000 });

    // The check before the exercise is done: run, but not passed.
    await step('exercise-1-check').locator('button.button--primary').click();
    await terminal.filter({ hasText: 'NOT YET' }).waitFor({ timeout: 30_000 });
    await page.locator('figure[data-step="exercise-1-check"][data-progress="ran"]').waitFor({ timeout: 5000 });

    // The solution, then the check again: passed.
    await page.locator('details:has(figure[data-step="exercise-1-solution"]) > summary').click();
    await step('exercise-1-solution').locator('button.button--primary').click();
    await terminal.filter({ hasText: 'hello, world' }).waitFor({ timeout: 30_000 });
    await step('exercise-1-check').locator('button.button--primary').click();
    await terminal.filter({ hasText: 'PASS: hello is loaded' }).waitFor({ timeout: 30_000 });
    await page.locator('figure[data-step="exercise-1-check"][data-progress="passed"]').waitFor({ timeout: 5000 });

    // The server's copy, for the instructor, under the id this browser made.
    const learner = await page.evaluate((key) => localStorage.getItem(key), LEARNER_KEY);
    assert.ok(learner, 'the page made a learner id');
    const res = await fetch(`${server.url}${PROGRESS_CSV_PATH}`, { headers: { Authorization: `Bearer ${INSTRUCTOR}` } });
    const csv = await res.text();
    assert.match(csv, new RegExp(`^${learner},hello,step-files,[^,]+,[^,]+,1,\r$`, 'm'));
    assert.match(csv, new RegExp(`^${learner},hello,exercise-1-check,[^,]+,[^,]+,2,20\\d\\d-[^,]+\r$`, 'm'), 'run twice, passed the second time');
    assert.match(csv, new RegExp(`^${learner},hello,exercise-1-solution,`, 'm'));

    // The sidebar: the lesson is started (far from every step run).
    assert.equal(await page.locator('.menu a[href="/hello"]').getAttribute('data-progress'), 'started');

    // The other language, after a reload, without starting a lab: the same marks.
    await page.goto(`${server.url}/zh-Hans/hello`);
    await page.locator('figure[data-step="exercise-1-check"][data-progress="passed"]').waitFor({ timeout: 10_000 });
    assert.equal(await step('step-files').getAttribute('data-progress'), 'ran');
    assert.equal(await step('step-load').getAttribute('data-progress'), null);

    // The front pages: continue at the last step run, on the page of their language.
    for (const [front, lesson] of [['/', '/hello'], ['/zh-Hans/', '/zh-Hans/hello']] as const) {
      await page.goto(`${server.url}${front}`);
      const go = page.locator('a[data-continue="hello"]');
      await go.waitFor({ timeout: 10_000 });
      assert.equal(await go.getAttribute('href'), `${lesson}#exercise-1-check`);
    }

    // Cleared: gone from the front page and from the steps.
    page.once('dialog', (d) => void d.accept());
    await page.locator('button:has-text("清除我的进度")').click();
    await page.locator('a[data-continue]').waitFor({ state: 'detached', timeout: 5000 });
    await page.goto(`${server.url}/hello`);
    await step('exercise-1-check').waitFor();
    assert.equal(await page.locator('figure[data-progress]').count(), 0);
  } finally {
    await context.close();
  }
});
