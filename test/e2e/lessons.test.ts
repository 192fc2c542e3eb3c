// Every lesson page, in both languages, in headless Chromium against the real
// server: start the page's lab, click the first Run button, and see the
// output the page promises appear in the terminal. Then a lesson page in the
// light and dark themes, as screenshots that must not be blank.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, runSignalLesson } from '../helpers/browser.ts';
import { REPO_ROOT } from '../../lab/paths.ts';
import type { LabServer } from '../../lab/server/server.ts';
import { extractSteps, normaliseTimestamps, type Step } from '../../site/steps.ts';
import { childQemuPids, waitGone } from '../helpers/processes.ts';
import { startTestServer } from '../server/client.ts';

const SITE = join(REPO_ROOT, 'build');
const SCREENSHOTS = join(REPO_ROOT, 'test-results', 'screenshots');
const LOCALES = [
  { name: 'en', prefix: '', docs: join(REPO_ROOT, 'docs') },
  { name: 'zh-Hans', prefix: '/zh-Hans', docs: join(REPO_ROOT, 'i18n/zh-Hans/docusaurus-plugin-content-docs/current') },
];

interface LessonPage {
  readonly slug: string;
  readonly lab: string;
  readonly first: Step;
}

/** Pages with a terminal and steps, read from the MDX the site was built from. */
function lessonPages(dir: string): LessonPage[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.mdx'))
    .sort()
    .flatMap((f) => {
      const mdx = readFileSync(join(dir, f), 'utf8');
      const slug = /^slug:\s*(\S+)\s*$/m.exec(mdx)?.[1];
      const { lab, steps } = extractSteps(mdx);
      const first = steps[0];
      return slug && lab && first ? [{ slug, lab, first }] : [];
    });
}

/** The text a terminal shows, rows joined: xterm.js renders each row as a div. */
function screenText(page: Page): Promise<string> {
  return page.locator('.xterm-rows').evaluate((rows) => [...rows.children].map((r) => r.textContent ?? '').join('\n'));
}

/*
 * Lines the step promises, in order, after its last command was typed.
 * Each line is matched up to its first `…` (the varying part) and a
 * timestamp is skipped, since the page's timestamp is not this boot's.
 */
function promisedLines(step: Step): string[] {
  return step.commands
    .flatMap((c) => normaliseTimestamps(c.output).split('\n'))
    .map((l) => l.replace(/^\[T\] /, '').split('…')[0]?.trimEnd() ?? '')
    .filter((l) => l !== '');
}

let server: LabServer;
let browser: Browser;

before(async () => {
  assert.ok(existsSync(join(SITE, 'zh-Hans')), 'the site is built for both locales (pretest)');
  // Tabs closed by this test linger for the grace period: a short one.
  server = await startTestServer({ poolSize: 1, maxSessions: 4, graceMs: 1000 }, { siteRoot: SITE });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

for (const locale of LOCALES) {
  describe(`lesson pages (${locale.name})`, () => {
    const pages = lessonPages(locale.docs);
    test('there are lesson pages to open', () => {
      assert.ok(pages.length >= 6, `found ${pages.map((p) => p.slug).join(', ')}`);
    });

    for (const lesson of pages) {
      test(`${locale.prefix}${lesson.slug}: start the lab, Run the first step, see its output`, { timeout: 120_000 }, async () => {
        const page = await browser.newPage();
        try {
          await page.goto(`${server.url}${locale.prefix}${lesson.slug}`);
          const lab = page.locator(`figure[data-lesson="${lesson.lab}"]`);
          // The Start button is the terminal's only primary button before it
          // starts; the first figure is the page's terminal (a second one may follow).
          await lab.first().locator('button.button--primary').click();
          await page.locator('figure[data-lab-state="ready"]').waitFor({ timeout: 60_000 });

          const run = page.locator('figure[data-step] button.button--primary').first();
          await run.click();
          const lastCommand = lesson.first.commands.at(-1)?.command ?? '';
          const lines = promisedLines(lesson.first);
          await page.waitForFunction(
            ({ command, lines }) => {
              const rows = document.querySelector('.xterm-rows');
              const text = rows ? [...rows.children].map((r) => r.textContent ?? '').join('\n') : '';
              const after = text.slice(text.lastIndexOf(command));
              let at = 0;
              for (const line of lines) {
                at = after.indexOf(line, at);
                if (at < 0) return false;
              }
              // and the shell is back at a prompt after the output
              return /lab:[^\n]*# \s*$/.test(after.trimEnd() + ' ');
            },
            { command: lastCommand, lines },
            { timeout: 30_000 },
          ).catch(async (e: unknown) => {
            throw new Error(`the terminal did not show ${JSON.stringify(lines)} after "${lastCommand}":\n${await screenText(page)}`, { cause: e });
          });
        } finally {
          await page.close();
        }
      });
    }
  });
}

test('the signal lesson: a second terminal into the same VM, signalled from the first', { timeout: 120_000 }, async () => {
  const page = await browser.newPage();
  try {
    await page.goto(`${server.url}/signal`);
    await runSignalLesson(page, async () => {
      const first = page.locator('figure[data-lesson="signal"]').nth(0);
      await first.locator('button.button--primary').click();
      await first.and(page.locator('[data-lab-state="ready"]')).waitFor({ timeout: 60_000 });
    });
  } finally {
    await page.close();
  }
});

/** Distinct colours and mean brightness of a PNG, measured by the browser's own decoder. */
async function pixels(page: Page, png: Buffer): Promise<{ colours: number; brightness: number }> {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2d canvas');
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, img.width, img.height).data;
    const colours = new Set<number>();
    let sum = 0;
    for (let i = 0; i < data.length; i += 4) {
      colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      sum += (data[i]! + data[i + 1]! + data[i + 2]!) / 3;
    }
    return { colours: colours.size, brightness: sum / (data.length / 4) };
  }, png.toString('base64'));
}

test('a lesson page in light and dark mode: screenshots that are not blank', { timeout: 60_000 }, async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const seen: Record<string, number> = {};
  for (const theme of ['light', 'dark'] as const) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      // Docusaurus keeps the reader's choice in localStorage; set it before the page loads.
      await page.addInitScript((t) => localStorage.setItem('theme', t), theme);
      await page.goto(`${server.url}/ioctl`);
      await page.locator('article h1').waitFor();
      assert.equal(await page.locator('html').getAttribute('data-theme'), theme);
      const png = await page.screenshot({ fullPage: false });
      writeFileSync(join(SCREENSHOTS, `ioctl-${theme}.png`), png);
      const { colours, brightness } = await pixels(page, png);
      assert.ok(colours > 50, `the ${theme} screenshot has ${colours} colours: blank?`);
      seen[theme] = brightness;
    } finally {
      await page.close();
    }
  }
  assert.ok((seen.dark ?? 255) < (seen.light ?? 0) - 50, `dark mode is darker: ${JSON.stringify(seen)}`);
});

test('leaves no QEMU process behind', async () => {
  await server.close();
  for (const pid of childQemuPids()) await waitGone(pid, 5000);
  assert.deepEqual(childQemuPids(), []);
});
