// What a lesson page costs the reader's browser (issue 4: the page stays
// light until the lab starts). Headless Debian Chromium on the built site,
// served by the lab server: the JavaScript a lesson page loads, then what
// "Start lab" adds (xterm.js, its fit addon and CSS), and the time from the
// click to a prompt on screen.
import type { Page } from 'playwright-core';
import type { Lab } from '../lab/builder/lab.ts';
import { SITE_ROOT, ensureSite } from '../lab/builder/site.ts';
import { defaultLimits } from '../lab/server/limits.ts';
import { startLabServer } from '../lab/server/server.ts';
import { launchChromium } from '../test/helpers/browser.ts';
import { median, type Row } from './table.ts';

const PAGE = '/ioctl';
const RUNS = Number(process.env.BENCH_PAGE_RUNS ?? 5);

/** Scripts the page has loaded so far, from its own Resource Timing entries. */
function scripts(page: Page): Promise<{ url: string; bytes: number }[]> {
  return page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((e) => (e as PerformanceResourceTiming).initiatorType === 'script')
      .map((e) => ({ url: e.name, bytes: (e as PerformanceResourceTiming).decodedBodySize })),
  );
}

const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;
const sum = (xs: { bytes: number }[]): number => xs.reduce((a, x) => a + x.bytes, 0);

export async function benchPage(lab: Lab): Promise<Row[]> {
  if (!ensureSite()) throw new Error('bench page: the site did not build (npx docusaurus build says why)');
  const server = await startLabServer({
    lab,
    host: '127.0.0.1',
    port: 0,
    limits: { ...defaultLimits(), poolSize: 1, maxSessions: 4, graceMs: 0 },
    siteRoot: SITE_ROOT,
    log: () => undefined,
  });
  const browser = await launchChromium();
  try {
    const times: number[] = [];
    const hovered: number[] = [];
    let weights: Row[] = [];
    for (let run = 0; run < 2 * RUNS; run++) {
      // Every other run the pointer rests on the button first, as a reader's
      // does before a click: xterm.js is fetched on that intent.
      const hover = run % 2 === 1;
      // A new context each time: an empty cache, as for a learner's first click.
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${server.url}${PAGE}`, { waitUntil: 'networkidle' });
      const before = await scripts(page);
      // The last run's session gone and a booted VM waiting: a warm server.
      while (server.registry.size > 0 || server.pool.stats.idle < 1) await new Promise((r) => setTimeout(r, 100));
      // Timed inside the page, from the click event to the prompt in the
      // terminal's rows, so the driver's own overhead is not counted.
      await page.evaluate(() => {
        const w = window as unknown as { clickAt?: number; promptAt?: number };
        const button = document.querySelector('figure[data-lesson] button.button--primary');
        button?.addEventListener('click', () => (w.clickAt = performance.now()), { capture: true });
        new MutationObserver(() => {
          if (w.promptAt === undefined && /lab:\S*# /.test(document.querySelector('.xterm-rows')?.textContent ?? '')) w.promptAt = performance.now();
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      });
      const start = page.locator('figure[data-lesson] button.button--primary');
      if (hover) {
        await start.hover();
        await new Promise((r) => setTimeout(r, 300));
      }
      await start.click();
      await page.waitForFunction(() => (window as unknown as { promptAt?: number }).promptAt !== undefined);
      (hover ? hovered : times).push(
        await page.evaluate(() => {
          const w = window as unknown as { clickAt: number; promptAt: number };
          return w.promptAt - w.clickAt;
        }),
      );
      await page.waitForLoadState('networkidle');
      const seen = new Set(before.map((s) => s.url));
      const added = (await scripts(page)).filter((s) => !seen.has(s.url));
      weights = [
        { what: `lesson page (${PAGE}): JavaScript loaded before "Start lab" (${before.length} files, uncompressed)`, value: kib(sum(before)) },
        { what: `"Start lab" then loads (${added.length} files: xterm.js, its fit addon)`, value: kib(sum(added)) },
      ];
      await context.close();
    }
    // Browser, server and VMs share this machine's two cores here; at a
    // workshop the browser runs on the learner's own computer.
    const row = (label: string, xs: number[]): Row => ({
      what: `click "Start lab" to a prompt on screen, warm pool, ${label} (median of ${xs.length}; max ${Math.max(...xs).toFixed(0)})`,
      value: `${median(xs).toFixed(0)} ms`,
      target: '<= 300 ms',
      ok: median(xs) <= 300,
    });
    return [...weights, row('pointer on the button 300 ms first', hovered), row('no hover (keyboard, touch)', times)];
  } finally {
    await browser.close();
    await server.close();
  }
}
