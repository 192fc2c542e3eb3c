// A lesson printed to PDF in Chromium, as a reader's "Print" or "Save as
// PDF" makes it (src/css/custom.css, @media print), read back with
// poppler: every page has something on it, the lesson's text is there and
// the site's screen-only parts are not, a dark-theme reader still gets white paper; and
// the Chinese pages are drawn with a CJK font (Debian's fonts-noto-cjk)
// on screen, not as boxes, and their text reads back from the PDF.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../../lab/paths.ts';
import { useBuiltSite } from '../helpers/built-site.ts';

const SCREENSHOTS = join(REPO_ROOT, 'test-results', 'screenshots');
const work = mkdtempSync(join(tmpdir(), 'uklab-print-'));
const web = useBuiltSite();

after(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A page of the site, in the theme given, printed to a PDF file. */
async function printed(path: string, theme: 'light' | 'dark'): Promise<{ pdf: string; title: string }> {
  const page = await web.browser.newPage();
  try {
    // Docusaurus keeps the reader's theme in localStorage under 'theme'.
    await page.addInitScript((t) => window.localStorage.setItem('theme', t), theme);
    await page.goto(new URL(path, web.site.url).href, { waitUntil: 'networkidle' });
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme);
    const title = (await page.locator('article h1').first().textContent()) ?? '';
    const pdf = join(work, `${path.replace(/\W+/g, '_')}-${theme}.pdf`);
    await page.pdf({ path: pdf, format: 'A4', margin: { top: '15mm', bottom: '15mm', left: '15mm', right: '15mm' } });
    // What only works on screen is not on paper: the menus, the terminal, the editor, buttons.
    await page.emulateMedia({ media: 'print' });
    const onPaper = await page.evaluate(() =>
      ['nav.navbar', '.theme-doc-sidebar-container', 'figure[data-lesson]', 'figure[data-editor-lesson]', 'figure[data-step] button']
        .filter((sel) => [...document.querySelectorAll(sel)].some((el) => el.getClientRects().length > 0)),
    );
    assert.deepEqual(onPaper, []);
    return { pdf, title };
  } finally {
    await page.close();
  }
}

/** Each page of a PDF rendered in grey at low resolution: how much of it is ink, and how bright it is. */
function pageInk(pdf: string): { ink: number; brightness: number }[] {
  const prefix = join(work, `${Date.now()}-${Math.random().toString(36).slice(2)}`);
  execFileSync('pdftoppm', ['-r', '24', '-gray', pdf, prefix]);
  const files = readdirSync(work)
    .filter((f) => join(work, f).startsWith(prefix) && f.endsWith('.pgm'))
    .sort();
  return files.map((f) => {
    // PGM (P5): a text header of magic, width, height and maximum, then one byte per pixel.
    const data = readFileSync(join(work, f));
    const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(data.subarray(0, 64).toString('latin1'));
    assert.ok(header, `${f} is a PGM`);
    const pixels = data.subarray(header[0].length);
    let ink = 0;
    let sum = 0;
    for (const p of pixels) {
      sum += p;
      if (p < 200) ink++;
    }
    return { ink: ink / pixels.length, brightness: sum / pixels.length / 255 };
  });
}

function pdfText(pdf: string): string {
  return execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
}

describe('a lesson printed to PDF', () => {
  for (const { path, theme } of [
    { path: '/ioctl', theme: 'light' as const },
    { path: '/ioctl', theme: 'dark' as const },
    { path: '/zh-Hans/signal', theme: 'light' as const },
  ]) {
    test(`${path}, ${theme} theme: every page has the lesson on it, on white paper`, { timeout: 60_000 }, async () => {
      const { pdf, title } = await printed(path, theme);
      const pages = pageInk(pdf);
      assert.ok(pages.length >= 3, `${pages.length} pages`);
      pages.forEach((p, i) => {
        assert.ok(p.ink > 0.005, `page ${i + 1} of ${pages.length} is blank: ${(p.ink * 100).toFixed(2)}% ink`);
        assert.ok(p.brightness > 0.8, `page ${i + 1} is dark (mean brightness ${p.brightness.toFixed(2)}): the print colours did not apply`);
      });
      assert.ok(pdfText(pdf).includes(title.trim()), `the PDF has the lesson's title "${title}"`);
    });
  }

  test('the Chinese lesson is drawn with a CJK font on screen, and its text is in the PDF', { timeout: 60_000 }, async () => {
    // In the PDF, Chromium embeds the CJK font's outlines as Type 3 fonts, without their names: the text is what can be read back.
    const { pdf } = await printed('/zh-Hans/signal', 'light');
    assert.match(pdfText(pdf), /内核/);

    const page: Page = await web.browser.newPage();
    try {
      await page.goto(new URL('/zh-Hans/signal', web.site.url).href, { waitUntil: 'networkidle' });
      const heading = page.locator('article h1').first();
      // Chromium says which fonts it drew a node's text with, and how many glyphs each drew.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('DOM.enable');
      await cdp.send('CSS.enable');
      const { root } = await cdp.send('DOM.getDocument');
      const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: 'article h1' });
      const { fonts: used } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
      const cjk = used.filter((f) => /CJK/.test(f.familyName) && f.glyphCount > 0);
      assert.ok(cjk.length > 0, `the heading "${await heading.textContent()}" was drawn with ${JSON.stringify(used)}`);
      mkdirSync(SCREENSHOTS, { recursive: true });
      writeFileSync(join(SCREENSHOTS, 'zh-Hans-signal-glyphs.png'), await page.screenshot({ clip: { x: 0, y: 0, width: 1280, height: 400 } }));
    } finally {
      await page.close();
    }
  });
});
