// The quiz's grading (src/components/Quiz/grade.ts): what counts as right,
// partly right and wrong, and which questions are refused outright (they
// fail the page's build, since the component builds its key while rendering).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { answerKey, choiceLetter, grade, tally } from '../../src/components/Quiz/grade.ts';

test('a single-choice question: the right choice is correct, any other incorrect, none unanswered', () => {
  const key = answerKey([false, true, false, false]);
  assert.deepEqual(key, { correct: [1], choices: 4, multiple: false });
  assert.deepEqual(grade(key, [1]), { verdict: 'correct', wrong: [], missed: [] });
  assert.deepEqual(grade(key, [2]), { verdict: 'incorrect', wrong: [2], missed: [1] });
  assert.deepEqual(grade(key, [0]), { verdict: 'incorrect', wrong: [0], missed: [1] });
  assert.equal(grade(key, []).verdict, 'unanswered');
});

test('picks that are no choice of the question are ignored, and two picks in a single-choice question are refused', () => {
  const key = answerKey([true, false]);
  assert.equal(grade(key, [7, -1, Number.NaN]).verdict, 'unanswered');
  assert.equal(grade(key, [0, 9]).verdict, 'correct');
  assert.deepEqual(grade(key, [0, 0]), { verdict: 'correct', wrong: [], missed: [] }, 'a pick counted twice is one pick');
  assert.throws(() => grade(key, [0, 1]), /several answers/);
});

test('select all that apply: all right picks are correct, some are partial, any wrong pick is incorrect', () => {
  const key = answerKey([true, false, true, false], true);
  assert.deepEqual(grade(key, [2, 0]), { verdict: 'correct', wrong: [], missed: [] });
  assert.deepEqual(grade(key, [0]), { verdict: 'partial', wrong: [], missed: [2] });
  assert.deepEqual(grade(key, [0, 2, 3]), { verdict: 'incorrect', wrong: [3], missed: [] });
  assert.deepEqual(grade(key, [3, 1]), { verdict: 'incorrect', wrong: [1, 3], missed: [0, 2] });
  // One right answer is allowed in a multi-select question too.
  assert.equal(grade(answerKey([false, true], true), [1]).verdict, 'correct');
});

test('a question no reader could get right is refused', () => {
  assert.throws(() => answerKey([false, false, false]), /marked correct/);
  assert.throws(() => answerKey([true, false, true]), /2 choices marked correct/);
  assert.throws(() => answerKey([true]), /at least two choices/);
  assert.throws(() => answerKey([], true), /at least two choices/);
  assert.doesNotThrow(() => answerKey([true, false, true], true));
});

test('the tally counts checked questions and those whose last check was right', () => {
  assert.deepEqual(tally([undefined, undefined, undefined]), { checked: 0, correct: 0, total: 3 });
  assert.deepEqual(tally(['correct', 'incorrect', undefined, 'partial', 'unanswered']), { checked: 3, correct: 1, total: 5 });
});

test('choices are lettered A, B, C…', () => {
  assert.deepEqual([0, 1, 2, 25].map(choiceLetter), ['A', 'B', 'C', 'Z']);
  assert.throws(() => choiceLetter(26), RangeError);
  assert.throws(() => choiceLetter(-1), RangeError);
});

test('grade.ts spreads nothing into an array: the site\'s Babel (loose mode) turns `[...set]` into `[].concat(set)`', () => {
  // Found by test/e2e/quiz.test.ts: in the browser every answer was "wrong",
  // its wrong picks being [Set]. Node runs the source as written, so only this
  // guards the unit-tested module against it.
  const source = readFileSync(new URL('../../src/components/Quiz/grade.ts', import.meta.url), 'utf8').replace(/\/\/.*$/gm, '');
  assert.doesNotMatch(source, /\[\s*\.\.\./);
});
