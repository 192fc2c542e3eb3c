/*
 * Grading for <Quiz> (index.tsx), kept free of React so that it can be
 * tested on its own (test/components/quiz.test.ts) and so that a page whose
 * quiz is malformed fails the site's build, where the page is rendered, not
 * in a reader's browser.
 */

/** Which choices of a question are right, by position (0-based), and how many may be picked. */
export interface AnswerKey {
  readonly correct: readonly number[];
  readonly choices: number;
  /** "Select all that apply": checkboxes, and every right choice must be picked. */
  readonly multiple: boolean;
}

/**
 * - `unanswered`: nothing picked, so nothing to grade;
 * - `correct`: exactly the right choices picked;
 * - `partial` (multi-select only): no wrong choice, but some right one missing;
 * - `incorrect`: a wrong choice picked.
 */
export type Verdict = 'unanswered' | 'correct' | 'partial' | 'incorrect';

export interface Grade {
  readonly verdict: Verdict;
  /** Picked choices that are wrong. */
  readonly wrong: readonly number[];
  /** Right choices that were not picked. */
  readonly missed: readonly number[];
}

/**
 * The key of a question from its choices' `correct` flags. Throws on a
 * question no reader could answer right: fewer than two choices, no right
 * choice, or more than one where only one may be picked.
 */
export function answerKey(correctFlags: readonly boolean[], multiple = false): AnswerKey {
  const correct = correctFlags.flatMap((c, i) => (c ? [i] : []));
  if (correctFlags.length < 2) throw new Error(`a question needs at least two choices, not ${correctFlags.length}`);
  if (correct.length === 0) throw new Error('a question needs a choice marked correct');
  if (!multiple && correct.length > 1) {
    throw new Error(`a single-choice question has ${correct.length} choices marked correct; mark one, or make it multiple`);
  }
  return { correct, choices: correctFlags.length, multiple };
}

/** Grades the picked choices (positions, in any order) against `key`. */
export function grade(key: AnswerKey, picked: readonly number[]): Grade {
  // Arrays only, no spread of a Set: the site's Babel compiles `[...set]` in
  // loose mode, to `[].concat(set)`, which is an array holding the Set.
  const chosen = picked.filter((i, at) => Number.isInteger(i) && i >= 0 && i < key.choices && picked.indexOf(i) === at);
  if (chosen.length === 0) return { verdict: 'unanswered', wrong: [], missed: key.correct.slice() };
  if (!key.multiple && chosen.length > 1) throw new Error('a single-choice question was given several answers');
  const wrong = chosen.filter((i) => !key.correct.includes(i)).sort((a, b) => a - b);
  const missed = key.correct.filter((i) => !chosen.includes(i));
  const verdict: Verdict = wrong.length > 0 ? 'incorrect' : missed.length > 0 ? 'partial' : 'correct';
  return { verdict, wrong, missed };
}

/** How a quiz stands: questions checked at least once, and those whose last check was right. */
export function tally(verdicts: readonly (Verdict | undefined)[]): { checked: number; correct: number; total: number } {
  const checked = verdicts.filter((v) => v !== undefined && v !== 'unanswered').length;
  const correct = verdicts.filter((v) => v === 'correct').length;
  return { checked, correct, total: verdicts.length };
}

/** A choice's letter as the quiz shows it: A, B, C… */
export function choiceLetter(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= 26) throw new RangeError(`no letter for choice ${index}`);
  return String.fromCharCode(65 + index);
}
