// Where a workshop keeps its progress: which steps each learner ran and
// which checks passed, and how each learner's VM is, for the instructor's
// grid. Two stores speak this interface: an SQLite file (sqlite-store.ts:
// one host, any number of servers on it) and PostgreSQL (postgres-store.ts:
// every pod of a workshop on Kubernetes). The server only ever awaits it.
import type { LearnerRow, LearnerVM, ResetAsk } from '../instructor-protocol.ts';
import type { StepProgress } from '../protocol.ts';

/** What a server says of one of its learners (classroom.ts), every time it changes and now and then besides. */
export interface LearnerSeen {
  name?: string;
  lesson?: string;
  vm: LearnerVM;
  server: string;
}

export interface StepRow {
  learner: string;
  lesson: string;
  step: string;
  /** ms since the epoch */
  firstRun: number;
  lastRun: number;
  runs: number;
  /** When its check last said PASS; null for a step that is no check, or a check that has not passed. */
  passed: number | null;
}

/**
 * Where a workshop's progress and learners are kept. One learner's writes
 * (record, see, resetAsk) take effect in the order they are called, even
 * when the caller does not wait for each: a page sends a check's verdict
 * right after its run, and the server does not wait between them.
 */
export interface WorkshopStore {
  /** What a learner's page reported: a step run, or a check's verdict (which follows its run). */
  record(learner: string, e: StepProgress, at?: number): Promise<void>;
  /** A server's word on one of its learners: their name and lesson (kept when absent), their VM, and that the server is alive. */
  see(learner: string, e: LearnerSeen, at?: number): Promise<void>;
  /** The instructor asked to reset this learner's VM, or the learner answered. */
  resetAsk(learner: string, ask: ResetAsk): Promise<void>;
  /** Every learner of the workshop, on every server that shares this store, for the instructor's grid. */
  roster(now?: number): Promise<LearnerRow[]>;
  /** Every step of every learner, in the CSV's order. */
  rows(): Promise<StepRow[]>;
  /** This server is alive, and other servers of the workshop reach it at `url` (peers.ts). */
  announce(server: string, url: string, at?: number): Promise<void>;
  /** The servers that announced themselves lately (within GONE_AFTER_MS). */
  servers(now?: number): Promise<ServerRow[]>;
  close(): Promise<void>;
}

/** A server of the workshop, as other servers reach it. */
export interface ServerRow {
  server: string;
  url: string;
}

/**
 * A learner whose server has not said how they are for this long is shown
 * as gone: that server stopped (servers say it at least every
 * classroom.ts's HEARTBEAT_MS).
 */
export const GONE_AFTER_MS = 90_000;

/** A learner's row as both stores read it, before the rules below. */
export interface RawLearner extends Omit<LearnerRow, 'name' | 'lesson' | 'lastStep' | 'lastStepLesson' | 'lastProgress' | 'resetAsk'> {
  name: string | null;
  lesson: string | null;
  lastStep: string | null;
  lastStepLesson: string | null;
  lastProgress: number | null;
  resetAsk: ResetAsk | null;
}

/** A row for the grid: nulls left out, and a learner whose server went quiet shown as gone. */
export function learnerRow(r: RawLearner, now: number): LearnerRow {
  const row: LearnerRow = {
    learner: r.learner,
    vm: r.vm !== 'left' && now - r.seen > GONE_AFTER_MS ? 'left' : r.vm,
    stepsRun: Number(r.stepsRun),
    checksPassed: Number(r.checksPassed),
    joined: Number(r.joined),
    seen: Number(r.seen),
    server: r.server,
  };
  if (r.name !== null) row.name = r.name;
  if (r.lesson !== null) row.lesson = r.lesson;
  if (r.lastStep !== null) row.lastStep = r.lastStep;
  if (r.lastStepLesson !== null) row.lastStepLesson = r.lastStepLesson;
  if (r.lastProgress !== null && Number(r.lastProgress) > 0) row.lastProgress = Number(r.lastProgress);
  if (r.resetAsk !== null) row.resetAsk = r.resetAsk;
  return row;
}

export const CSV_HEADER = 'learner,lesson,step,first_run,last_run,runs,passed';

/** One CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const iso = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString());

/** Every learner's steps, for the instructor to keep (a spreadsheet opens it). */
export function progressCsv(rows: StepRow[]): string {
  const lines = rows.map((r) =>
    [r.learner, r.lesson, r.step, iso(r.firstRun), iso(r.lastRun), String(r.runs), iso(r.passed)].map(field).join(','),
  );
  return [CSV_HEADER, ...lines].join('\r\n') + '\r\n';
}
