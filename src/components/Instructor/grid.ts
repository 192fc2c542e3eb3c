/*
 * The instructor's grid of learners, without React: the columns it sorts
 * by, a learner's name as shown, the time since their last progress, and
 * who is stuck (lab/instructor-protocol.ts says what that means).
 */
import {isStuck, type LearnerRow, type LearnerVM} from '../../../lab/instructor-protocol.ts';

export const COLUMNS = ['name', 'lesson', 'lastStep', 'stepsRun', 'checksPassed', 'since', 'vm'] as const;
export type Column = (typeof COLUMNS)[number];
export type Direction = 'asc' | 'desc';
export interface Sort {
  column: Column;
  direction: Direction;
}

/** How many characters of a learner's id stand for a learner who gave no name. */
export const SHORT_ID_CHARS = 6;

/** A learner's name as the grid shows it; `unnamed` is the page's word for "learner", in its locale. */
export function displayName(row: Pick<LearnerRow, 'learner' | 'name'>, unnamed = 'learner'): string {
  const name = row.name?.trim();
  return name ? name : `${unnamed} · ${row.learner.slice(0, SHORT_ID_CHARS)}`;
}

/** Time since a learner's last progress: `42 s`, `3 min`, `1 h 5 min`; `—` when they have none. */
export function formatSince(lastProgress: number | undefined, now: number): string {
  if (lastProgress === undefined) return '—';
  const s = Math.max(0, Math.floor((now - lastProgress) / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
}

export function stuck(row: LearnerRow, now: number, stuckAfterMs: number): boolean {
  return isStuck(row, now, stuckAfterMs);
}

/** The VM column's order, ascending: the states that need the instructor first. */
const VM_ORDER: readonly LearnerVM[] = ['panic', 'full', 'booting', 'ready', 'exited', 'left'];

// Numbers inside names and anchors in their order (exercise-2 before exercise-10); case aside.
const collator = new Intl.Collator(undefined, {numeric: true, sensitivity: 'base'});
const compareText = (a: string, b: string): number => collator.compare(a, b);
const compareNumber = (a: number, b: number): number => a - b;

type Value = string | number | undefined;

function value(row: LearnerRow, column: Column): Value {
  switch (column) {
    case 'name':
      return row.name?.trim() || undefined;
    case 'lesson':
      return row.lesson;
    case 'lastStep':
      return row.lastStep;
    case 'stepsRun':
      return row.stepsRun;
    case 'checksPassed':
      return row.checksPassed;
    case 'since':
      // Longer since progress is a larger value: the most recent progress first, ascending.
      return row.lastProgress === undefined ? undefined : -row.lastProgress;
    case 'vm':
      return VM_ORDER.indexOf(row.vm);
  }
}

function compareValues(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return compareNumber(a, b);
  if (typeof a === 'string' && typeof b === 'string') return compareText(a, b);
  return 0;
}

/** Name, then id, ascending whatever the column's direction: the same learners always come in the same order. */
function tieBreak(a: LearnerRow, b: LearnerRow): number {
  const an = a.name?.trim() || undefined;
  const bn = b.name?.trim() || undefined;
  if (an !== bn) {
    if (an === undefined) return 1;
    if (bn === undefined) return -1;
    const c = compareText(an, bn);
    if (c) return c;
  }
  return a.learner < b.learner ? -1 : a.learner > b.learner ? 1 : 0;
}

/**
 * The rows in the grid's order: by the column, either way, a row with
 * nothing in it (no name, no lesson, no progress yet) last either way, and
 * ties by name then id. A new array; the given one is left as it is.
 */
export function sortRows(rows: readonly LearnerRow[], sort: Sort): LearnerRow[] {
  const sign = sort.direction === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const va = value(a, sort.column);
    const vb = value(b, sort.column);
    if (va === undefined && vb !== undefined) return 1;
    if (vb === undefined && va !== undefined) return -1;
    return sign * compareValues(va, vb) || tieBreak(a, b);
  });
}

/** The sort after a click on a column's header: the other way on the same column, else ascending on the new one. */
export function nextSort(current: Sort, column: Column): Sort {
  if (current.column === column) return {column, direction: current.direction === 'asc' ? 'desc' : 'asc'};
  return {column, direction: 'asc'};
}
