// The mechanism diagrams (src/components/MechanismDiagram) on the built
// site, in both locales and both themes: each lesson page has its inline
// SVG with a title and a description in the page's language; every word
// fits inside its box and inside the picture; text and lines stand out
// from what is behind them in light and in dark mode; and the boxes of the
// lesson's own code name functions that the lesson's sources really have.
// Screenshots of every diagram land in test-results/screenshots.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../../lab/paths.ts';
import { useBuiltSite } from '../helpers/built-site.ts';

const SCREENSHOTS = join(REPO_ROOT, 'test-results', 'screenshots');

/** Each page, the diagram it shows, and the folders of its lesson's code under kernel/ (none: the overview). */
const LESSONS = [
  { slug: 'overview', mechanism: 'overview', labs: [] },
  { slug: 'syscall', mechanism: 'syscall', labs: ['syscall'] },
  { slug: 'signal', mechanism: 'signal', labs: ['signal'] },
  { slug: 'mmap', mechanism: 'mmap', labs: ['mmap'] },
  { slug: 'ioctl', mechanism: 'ioctl', labs: ['ioctl'] },
  { slug: 'netlink', mechanism: 'netlink', labs: ['netlink'] },
  { slug: 'procfs-sysfs', mechanism: 'procfs-sysfs', labs: ['procfs', 'sysfs'] },
] as const satisfies readonly { slug: string; mechanism: string; labs: readonly string[] }[];
const LOCALES = [
  { name: 'en', prefix: '' },
  { name: 'zh-Hans', prefix: 'zh-Hans/' },
] as const;
const THEMES = ['light', 'dark'] as const;

const web = useBuiltSite();

before(() => {
  mkdirSync(SCREENSHOTS, { recursive: true });
});

interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** What the test needs to know of one diagram, measured in the page. */
interface Measured {
  readonly count: number;
  readonly title: string;
  readonly desc: string;
  readonly viewBox: Rect;
  readonly texts: { text: string; box: Rect }[];
  readonly boxes: { kind: string; rect: Rect; text: Rect; words: string; code: string[] }[];
  /** Colours as the browser resolved them, rgb(…) or rgba(…). */
  readonly background: string;
  /** Each zone's fill and its opacity, laid over the background. */
  readonly zones: Record<string, { fill: string; opacity: number }>;
  /** A word's colour and what is right behind it: its box's fill, or a zone. */
  readonly textFill: { text: string; fill: string; box?: string; zone: string }[];
  readonly strokes: { what: string; stroke: string }[];
}

async function measure(page: Page, mechanism: string): Promise<Measured> {
  return page.evaluate((m) => {
    const figures = document.querySelectorAll(`figure[data-mechanism="${m}"]`);
    const figure = figures[0];
    const svg = figure?.querySelector('svg[role="img"]');
    if (!figure || !(svg instanceof SVGSVGElement)) throw new Error(`no svg[role=img] in figure[data-mechanism=${m}]`);
    // No named helper functions in here: tsx would wrap them in a __name() the page does not have.
    // The page's own background: the first opaque one from the figure up,
    // or the canvas's white (Infima's light theme leaves it transparent).
    let background = 'rgb(255, 255, 255)';
    for (let el: Element | null = figure; el; el = el.parentElement) {
      const bg = getComputedStyle(el).backgroundColor;
      if (!/rgba\(.*, 0\)$/.test(bg) && bg !== 'transparent') {
        background = bg;
        break;
      }
    }
    const labelled = (svg.getAttribute('aria-labelledby') ?? '').split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? '');
    const texts = [...svg.querySelectorAll('text')].map((t) => ({ text: t.textContent ?? '', box: DOMRect.fromRect(t.getBBox()).toJSON() as Rect }));
    const boxes = [...svg.querySelectorAll('g[data-box]')].map((g) => {
      const r = g.querySelector('rect') as SVGRectElement;
      const t = g.querySelector('text') as SVGTextElement;
      return {
        kind: g.getAttribute('data-box') ?? '',
        rect: DOMRect.fromRect(r.getBBox()).toJSON() as Rect,
        text: DOMRect.fromRect(t.getBBox()).toJSON() as Rect,
        words: t.textContent ?? '',
        code: [...t.querySelectorAll('tspan[data-code]')].map((s) => s.textContent ?? ''),
      };
    });
    const boundary = (svg.querySelector('[data-boundary]') as SVGLineElement).y1.baseVal.value;
    const zones = Object.fromEntries(
      [...svg.querySelectorAll('rect[data-zone]')].map((r) => [r.getAttribute('data-zone'), { fill: getComputedStyle(r).fill, opacity: Number(getComputedStyle(r).fillOpacity) }]),
    );
    const textFill = [...svg.querySelectorAll('tspan')].map((s) => {
      const g = s.closest('g[data-box]');
      const b = (s as SVGTSpanElement).getBBox();
      return {
        text: s.textContent ?? '',
        fill: getComputedStyle(s).fill,
        box: g ? getComputedStyle(g.querySelector('rect') as Element).fill : undefined,
        zone: b.y + b.height / 2 < boundary ? 'user' : 'kernel',
      };
    });
    const strokes = [
      ...[...svg.querySelectorAll('[data-boundary]')].map((l) => ({ what: 'the boundary', stroke: getComputedStyle(l).stroke })),
      ...[...svg.querySelectorAll('path[data-arrow]')].map((p) => ({ what: `a ${p.getAttribute('data-arrow')} arrow`, stroke: getComputedStyle(p).stroke })),
    ];
    return {
      count: figures.length,
      title: labelled[0] ?? '',
      desc: labelled[1] ?? '',
      viewBox: { x: svg.viewBox.baseVal.x, y: svg.viewBox.baseVal.y, width: svg.viewBox.baseVal.width, height: svg.viewBox.baseVal.height },
      texts,
      boxes,
      background,
      zones,
      textFill,
      strokes,
    };
  }, mechanism);
}

function rgb(c: string): [number, number, number] {
  const [r, g, b] = (c.match(/[\d.]+/g) ?? []).map(Number);
  assert.ok(r !== undefined && g !== undefined && b !== undefined, `a colour: ${c}`);
  return [r, g, b];
}

/** A colour laid over another with the given opacity, as rgb(). */
function over(top: string, opacity: number, under: string): string {
  const [a, b] = [rgb(top), rgb(under)];
  return `rgb(${a.map((v, i) => Math.round(opacity * v + (1 - opacity) * b[i]!)).join(', ')})`;
}

/** WCAG's contrast ratio of two colours given as rgb()/rgba() (alpha ignored: all are opaque here but the zones). */
function contrast(a: string, b: string): number {
  const lum = (c: string): number => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    assert.ok(r !== undefined && g !== undefined && bl !== undefined, `a colour: ${c}`);
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

function inside(inner: Rect, outer: Rect, slack = 0.5): boolean {
  return (
    inner.x >= outer.x - slack &&
    inner.y >= outer.y - slack &&
    inner.x + inner.width <= outer.x + outer.width + slack &&
    inner.y + inner.height <= outer.y + outer.height + slack
  );
}

/** Every name the lesson's C sources mention, for checking the boxes of its own code. */
function sourceText(labs: readonly string[]): string {
  return labs
    .flatMap((lab) => {
      const dir = join(REPO_ROOT, 'kernel', lab);
      return readdirSync(dir)
        .filter((f) => /\.[ch]$/.test(f))
        .map((f) => readFileSync(join(dir, f), 'utf8'));
    })
    .join('\n');
}

const titles = new Map<string, string>();

for (const locale of LOCALES) {
  describe(`mechanism diagrams (${locale.name})`, () => {
    for (const lesson of LESSONS) {
      test(`/${locale.prefix}${lesson.slug}: the ${lesson.mechanism} diagram reads in light and dark mode`, { timeout: 60_000 }, async () => {
        for (const theme of THEMES) {
          const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
          try {
            await page.addInitScript((t) => localStorage.setItem('theme', t), theme);
            await page.goto(new URL(`${locale.prefix}${lesson.slug}`, web.site.url).href, { waitUntil: 'networkidle' });
            assert.equal(await page.locator('html').getAttribute('data-theme'), theme);
            const d = await measure(page, lesson.mechanism);
            const where = `${locale.name} /${lesson.slug} (${theme})`;

            assert.equal(d.count, 1, `${where}: one ${lesson.mechanism} diagram`);
            assert.ok(d.title.length > 4 && d.desc.length > 100, `${where}: a title and a description: ${JSON.stringify([d.title, d.desc])}`);
            const cjk = /[\u4e00-\u9fff]/;
            assert.equal(cjk.test(d.title) && cjk.test(d.desc), locale.name === 'zh-Hans', `${where}: title and description in the page's language`);
            const other = titles.get(`${lesson.slug}/${theme}`);
            if (other !== undefined) assert.notEqual(d.title, other, `${where}: the title is translated`);
            titles.set(`${lesson.slug}/${theme}`, d.title);

            // Every word inside the picture, and every box's words inside the box.
            assert.ok(d.texts.length >= 8, `${where}: words in the diagram (${d.texts.length})`);
            for (const t of d.texts) assert.ok(inside(t.box, d.viewBox), `${where}: "${t.text}" lies inside the picture: ${JSON.stringify(t.box)}`);
            assert.ok(d.boxes.length >= 5, `${where}: boxes (${d.boxes.length})`);
            for (const b of d.boxes) assert.ok(inside(b.text, b.rect), `${where}: "${b.words}" fits its box: text ${JSON.stringify(b.text)}, box ${JSON.stringify(b.rect)}`);

            // Legible on what is behind it, in this theme.
            for (const t of d.textFill) {
              const zone = d.zones[t.zone];
              assert.ok(zone, `${where}: a ${t.zone} zone`);
              const behind = t.box ?? over(zone.fill, zone.opacity, d.background);
              const c = contrast(t.fill, behind);
              assert.ok(c >= 4.5, `${where}: "${t.text}" (${t.fill} on ${behind}) has contrast ${c.toFixed(2)}`);
            }
            assert.ok(d.strokes.some((s) => s.what === 'the boundary'), `${where}: a boundary line`);
            // Lines are graphics: 3:1 against either zone (WCAG 1.4.11).
            for (const s of d.strokes) {
              for (const [name, zone] of Object.entries(d.zones)) {
                const behind = over(zone.fill, zone.opacity, d.background);
                const c = contrast(s.stroke, behind);
                assert.ok(c >= 3, `${where}: ${s.what} (${s.stroke} on the ${name} zone, ${behind}) has contrast ${c.toFixed(2)}`);
              }
            }

            // The lesson's own boxes name functions its sources have.
            if (lesson.labs.length > 0) {
              const sources = sourceText(lesson.labs);
              const own = d.boxes.filter((b) => b.kind === 'own');
              assert.ok(own.length >= 2, `${where}: boxes of the lesson's own code`);
              const calls = own.flatMap((b) => b.code.flatMap((c) => [...c.matchAll(/\b([A-Za-z_]\w*)\(/g)].map((m) => m[1] ?? '')));
              assert.ok(calls.length >= 2, `${where}: the lesson's boxes name functions: ${JSON.stringify(own.map((b) => b.words))}`);
              for (const name of calls) assert.match(sources, new RegExp(`\\b${name}\\(`), `${where}: ${name}() is in kernel/${lesson.labs.join(', kernel/')}`);
            }

            const png = await page.locator(`figure[data-mechanism="${lesson.mechanism}"]`).screenshot();
            writeFileSync(join(SCREENSHOTS, `diagram-${lesson.mechanism}-${locale.name}-${theme}.png`), png);
          } finally {
            await page.close();
          }
        }
      });
    }
  });
}
