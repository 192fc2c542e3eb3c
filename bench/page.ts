// What a lesson page costs the reader's browser (issue 4: the page stays
// light until the lab starts). Headless Debian Chromium on the built site,
// served by the lab server: the JavaScript a lesson page loads, then what
// "Start lab" adds (xterm.js, its fit addon and CSS), and the time from the
// click to a prompt on screen.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import type { Lab } from '../lab/build/lab.ts';
import { SITE_ROOT } from '../lab/build/site.ts';
import { defaultLimits } from '../lab/server/limits.ts';
import { startLabServer } from '../lab/server/server.ts';
import type { Row } from './table.ts';

const CHROMIUM = '/usr/bin/chromium';
const PAGE = '/ioctl';

/** Decoded bytes of every script response from now on, by URL. */
function scriptBytes(page: Page): Map<string, number> {
  const sizes = new Map<string, number>();
  page.on('response', (r) => {
    if (r.request().resourceType() !== 'script') return;
    void r.body().then(
      (b) => sizes.set(r.url(), b.length),
      () => undefined,
    );
  });
  return sizes;
}

const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;
const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

export async function benchPage(lab: Lab): Promise<Row[]> {
  if (!existsSync(join(SITE_ROOT, 'index.html'))) throw new Error('bench page: build the site first (npm run build)');
  if (!existsSync(CHROMIUM)) throw new Error(`bench page: ${CHROMIUM} is missing (apt-get install chromium)`);
  const server = await startLabServer({
    lab,
    host: '127.0.0.1',
    port: 0,
    limits: { ...defaultLimits(), poolSize: 1, maxSessions: 2, graceMs: 0 },
    siteRoot: SITE_ROOT,
    log: () => undefined,
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    const scripts = scriptBytes(page);
    await page.goto(`${server.url}${PAGE}`, { waitUntil: 'networkidle' });
    const before = new Map(scripts);
    while (server.pool.stats.idle < 1) await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    await page.locator('figure[data-lesson] button.button--primary').click();
    await page.waitForFunction(() => /lab:\S*# /.test(document.querySelector('.xterm-rows')?.textContent ?? ''));
    const clickToPrompt = performance.now() - t0;
    await page.waitForLoadState('networkidle');
    const added = [...scripts].filter(([url]) => !before.has(url));
    return [
      { what: `lesson page (${PAGE}): JavaScript loaded before "Start lab" (${before.size} files, uncompressed)`, value: kib(sum(before)) },
      { what: `"Start lab" then loads (${added.length} files: xterm.js, fit addon)`, value: kib(added.reduce((a, [, n]) => a + n, 0)) },
      { what: 'click "Start lab" to a prompt on screen, warm pool, in Chromium', value: `${clickToPrompt.toFixed(0)} ms`, target: '<= 300 ms', ok: clickToPrompt <= 300 },
    ];
  } finally {
    await browser.close();
    await server.close();
  }
}
