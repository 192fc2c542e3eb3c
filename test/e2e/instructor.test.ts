// The instructor's view in headless Chromium against the real server, with
// two learners' pages and the instructor's page open at once: the grid
// follows the learners' steps and checks, a watched terminal shows the
// learner's output and takes no input, a reset happens only when the learner
// allows it, a message reaches the class, and a learner without the
// instructor's token gets neither the page nor its socket.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { INSTRUCTOR_SOCKET_PATH } from '../../lab/instructor-protocol.ts';
import { REPO_ROOT } from '../../lab/paths.ts';
import type { LabServer } from '../../lab/server/server.ts';
import { launchChromium } from '../helpers/browser.ts';
import { startTestServer } from '../server/client.ts';

const SITE = join(REPO_ROOT, 'build');
const INSTRUCTOR = 'instructor-token-for-e2e-0002';

let server: LabServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

before(async () => {
  assert.ok(existsSync(join(SITE, 'instructor.html')), 'the site is built with the instructor page (pretest)');
  server = await startTestServer({ poolSize: 0, maxSessions: 3, graceMs: 1000 }, { siteRoot: SITE, instructorToken: INSTRUCTOR });
  browser = await launchChromium();
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  return context.newPage();
}

/** A learner on the hello lesson who gives `name` and starts the lab. */
async function learner(name: string): Promise<Page> {
  const page = await newPage();
  await page.goto(`${server.url}/hello`);
  const field = page.locator('input[name="learner-name"]');
  await field.fill(name);
  await field.blur();
  await page.locator('figure[data-lesson="hello"] button.button--primary').first().click();
  await page.locator('figure[data-lesson="hello"][data-lab-state="ready"]').waitFor({ timeout: 60_000 });
  return page;
}

test('two learners and the instructor: the grid, a read-only watch, a reset with consent, a message', { timeout: 240_000 }, async () => {
  const [ada, lin] = await Promise.all([learner('Ada'), learner('Lin')]);
  const adaTerminal = ada.locator('figure[data-lesson="hello"] .xterm-rows');

  // A learner cannot have the instructor's page, nor its socket (a second tab of Ada's browser).
  const adaTab = await ada.context().newPage();
  const refused = await adaTab.goto(`${server.url}/instructor`);
  assert.equal(refused?.status(), 403);
  await adaTab.locator('form[action="/instructor/login"]').waitFor();
  const socket = await adaTab.evaluate(
    (path) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://${location.host}${path}`);
        ws.onopen = () => resolve('open');
        ws.onerror = () => resolve('refused');
      }),
    INSTRUCTOR_SOCKET_PATH,
  );
  assert.equal(socket, 'refused');
  await adaTab.close();

  // The instructor logs in, and sees both learners by the names they gave.
  const teacher = await newPage();
  await teacher.goto(`${server.url}/instructor`);
  await teacher.locator('input[name="token"]').fill(INSTRUCTOR);
  await teacher.locator('form[action="/instructor/login"] button[type="submit"]').click();
  await teacher.locator('p[data-connection="open"]').waitFor({ timeout: 30_000 });
  const row = (name: string) => teacher.locator('tr[data-learner]', { has: teacher.locator(`[data-name]:text-is("${name}")`) });
  await row('Ada').and(teacher.locator('[data-vm="ready"]')).waitFor({ timeout: 10_000 });
  await row('Lin').and(teacher.locator('[data-vm="ready"]')).waitFor({ timeout: 10_000 });
  const cell = (name: string, col: string) => row(name).locator(`td[data-col="${col}"]`);
  // Sortable: by name, then the other way round.
  const names = async (): Promise<string[]> => teacher.locator('tr[data-learner] [data-name]').allTextContents();
  assert.deepEqual(await names(), ['Ada', 'Lin']);
  await teacher.locator('th[data-col="name"] button').click();
  await teacher.locator('th[data-col="name"][aria-sort="descending"]').waitFor({ timeout: 5000 });
  assert.deepEqual(await names(), ['Lin', 'Ada']);

  // Ada runs a step, then passes the lesson's check: the grid follows.
  const step = (anchor: string) => ada.locator(`figure[data-step="${anchor}"]`);
  await step('step-files').locator('button.button--primary').click();
  await cell('Ada', 'lastStep').filter({ hasText: 'step-files' }).waitFor({ timeout: 15_000 });
  assert.equal((await cell('Ada', 'stepsRun').textContent())?.trim(), '1');
  await ada.locator('details:has(figure[data-step="exercise-1-solution"]) > summary').click();
  await step('exercise-1-solution').locator('button.button--primary').click();
  await adaTerminal.filter({ hasText: 'hello, world' }).waitFor({ timeout: 30_000 });
  await step('exercise-1-check').locator('button.button--primary').click();
  await adaTerminal.filter({ hasText: 'PASS: hello is loaded' }).waitFor({ timeout: 30_000 });
  await cell('Ada', 'checksPassed').filter({ hasText: /^\s*1\s*$/ }).waitFor({ timeout: 15_000 });
  assert.equal((await cell('Ada', 'stepsRun').textContent())?.trim(), '3');
  assert.equal((await cell('Lin', 'stepsRun').textContent())?.trim(), '0', "Lin's row is Lin's");

  // Watching Ada: she is told; her output shows; what the instructor types goes nowhere.
  await row('Ada').locator('button[data-action="watch"]').click();
  const watch = teacher.locator('section[data-watch][data-watch-state="watching"]');
  await watch.waitFor({ timeout: 10_000 });
  await ada.locator('[data-instructor="watching"]').waitFor({ timeout: 10_000 });
  await ada.locator('figure[data-lesson="hello"] .xterm').click();
  await ada.keyboard.type('echo watched-$((6 * 7))\n');
  await watch.locator('.xterm-rows').filter({ hasText: 'watched-42' }).waitFor({ timeout: 15_000 });
  await watch.locator('.xterm').click();
  await teacher.keyboard.type('echo typed-by-the-instructor\n');
  await ada.keyboard.type('echo after-the-typing\n');
  await adaTerminal.filter({ hasText: 'after-the-typing' }).last().waitFor({ timeout: 15_000 });
  await watch.locator('.xterm-rows').filter({ hasText: 'after-the-typing' }).waitFor({ timeout: 15_000 });
  assert.doesNotMatch((await adaTerminal.textContent()) ?? '', /typed-by-the-instructor/, "the instructor's keys never reach Ada's VM");
  assert.doesNotMatch((await watch.locator('.xterm-rows').textContent()) ?? '', /typed-by-the-instructor/);
  await watch.locator('button[data-action="unwatch"]').click();
  await ada.locator('[data-instructor="watching"]').waitFor({ state: 'detached', timeout: 10_000 });

  // A reset: asked on the grid, nothing happens until Lin allows it, then a fresh VM.
  await lin.locator('figure[data-lesson="hello"] .xterm').click();
  await lin.keyboard.type('touch /tmp/mine && echo kept\n');
  await lin.locator('figure[data-lesson="hello"] .xterm-rows').filter({ hasText: 'kept' }).waitFor({ timeout: 15_000 });
  await row('Lin').locator('button[data-action="reset"]').click();
  const ask = lin.locator('[data-instructor="ask-reset"]');
  await ask.waitFor({ timeout: 10_000 });
  await row('Lin').locator('[data-reset-ask="asked"]').waitFor({ timeout: 10_000 });
  assert.equal(await lin.locator('figure[data-lesson="hello"]').getAttribute('data-lab-state'), 'ready', 'not reset before the answer');
  await ask.locator('button.button--primary').click();
  await lin.locator('figure[data-lesson="hello"][data-lab-state="booting"]').waitFor({ timeout: 10_000 });
  await lin.locator('figure[data-lesson="hello"][data-lab-state="ready"]').waitFor({ timeout: 60_000 });
  await row('Lin').locator('[data-reset-ask="allowed"]').waitFor({ timeout: 10_000 });
  await lin.locator('figure[data-lesson="hello"] .xterm').click();
  await lin.keyboard.type('ls /tmp/mine 2>/dev/null || echo fresh-vm\n');
  await lin.locator('figure[data-lesson="hello"] .xterm-rows').filter({ hasText: 'fresh-vm' }).waitFor({ timeout: 15_000 });

  // A message to the class.
  await teacher.locator('form[data-broadcast] textarea[name="message"]').fill('Break until 11:00');
  await teacher.locator('form[data-broadcast] button[type="submit"]').click();
  for (const page of [ada, lin]) {
    await page.locator('[data-instructor="message"]').filter({ hasText: 'Break until 11:00' }).waitFor({ timeout: 10_000 });
  }
  await teacher.locator('[data-notices]').filter({ hasText: 'message sent to 2 learners' }).waitFor({ timeout: 10_000 });
});
