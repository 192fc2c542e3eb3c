// Debian's Chromium, headless, for the end-to-end tests (prepare-tests
// installs it; playwright-core drives it and downloads no browser).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), 'Debian chromium is installed (lab/setup/prepare-tests.ts)');
  return chromium.launch({
    executablePath: CHROMIUM,
    // No sandbox: the tests run as root. The rest keeps Chromium off the network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * The signal lesson's two terminals on an open page, whichever backend runs
 * them: start console 1 once console 0 is ready, then the steps' own Run
 * buttons in page order from loading the module (one types into the second
 * terminal, the next into the first), and see the signal arrive.
 */
export async function runSignalLesson(page: Page, startFirst: () => Promise<void>, checkSecond: (second: Locator) => Promise<void> = async () => undefined): Promise<void> {
  const [first, second] = [page.locator('figure[data-lesson="signal"]').nth(0), page.locator('figure[data-lesson="signal"]').nth(1)];
  await startFirst();
  await checkSecond(second);
  await second.locator('button.button--primary').click();
  await second.and(page.locator('[data-lab-state="ready"]')).waitFor({ timeout: 60_000 });
  await page.locator('#step-load button.button--primary').click();
  await first.locator('.xterm-rows').filter({ hasText: 'crw' }).waitFor({ timeout: 30_000 });
  await page.locator('figure[data-console="1"] button.button--primary').click();
  await second.locator('.xterm-rows').filter({ hasText: 'sleep 600' }).waitFor({ timeout: 30_000 });
  await page.locator('#step-signal-the-other button.button--primary').click();
  await second.locator('.xterm-rows').filter({ hasText: 'I/O possible' }).waitFor({ timeout: 30_000 });
  await first.locator('.xterm-rows').filter({ hasText: 'Asked the kernel to signal pid' }).waitFor({ timeout: 30_000 });
}
