// The built site (build/, both locales) on a static host and Debian's
// Chromium, opened once for the tests of one file: what the e2e tests of
// the site's own parts (quiz, diagrams, print, solutions) start from.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Browser } from 'playwright-core';
import { REPO_ROOT } from '../../lab/paths.ts';
import { launchChromium } from './browser.ts';
import { serveStatic, type StaticSite } from './static-site.ts';

export const BUILT_SITE = join(REPO_ROOT, 'build');

export interface BuiltSite {
  readonly site: StaticSite;
  readonly browser: Browser;
}

/** Registers the file's before and after; the fields are there once `before` has run. */
export function useBuiltSite(): BuiltSite {
  const web = {} as { site: StaticSite; browser: Browser };
  before(async () => {
    assert.ok(existsSync(join(BUILT_SITE, 'zh-Hans')), 'the site is built for both locales (pretest)');
    web.site = await serveStatic(BUILT_SITE);
    web.browser = await launchChromium();
  });
  after(async () => {
    await web.browser?.close();
    await web.site?.close();
  });
  return web;
}
