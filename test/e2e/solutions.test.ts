// The switch that hides the exercises' reference solutions, in Chromium:
// a syllabus link's ?solutions=hidden (for the rest of the visit, until the
// reader shows them), and a workshop's lab server started with
// hideSolutions, which the reader cannot undo.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { LabServer } from '../../lab/server/server.ts';
import { BUILT_SITE, useBuiltSite } from '../helpers/built-site.ts';
import { startTestServer } from '../server/client.ts';

const web = useBuiltSite();

const solutions = (page: Page) => page.locator('details[data-solution]');
const notices = (page: Page) => page.locator('[data-solution-hidden]');

/** Waits for the page's React to run (the client module sets data-solutions on <html>). */
async function hydrated(page: Page): Promise<void> {
  await page.locator('html[data-solutions]').waitFor({ state: 'attached' });
}

describe('hiding the solutions', () => {
  test('a link hides them on its page and the next, until the reader shows them', { timeout: 60_000 }, async () => {
    const page = await web.browser.newPage();
    try {
      await page.goto(new URL('/signal', web.site.url).href);
      await hydrated(page);
      const exercises = await solutions(page).count();
      assert.ok(exercises >= 3, `${exercises} solutions on /signal`);
      assert.equal(await notices(page).count(), 0);

      await page.goto(new URL('/signal?solutions=hidden', web.site.url).href);
      await hydrated(page);
      await notices(page).first().waitFor();
      assert.equal(await notices(page).count(), exercises, 'one line in place of each solution');
      assert.equal(await solutions(page).count(), 0);

      // A link inside the site, without the parameter: still hidden.
      await page.locator('nav a.menu__link[href="/mmap"]').first().click();
      await page.waitForURL(/\/mmap$/);
      await notices(page).first().waitFor();
      assert.equal(await solutions(page).count(), 0);

      await notices(page).first().getByRole('button').click();
      await solutions(page).first().waitFor();
      assert.equal(await notices(page).count(), 0);
      // and the reader's choice holds for the next page load
      await page.reload();
      await hydrated(page);
      assert.ok((await solutions(page).count()) > 0);
      assert.equal(await notices(page).count(), 0);
    } finally {
      await page.close();
    }
  });

  test('a workshop server hides them for every learner; a link cannot show them', { timeout: 60_000 }, async () => {
    let server: LabServer | undefined;
    const page = await web.browser.newPage();
    try {
      server = await startTestServer({ poolSize: 0 }, { siteRoot: BUILT_SITE, hideSolutions: true });
      await page.goto(`${server.url}/zh-Hans/ioctl?solutions=shown`);
      await notices(page).first().waitFor();
      assert.equal(await solutions(page).count(), 0);
      assert.match((await notices(page).first().textContent()) ?? '', /工作坊/);
      assert.equal(await notices(page).getByRole('button').count(), 0, 'no way to show them');
    } finally {
      await page.close();
      await server?.close();
    }
  });
});
