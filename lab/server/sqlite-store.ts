// A workshop's store in an SQLite file (better-sqlite3), for the life of the
// workshop: a server restart loses nobody's progress, and servers on one
// host can share the file (WAL mode: one writer at a time, readers never
// blocked). ':memory:' keeps it for one server's life, for an instructor's
// grid without a file. The page keeps each learner's own progress in their
// browser (src/components/Progress); this is the instructor's copy.
import Database from 'better-sqlite3';
import type { ResetAsk } from '../instructor-protocol.ts';
import type { StepProgress } from '../protocol.ts';
import { GONE_AFTER_MS, learnerRow, type LearnerSeen, type RawLearner, type ServerRow, type StepRow, type WorkshopStore } from './workshop-store.ts';
import type { LearnerRow } from '../instructor-protocol.ts';

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
CREATE TABLE IF NOT EXISTS learners (
  learner TEXT PRIMARY KEY,
  name TEXT,
  lesson TEXT,
  vm TEXT NOT NULL,
  server TEXT NOT NULL,
  joined INTEGER NOT NULL,
  seen INTEGER NOT NULL,
  reset_ask TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS servers (
  server TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  seen INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** How long a write waits for another server's write to the same file. */
const BUSY_TIMEOUT_MS = 5000;

export class SqliteStore implements WorkshopStore {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly pass: Database.Statement;
  private readonly seen: Database.Statement;
  private readonly ask: Database.Statement;
  private readonly learners: Database.Statement;
  private readonly steps: Database.Statement;
  private readonly announced: Database.Statement;
  private readonly alive: Database.Statement;

  /** `path` ':memory:' keeps it for the server's life only. */
  constructor(path: string) {
    this.db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
    this.upsert = this.db.prepare(`
      INSERT INTO steps (learner, lesson, step, first_run, last_run, runs, passed)
      VALUES (@learner, @lesson, @step, @at, @at, 1, NULL)
      ON CONFLICT (learner, lesson, step) DO UPDATE SET last_run = @at, runs = runs + 1`);
    this.pass = this.db.prepare(`UPDATE steps SET passed = @passed WHERE learner = @learner AND lesson = @lesson AND step = @step`);
    this.seen = this.db.prepare(`
      INSERT INTO learners (learner, name, lesson, vm, server, joined, seen)
      VALUES (@learner, @name, @lesson, @vm, @server, @at, @at)
      ON CONFLICT (learner) DO UPDATE SET
        name = COALESCE(@name, name), lesson = COALESCE(@lesson, lesson), vm = @vm, server = @server, seen = @at`);
    this.ask = this.db.prepare(`UPDATE learners SET reset_ask = @ask WHERE learner = @learner`);
    // One row per learner with their steps summed up; the last step is the one run last.
    this.learners = this.db.prepare(`
      SELECT l.learner, l.name, l.lesson, l.vm, l.server, l.joined, l.seen, l.reset_ask AS resetAsk,
        (SELECT COUNT(*) FROM steps s WHERE s.learner = l.learner) AS stepsRun,
        (SELECT COUNT(*) FROM steps s WHERE s.learner = l.learner AND s.passed IS NOT NULL) AS checksPassed,
        (SELECT MAX(MAX(s.last_run), COALESCE(MAX(s.passed), 0)) FROM steps s WHERE s.learner = l.learner) AS lastProgress,
        (SELECT s.step FROM steps s WHERE s.learner = l.learner ORDER BY s.last_run DESC, s.step LIMIT 1) AS lastStep,
        (SELECT s.lesson FROM steps s WHERE s.learner = l.learner ORDER BY s.last_run DESC, s.step LIMIT 1) AS lastStepLesson
      FROM learners l
      ORDER BY l.joined, l.learner`);
    this.steps = this.db.prepare(`
      SELECT learner, lesson, step, first_run AS firstRun, last_run AS lastRun, runs, passed
      FROM steps ORDER BY learner, lesson, first_run, step`);
    this.announced = this.db.prepare(`
      INSERT INTO servers (server, url, seen) VALUES (@server, @url, @at)
      ON CONFLICT (server) DO UPDATE SET url = @url, seen = @at`);
    this.alive = this.db.prepare(`SELECT server, url FROM servers WHERE seen >= @since ORDER BY server`);
  }

  async record(learner: string, e: StepProgress, at = Date.now()): Promise<void> {
    const key = { learner, lesson: e.lesson, step: e.step };
    if (e.event === 'ran') this.upsert.run({ ...key, at });
    else this.pass.run({ ...key, passed: e.event === 'passed' ? at : null });
  }

  async see(learner: string, e: LearnerSeen, at = Date.now()): Promise<void> {
    this.seen.run({ learner, name: e.name ?? null, lesson: e.lesson ?? null, vm: e.vm, server: e.server, at });
  }

  async resetAsk(learner: string, ask: ResetAsk): Promise<void> {
    this.ask.run({ learner, ask });
  }

  async roster(now = Date.now()): Promise<LearnerRow[]> {
    return (this.learners.all() as RawLearner[]).map((r) => learnerRow(r, now));
  }

  async rows(): Promise<StepRow[]> {
    return this.steps.all() as StepRow[];
  }

  async announce(server: string, url: string, at = Date.now()): Promise<void> {
    this.announced.run({ server, url, at });
  }

  async servers(now = Date.now()): Promise<ServerRow[]> {
    return this.alive.all({ since: now - GONE_AFTER_MS }) as ServerRow[];
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
