// Debian's Chromium, headless, for the end-to-end tests (prepare-tests
// installs it; playwright-core drives it and downloads no browser).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), 'Debian chromium is installed (lab/setup/prepare-tests.ts)');
  return chromium.launch({
    executablePath: CHROMIUM,
    // No sandbox: the tests run as root. The rest keeps Chromium off the network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
