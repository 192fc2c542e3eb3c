/*
 * A reader's progress through the lessons, kept in their browser: the steps
 * they ran with a Run button, the checks that said PASS, and the last step
 * run, for "continue where you left off". Kept per lesson by the lesson's
 * doc id, which both locales share, in one localStorage entry. Pure apart
 * from the Storage it is given, so its tests run in Node.
 */

/** The localStorage key; the version changes if the format does. */
export const PROGRESS_KEY = 'uklab-progress-v1';

export interface LessonProgress {
  /** Step anchors (step-load, exercise-1-check, …) run, with when, in ms since the epoch. */
  readonly ran: Readonly<Record<string, number>>;
  /** Check anchors whose last run said PASS. */
  readonly passed: Readonly<Record<string, number>>;
  /** Every runnable step of the lesson's page, as it was last shown: what "done" means. */
  readonly steps?: readonly string[];
}

export interface LastStep {
  readonly lesson: string;
  readonly anchor: string;
  readonly at: number;
}

export interface Progress {
  readonly lessons: Readonly<Record<string, LessonProgress>>;
  readonly last?: LastStep;
}

const EMPTY: Progress = {lessons: {}};
const NO_LESSON: LessonProgress = {ran: {}, passed: {}};

/** What the sidebar and the lesson list show for a lesson. */
export type LessonState = 'new' | 'started' | 'done';

export function lessonState(p: LessonProgress | undefined): LessonState {
  if (!p || Object.keys(p.ran).length === 0) return 'new';
  // A reference solution is there to be read; running it is not the lesson.
  const required = (p.steps ?? []).filter((a) => !isSolution(a));
  const checks = required.filter(isCheck);
  const allRun = p.steps !== undefined && required.every((a) => a in p.ran);
  return allRun && checks.every((a) => a in p.passed) ? 'done' : 'started';
}

export function isCheck(anchor: string): boolean {
  return /^exercise-\d+-check$/.test(anchor);
}

function isSolution(anchor: string): boolean {
  return /^exercise-\d+-solution$/.test(anchor);
}

function isTimes(v: unknown): v is Record<string, number> {
  return typeof v === 'object' && v !== null && Object.values(v).every((t) => typeof t === 'number');
}

/** The stored progress, or nothing for anything that is not (another version, a hand edit). */
export function parseProgress(text: string | null): Progress {
  if (!text) return EMPTY;
  try {
    const raw = JSON.parse(text) as {lessons?: unknown; last?: unknown};
    if (typeof raw.lessons !== 'object' || raw.lessons === null) return EMPTY;
    const lessons: Record<string, LessonProgress> = {};
    for (const [id, l] of Object.entries(raw.lessons as Record<string, unknown>)) {
      const {ran, passed, steps} = (l ?? {}) as Record<string, unknown>;
      if (!isTimes(ran) || !isTimes(passed)) continue;
      const list = Array.isArray(steps) && steps.every((s) => typeof s === 'string') ? (steps as string[]) : undefined;
      lessons[id] = list ? {ran, passed, steps: list} : {ran, passed};
    }
    const last = raw.last as Partial<LastStep> | undefined;
    const ok = last && typeof last.lesson === 'string' && typeof last.anchor === 'string' && typeof last.at === 'number';
    return ok ? {lessons, last: last as LastStep} : {lessons};
  } catch {
    return EMPTY;
  }
}

import type {StorageLike} from '../browser-storage.ts';

/** The storage the store keeps progress in (the page's localStorage). */
export type ProgressStorage = StorageLike;

export class ProgressStore {
  private cached?: {text: string | null; value: Progress};
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly storage: ProgressStorage | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** The progress now; the same object until it changes, as useSyncExternalStore needs. */
  readonly get = (): Progress => {
    const text = this.read();
    if (this.cached?.text !== text) this.cached = {text, value: parseProgress(text)};
    return this.cached.value;
  };

  lesson(id: string): LessonProgress {
    return this.get().lessons[id] ?? NO_LESSON;
  }

  /** A step was run from the page. */
  ran(lesson: string, anchor: string): void {
    const at = this.now();
    this.update(lesson, (l) => ({...l, ran: {...l.ran, [anchor]: at}}), {lesson, anchor, at});
  }

  /** A check's run ended with its verdict: PASS keeps it passed, NOT YET takes that back. */
  checked(lesson: string, anchor: string, pass: boolean): void {
    this.update(lesson, (l) => {
      const passed = {...l.passed};
      if (pass) passed[anchor] = this.now();
      else delete passed[anchor];
      return {...l, passed};
    });
  }

  /** The runnable steps the lesson's page shows, so that "done" can be told. */
  steps(lesson: string, anchors: readonly string[]): void {
    const known = this.lesson(lesson).steps;
    if (known && known.length === anchors.length && known.every((a, i) => a === anchors[i])) return;
    this.update(lesson, (l) => ({...l, steps: [...anchors]}));
  }

  clear(): void {
    try {
      this.storage?.removeItem(PROGRESS_KEY);
    } catch {
      // storage refused (private mode): nothing was kept either
    }
    this.notify();
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Another tab changed it (the window's storage event). */
  changedElsewhere(): void {
    this.notify();
  }

  private read(): string | null {
    try {
      return this.storage?.getItem(PROGRESS_KEY) ?? null;
    } catch {
      return null;
    }
  }

  private update(lesson: string, change: (l: LessonProgress) => LessonProgress, last?: LastStep): void {
    const p = this.get();
    const next: Progress = {
      lessons: {...p.lessons, [lesson]: change(p.lessons[lesson] ?? NO_LESSON)},
      ...(last ?? p.last ? {last: last ?? p.last} : {}),
    };
    try {
      this.storage?.setItem(PROGRESS_KEY, JSON.stringify(next));
    } catch {
      // full or refused: the page goes on without keeping it
    }
    this.notify();
  }

  private notify(): void {
    for (const l of Array.from(this.listeners)) l();
  }
}
