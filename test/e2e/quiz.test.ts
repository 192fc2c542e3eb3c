// The lesson quiz (src/components/Quiz) in headless Chromium, on the built
// site served as static files, with the keyboard only: on an English and a
// Chinese lesson, Tab to the first question, pick a wrong choice with Space,
// Tab to Check and press Enter, and see the verdict announced in the live
// region and the explanation appear; then Shift+Tab back, an arrow key to
// the right choice, Check with Space, and see it announced as right. Which
// choice is right is read from the page's MDX, not written here.
// Then: the quiz without JavaScript (the answer in a <details>), and its
// text readable in the dark theme.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { REPO_ROOT } from '../../lab/paths.ts';
import { useBuiltSite } from '../helpers/built-site.ts';
import { readQuiz } from '../helpers/quiz-shape.ts';

const ZH_CODE = JSON.parse(readFileSync(join(REPO_ROOT, 'i18n/zh-Hans/code.json'), 'utf8')) as Record<string, { message: string }>;

const PAGES = [
  {
    locale: 'en',
    path: 'hello',
    mdx: join(REPO_ROOT, 'docs/hello.mdx'),
    incorrect: 'Not quite. The explanation below says why; try again.',
    correct: 'Correct.',
  },
  {
    locale: 'zh-Hans',
    path: 'zh-Hans/signal',
    mdx: join(REPO_ROOT, 'i18n/zh-Hans/docusaurus-plugin-content-docs/current/signal.mdx'),
    incorrect: ZH_CODE['quiz.verdict.incorrect']?.message ?? '(missing)',
    correct: ZH_CODE['quiz.verdict.correct']?.message ?? '(missing)',
  },
];

const web = useBuiltSite();

/** What has the keyboard focus, described well enough to assert on. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e) return 'nothing';
    if (e instanceof HTMLInputElement) return `${e.type} ${e.value}${e.checked ? ' checked' : ''} in ${e.closest('fieldset')?.id ?? '?'}`;
    return `${e.tagName.toLowerCase()} ${(e.textContent ?? '').trim()} in ${e.closest('fieldset')?.id ?? '?'}`;
  });
}

/** Opens a lesson with its quiz hydrated, the keyboard focus just before the first question. */
async function openQuiz(page: Page, path: string, id: string): Promise<Locator> {
  await page.goto(`${web.site.url}${path}`);
  const quiz = page.locator(`section[data-quiz="${id}"]`);
  // The Check buttons exist only once React has hydrated the page.
  await quiz.locator('fieldset').first().locator('button').waitFor({ timeout: 30_000 });
  // The starting point: the quiz heading's own anchor link, the last thing before the quiz to take focus.
  await page.locator('#quiz a.hash-link').focus();
  return quiz;
}

describe('answering a question with the keyboard only', () => {
  for (const p of PAGES) {
    test(`${p.locale}: /${p.path}, first question wrong, then right`, { timeout: 90_000 }, async () => {
      const shape = readQuiz(readFileSync(p.mdx, 'utf8'), p.mdx);
      const first = shape.questions[0];
      assert.ok(shape.id && first && !first.multiple, 'the page has a quiz whose first question takes one answer');
      const right = first.correct[0]!;
      const wrong = right === 0 ? 1 : 0;
      const qid = `${shape.id}-q1`;

      const page = await web.browser.newPage();
      try {
        const quiz = await openQuiz(page, p.path, shape.id);
        const question = quiz.locator(`fieldset#${qid}`);
        const status = question.locator('[role="status"]');
        const explanation = question.locator('[class*="explanation"]');
        assert.equal(await explanation.count(), 0, 'no explanation before the question is checked');
        assert.equal((await status.textContent())?.trim(), '', 'nothing announced yet');

        // Tab enters the radio group at its first choice; arrows move and pick.
        await page.keyboard.press('Tab');
        assert.equal(await focused(page), `radio 0 in ${qid}`);
        for (let i = 0; i < wrong; i++) await page.keyboard.press('ArrowDown');
        await page.keyboard.press('Space');
        assert.equal(await focused(page), `radio ${wrong} checked in ${qid}`);
        // Tab leaves the group for the Check button.
        await page.keyboard.press('Tab');
        assert.match(await focused(page), new RegExp(`^button .+ in ${qid}$`));
        await page.keyboard.press('Enter');

        await status.filter({ hasText: p.incorrect }).waitFor({ timeout: 5_000 });
        assert.equal(await question.getAttribute('data-verdict'), 'incorrect');
        await explanation.waitFor({ state: 'visible', timeout: 5_000 });
        assert.ok(((await explanation.textContent()) ?? '').trim().length > 20, 'the explanation has text');
        const marked = question.locator('li[data-mark="wrong"]');
        assert.equal(await marked.count(), 1, 'one choice is marked wrong');
        assert.equal(await marked.locator('input').getAttribute('value'), String(wrong), 'the pick is the one marked');
        assert.match((await marked.textContent()) ?? '', /\S\s*[(（]\S+[)）]$/, 'the mark has words, for screen readers');

        // Back into the group (to the checked choice), over to the right one, Check with Space.
        await page.keyboard.press('Shift+Tab');
        assert.equal(await focused(page), `radio ${wrong} checked in ${qid}`);
        const steps = right - wrong;
        for (let i = 0; i < Math.abs(steps); i++) await page.keyboard.press(steps > 0 ? 'ArrowDown' : 'ArrowUp');
        assert.equal(await focused(page), `radio ${right} checked in ${qid}`);
        // A new pick withdraws the old verdict.
        assert.equal(await question.getAttribute('data-verdict'), null);
        await page.keyboard.press('Tab');
        await page.keyboard.press('Space');

        await status.filter({ hasText: p.correct }).waitFor({ timeout: 5_000 });
        assert.equal((await status.textContent())?.trim(), p.correct);
        assert.equal(await question.getAttribute('data-verdict'), 'correct');
        assert.ok(await explanation.isVisible(), 'the explanation stays');
        assert.equal(await question.locator('li[data-mark="right"] input').getAttribute('value'), String(right));
        assert.equal(await quiz.locator('fieldset').count(), shape.questions.length, 'one fieldset per question');
      } finally {
        await page.close();
      }
    });
  }
});

test('without JavaScript, each question offers its answer and explanation in a <details>', { timeout: 60_000 }, async () => {
  const p = PAGES[0]!;
  const shape = readQuiz(readFileSync(p.mdx, 'utf8'), p.mdx);
  const context = await web.browser.newContext({ javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await page.goto(`${web.site.url}${p.path}`);
    const questions = page.locator(`section[data-quiz="${shape.id}"] fieldset`);
    assert.equal(await questions.count(), shape.questions.length);
    assert.equal(await questions.locator('button').count(), 0, 'no Check button that could not work');
    const first = questions.first();
    const answer = first.locator('details');
    assert.equal(await answer.getAttribute('open'), null);
    await first.locator('summary').focus();
    await page.keyboard.press('Enter');
    await answer.locator('p').first().waitFor({ state: 'visible' });
    const letter = String.fromCharCode(65 + shape.questions[0]!.correct[0]!);
    assert.match((await answer.locator('p').first().textContent()) ?? '', new RegExp(`\\b${letter}$`));
    // Native radios work without script, so a reader can still pick.
    await first.locator('input[type="radio"]').first().check();
  } finally {
    await context.close();
  }
});

/*
 * WCAG contrast ratio of an element's text against the nearest opaque
 * background behind it, computed in the page. A string, since the function
 * goes to the browser as text, and tsx would add helpers it does not have.
 */
const CONTRAST = `(el) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  let bg = 'rgb(255, 255, 255)';
  for (let e = el; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (c !== 'transparent' && !/, 0\\)$/.test(c)) { bg = c; break; }
  }
  const [a, b] = [lum(getComputedStyle(el).color), lum(bg)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}`;

function contrast(element: Locator): Promise<number> {
  // An indirect eval, in the page, of the function's text; called with the element.
  return element.evaluate((el, code) => (0, eval)(code)(el) as number, CONTRAST);
}

test('in the dark theme, the prompt, the choices, the verdict and the explanation are readable', { timeout: 60_000 }, async () => {
  const p = PAGES[0]!;
  const shape = readQuiz(readFileSync(p.mdx, 'utf8'), p.mdx);
  const page = await web.browser.newPage({ colorScheme: 'dark' });
  try {
    const quiz = await openQuiz(page, p.path, shape.id!);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    const question = quiz.locator('fieldset').first();
    // Right, so that the verdict is shown in its colour.
    await question.locator('input').nth(shape.questions[0]!.correct[0]!).check();
    await question.locator('button').click();
    await question.locator('[role="status"] span').waitFor();
    for (const [what, locator] of [
      ['prompt', question.locator('legend')],
      ['choice', question.locator('li label').first()],
      ['verdict', question.locator('[role="status"]')],
      ['explanation', question.locator('[class*="explanation"] p').first()],
    ] as const) {
      const ratio = await contrast(locator);
      assert.ok(ratio >= 4.5, `${what}: contrast ${ratio.toFixed(2)} is below 4.5:1`);
    }
  } finally {
    await page.close();
  }
});
