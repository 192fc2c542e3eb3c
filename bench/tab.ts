// The lab in the reader's tab (issue 11): v86 under Node for what the
// emulator itself costs (a cold boot, a restore), and the real page in
// headless Debian Chromium, served by a static file server with no lab
// server, for what a reader waits for and downloads.
import type { Page, Request } from 'playwright-core';
import { readTabState, type TabLab } from '../lab/builder/tab-lab.ts';
import { nodeTabMachine } from '../lab/tab/node-emulator.ts';
import { TabVM } from '../lab/tab/tab-vm.ts';
import { PROMPT_AT_END } from '../lab/vm/console.ts';
import { SITE_ROOT, ensureSite } from '../lab/builder/site.ts';
import { launchChromium } from '../test/helpers/browser.ts';
import { serveStatic } from '../test/helpers/static-site.ts';
import { median, percentile, type Row } from './table.ts';

const RUNS = Number(process.env.BENCH_TAB_RUNS ?? 10);
const PAGE = 'ioctl';
const ms = (n: number): string => `${n.toFixed(0)} ms`;
const mib = (n: number): string => `${(n / 1048576).toFixed(2)} MiB`;
const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;

/** Cold boot to the first prompt, in v86 under Node: what a reader waits for without the saved state. */
async function coldBoot(lab: TabLab): Promise<number> {
  const t = performance.now();
  const machine = await nodeTabMachine({ kind: 'cold', kernel: lab.kernel.bzImage, initrd: lab.image.initramfs });
  const vm = new TabVM(machine);
  try {
    await machine.snapshotReady();
    await vm.enter('ioctl');
    return performance.now() - t;
  } finally {
    await vm.stop();
  }
}

/**
 * Keystroke to echo byte in v86 under Node, idle and with the guest busy in
 * a loop: what the guest and the emulator take, without a browser's frames.
 */
async function nodeEchoes(state: Buffer): Promise<{ idle: number[]; busy: number[] }> {
  const machine = await nodeTabMachine({ kind: 'state', state });
  const vm = new TabVM(machine);
  let echoed = 0;
  const off = machine.on((e) => {
    if (e.type === 'output' && e.console === 0) echoed += e.data.length;
  });
  const times = async (): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < 40; i++) {
      const before = echoed;
      const t = performance.now();
      machine.input(0, String.fromCharCode(97 + (i % 26)));
      while (echoed === before) await new Promise((r) => setImmediate(r));
      out.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20 + ((i * 37) % 41)));
    }
    machine.input(0, '\x15');
    return out;
  };
  try {
    await vm.enter('ioctl');
    const idle = await times();
    machine.input(0, 'while :; do :; done &\n');
    await new Promise((r) => setTimeout(r, 1000));
    return { idle, busy: await times() };
  } finally {
    off();
    await vm.stop();
  }
}

/** Restore into a fresh emulator to the first command's answer, in Node. */
async function restore(lab: TabLab, state: Buffer): Promise<number> {
  const t = performance.now();
  const vm = new TabVM(await nodeTabMachine({ kind: 'state', state }));
  try {
    await vm.enter('ioctl');
    await vm.exec('true');
    return performance.now() - t;
  } finally {
    await vm.stop();
  }
}

/** Bytes of each kind the page has fetched so far (Resource Timing, transfer sizes as the browser counts them). */
function fetched(page: Page): Promise<{ url: string; type: string; bytes: number; transfer: number }[]> {
  return page.evaluate(() =>
    performance.getEntriesByType('resource').map((e) => {
      const r = e as PerformanceResourceTiming;
      return { url: r.name, type: r.initiatorType, bytes: r.decodedBodySize, transfer: r.transferSize };
    }),
  );
}

/** Marks, inside the page, the click on Start and the first prompt in the terminal. */
async function watchStart(page: Page): Promise<void> {
  await page.evaluate((prompt) => {
    const w = window as unknown as { clickAt?: number; promptAt?: number };
    const re = new RegExp(prompt);
    document.querySelector('figure[data-lesson] button.button--primary')?.addEventListener('click', () => (w.clickAt = performance.now()), { capture: true });
    new MutationObserver(() => {
      if (w.promptAt === undefined && re.test((document.querySelector('.xterm-rows')?.textContent ?? '').trimEnd() + ' ')) w.promptAt = performance.now();
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  }, PROMPT_AT_END.source.replace(/\(\?:\\x1b\\\[6n\)\?/, ''));
}

async function startToPrompt(page: Page): Promise<number> {
  await watchStart(page);
  await page.locator('figure[data-lesson] button.button--primary').click();
  await page.waitForFunction(() => (window as unknown as { promptAt?: number }).promptAt !== undefined, undefined, { timeout: 60_000 });
  return page.evaluate(() => {
    const w = window as unknown as { clickAt: number; promptAt: number };
    return w.promptAt - w.clickAt;
  });
}

/**
 * Keystroke to echo on screen, timed inside the page: from the key event's
 * own time stamp to the terminal's rows showing the change, one key at a
 * time, so neither the driver's round trips nor a late frame of an earlier
 * key are counted.
 */
async function echoTimes(page: Page, n: number): Promise<number[]> {
  await page.evaluate(() => {
    const w = window as unknown as { echoes: number[]; watching?: boolean };
    w.echoes = [];
    const rows = document.querySelector('.xterm-rows');
    if (w.watching) return;
    if (!rows) throw new Error('no terminal on the page');
    w.watching = true;
    let pending: { at: number; text: string } | undefined;
    document.querySelector('.xterm-helper-textarea')?.addEventListener('keydown', (e) => (pending = { at: e.timeStamp, text: rows.textContent ?? '' }), { capture: true });
    new MutationObserver(() => {
      if (pending && rows.textContent !== pending.text) {
        w.echoes.push(performance.now() - pending.at);
        pending = undefined;
      }
    }).observe(rows, { subtree: true, childList: true, characterData: true });
  });
  for (let i = 0; i < n; i++) {
    await page.keyboard.type(String.fromCharCode(97 + (i % 26)));
    await page.waitForFunction((k) => (window as unknown as { echoes: number[] }).echoes.length > k, i, { timeout: 10_000 });
    // Keys at uneven times, as typed, not in step with the frames.
    await new Promise((r) => setTimeout(r, 20 + ((i * 37) % 41)));
  }
  await page.keyboard.press('Control+U');
  return page.evaluate(() => (window as unknown as { echoes: number[] }).echoes);
}

export async function benchTab(lab: TabLab): Promise<Row[]> {
  const rows: Row[] = [];
  const state = readTabState(lab);
  const colds: number[] = [];
  const restores: number[] = [];
  for (let i = 0; i < Math.max(3, RUNS / 2); i++) {
    colds.push(await coldBoot(lab));
    restores.push(await restore(lab, state));
  }
  rows.push({ what: 'v86 in Node: cold boot to a prompt, median', value: ms(median(colds)), target: '≤ 2000 ms', ok: median(colds) <= 2000 });
  rows.push({ what: 'v86 in Node: restore to the first answer, median', value: ms(median(restores)) });
  const echoes = await nodeEchoes(state);
  rows.push({ what: 'v86 in Node: keystroke to echo byte p95, idle / busy guest', value: `${percentile(echoes.idle, 95).toFixed(1)} / ${percentile(echoes.busy, 95).toFixed(1)} ms` });
  rows.push({ what: 'saved state: unpacked → gzip -9', value: `${mib(lab.manifest.state.unpacked)} → ${mib(lab.manifest.state.bytes)}` });

  // The page needs the built site, with this tab lab's files in it.
  if (!ensureSite()) throw new Error('bench tab: the site did not build (npx docusaurus build says why)');
  const server = await serveStatic(SITE_ROOT);
  const browser = await launchChromium();
  try {
    // First visit: an empty cache, from opening the page to the prompt.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}${PAGE}`, { waitUntil: 'networkidle' });
    const beforeStart = await fetched(page);
    const jsBefore = beforeStart.filter((r) => r.type === 'script').reduce((a, r) => a + r.bytes, 0);
    // Counted from the network, not the page's Resource Timing: the saved
    // machine is fetched by a worker (download.ts), whose timing the page
    // does not see.
    const sizes: Promise<number>[] = [];
    const count = (r: Request): number => sizes.push(r.sizes().then((z) => z.responseHeadersSize + z.responseBodySize));
    context.on('requestfinished', count);
    const first = await startToPrompt(page);
    context.off('requestfinished', count);
    const downloaded = (await Promise.all(sizes)).reduce((a, n) => a + n, 0);
    rows.push({ what: 'first visit: bytes fetched from Start to a prompt', value: mib(downloaded), target: '≤ 4 MiB', ok: downloaded <= 4 * 1048576 });
    rows.push({ what: 'first visit: Start → prompt (local server, empty cache)', value: ms(first) });
    rows.push({ what: 'JavaScript a lesson page loads before Start', value: kib(jsBefore) });

    // Warm HTTP cache: the same context, the page opened again.
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await page.goto(`${server.url}${PAGE}`, { waitUntil: 'networkidle' });
      warm.push(await startToPrompt(page));
    }
    rows.push({ what: `Start → prompt, warm HTTP cache, median of ${RUNS}`, value: ms(median(warm)), target: '≤ 400 ms', ok: median(warm) <= 400 });

    const idle = await echoTimes(page, 30);
    rows.push({ what: 'keystroke echo p95, idle guest', value: ms(percentile(idle, 95)), target: '≤ 30 ms', ok: percentile(idle, 95) <= 30 });
    await page.keyboard.type('while :; do :; done &\n');
    await new Promise((r) => setTimeout(r, 500));
    const busy = await echoTimes(page, 30);
    rows.push({ what: 'keystroke echo p95, guest busy in a loop', value: ms(percentile(busy, 95)), target: '≤ 30 ms', ok: percentile(busy, 95) <= 30 });
    await context.close();
  } finally {
    await browser.close();
    await server.close();
  }
  return rows;
}
