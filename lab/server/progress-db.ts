// A workshop's progress, kept by the server for the life of the workshop:
// which steps each learner ran and which checks passed, in an SQLite file
// (better-sqlite3), so that a server restart loses nobody's progress and
// two servers on one host can share it (WAL mode: one writer at a time,
// readers never blocked). The page keeps the same in the learner's browser
// (src/components/Progress); this is the instructor's copy.
import Database from 'better-sqlite3';
import type { StepProgress } from '../protocol.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS steps (
  learner TEXT NOT NULL,
  lesson TEXT NOT NULL,
  step TEXT NOT NULL,
  first_run INTEGER NOT NULL,
  last_run INTEGER NOT NULL,
  runs INTEGER NOT NULL,
  passed INTEGER,
  PRIMARY KEY (learner, lesson, step)
) WITHOUT ROWID;
`;

/** How long a write waits for another server's write to the same file. */
const BUSY_TIMEOUT_MS = 5000;

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

export const CSV_HEADER = 'learner,lesson,step,first_run,last_run,runs,passed';

/** One CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const iso = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString());

export class WorkshopProgress {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly pass: Database.Statement;

  constructor(path: string) {
    this.db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
    this.upsert = this.db.prepare(`
      INSERT INTO steps (learner, lesson, step, first_run, last_run, runs, passed)
      VALUES (@learner, @lesson, @step, @at, @at, 1, NULL)
      ON CONFLICT (learner, lesson, step) DO UPDATE SET last_run = @at, runs = runs + 1`);
    this.pass = this.db.prepare(`UPDATE steps SET passed = @passed WHERE learner = @learner AND lesson = @lesson AND step = @step`);
  }

  /** What a learner's page reported: a step run, or a check's verdict (which follows its run). */
  record(learner: string, e: StepProgress, at = Date.now()): void {
    const key = { learner, lesson: e.lesson, step: e.step };
    if (e.event === 'ran') this.upsert.run({ ...key, at });
    else this.pass.run({ ...key, passed: e.event === 'passed' ? at : null });
  }

  rows(): StepRow[] {
    return this.db
      .prepare(
        `SELECT learner, lesson, step, first_run AS firstRun, last_run AS lastRun, runs, passed
         FROM steps ORDER BY learner, lesson, first_run, step`,
      )
      .all() as StepRow[];
  }

  /** Every learner's steps, for the instructor to keep (a spreadsheet opens it). */
  csv(): string {
    const lines = this.rows().map((r) =>
      [r.learner, r.lesson, r.step, iso(r.firstRun), iso(r.lastRun), String(r.runs), iso(r.passed)].map(field).join(','),
    );
    return [CSV_HEADER, ...lines].join('\r\n') + '\r\n';
  }

  close(): void {
    this.db.close();
  }
}
