// A workshop's store in PostgreSQL (node-postgres), for a workshop whose
// servers are on several hosts: every pod of the Deployment reaches the one
// database, so each instructor's grid shows every learner wherever their
// VM is. The same tables and rules as the SQLite store (sqlite-store.ts);
// the SQL differs where the dialects do.
import pg from 'pg';
import type { LearnerRow, ResetAsk } from '../instructor-protocol.ts';
import type { StepProgress } from '../protocol.ts';
import { GONE_AFTER_MS, learnerRow, type LearnerSeen, type RawLearner, type ServerRow, type StepRow, type WorkshopStore } from './workshop-store.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS steps (
  learner TEXT NOT NULL,
  lesson TEXT NOT NULL,
  step TEXT NOT NULL,
  first_run BIGINT NOT NULL,
  last_run BIGINT NOT NULL,
  runs INTEGER NOT NULL,
  passed BIGINT,
  PRIMARY KEY (learner, lesson, step)
);
CREATE TABLE IF NOT EXISTS learners (
  learner TEXT PRIMARY KEY,
  name TEXT,
  lesson TEXT,
  vm TEXT NOT NULL,
  server TEXT NOT NULL,
  joined BIGINT NOT NULL,
  seen BIGINT NOT NULL,
  reset_ask TEXT
);
CREATE TABLE IF NOT EXISTS servers (
  server TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  seen BIGINT NOT NULL
);
`;

/** Held while the tables are made: pods that start together would otherwise race on CREATE TABLE. */
const SCHEMA_LOCK = 0x756b6c61; // 'ukla'

/** A store that does not answer in this long is out of reach; the lab goes on without it. */
const TIMEOUT_MS = 5000;

// Ordered by bytes, as SQLite orders, so both stores give the same CSV and grid.
const ROSTER = `
SELECT l.learner, l.name, l.lesson, l.vm, l.server, l.joined, l.seen, l.reset_ask AS "resetAsk",
  (SELECT COUNT(*) FROM steps s WHERE s.learner = l.learner) AS "stepsRun",
  (SELECT COUNT(*) FROM steps s WHERE s.learner = l.learner AND s.passed IS NOT NULL) AS "checksPassed",
  (SELECT GREATEST(MAX(s.last_run), COALESCE(MAX(s.passed), 0)) FROM steps s WHERE s.learner = l.learner) AS "lastProgress",
  last.step AS "lastStep", last.lesson AS "lastStepLesson"
FROM learners l
LEFT JOIN LATERAL (
  SELECT s.step, s.lesson FROM steps s WHERE s.learner = l.learner ORDER BY s.last_run DESC, s.step COLLATE "C" LIMIT 1
) last ON true
ORDER BY l.joined, l.learner COLLATE "C"`;

const STEPS = `
SELECT learner, lesson, step, first_run AS "firstRun", last_run AS "lastRun", runs, passed
FROM steps ORDER BY learner COLLATE "C", lesson COLLATE "C", first_run, step COLLATE "C"`;

/** How long a server waits at its start for a database that is not up yet, and how often it tries. */
const WAIT_FOR_DATABASE_MS = 60_000;
const RETRY_MS = 1000;

/** Connection errors of a database on its way up, as opposed to one that refuses this server. */
function notUpYet(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  // 57P03: "the database system is starting up".
  if (code && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', '57P03'].includes(code)) return true;
  return /timeout exceeded when trying to connect|Connection terminated/.test((e as Error).message ?? '');
}

async function makeTables(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await client.query(SCHEMA);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** BIGINT comes back as a string (it may not fit a double); these are milliseconds, which do. */
const ms = (v: unknown): number => Number(v);

export class PostgresStore implements WorkshopStore {
  private constructor(private readonly pool: pg.Pool) {}

  /**
   * Connects, makes the tables if they are missing, and says why when it
   * cannot. A database that is not up yet (pods applied together: the lab
   * servers start before PostgreSQL answers) is waited for, up to `waitMs`;
   * one that refuses (a wrong password, no such database) fails at once.
   */
  static async open(url: string, opts: { log?: (message: string) => void; waitMs?: number } = {}): Promise<PostgresStore> {
    const log = opts.log ?? (() => undefined);
    const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: TIMEOUT_MS, query_timeout: TIMEOUT_MS });
    // An idle connection the database drops must not take the server with it.
    pool.on('error', (e) => log(`lab server: the progress database dropped a connection: ${e.message}`));
    const giveUpAt = Date.now() + (opts.waitMs ?? WAIT_FOR_DATABASE_MS);
    for (let said = false; ; ) {
      try {
        await makeTables(pool);
        break;
      } catch (e) {
        if (notUpYet(e) && Date.now() < giveUpAt) {
          if (!said) log(`lab server: waiting for the progress database at ${redact(url)} (${(e as Error).message})`);
          said = true;
          await new Promise((r) => setTimeout(r, RETRY_MS));
          continue;
        }
        await pool.end().catch(() => undefined);
        throw new Error(`lab server: cannot use the progress database at ${redact(url)}: ${(e as Error).message}`);
      }
    }
    return new PostgresStore(pool);
  }

  /**
   * Each learner's last write, so that the next waits for it. The pool runs
   * queries on up to four connections at once: a check's verdict, sent just
   * after its run, reached the database first in a test on a busy machine,
   * updated no row since the run's row was not there yet, and was lost.
   */
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `write` after every earlier write for the same learner has ended, failed or not. */
  private inOrder(learner: string, write: () => Promise<void>): Promise<void> {
    const mine = (this.tails.get(learner) ?? Promise.resolve()).then(write);
    const tail = mine.catch(() => undefined);
    this.tails.set(learner, tail);
    void tail.then(() => {
      if (this.tails.get(learner) === tail) this.tails.delete(learner);
    });
    return mine;
  }

  record(learner: string, e: StepProgress, at = Date.now()): Promise<void> {
    return this.inOrder(learner, () => this.write(learner, e, at));
  }

  private async write(learner: string, e: StepProgress, at: number): Promise<void> {
    if (e.event === 'ran') {
      await this.pool.query(
        `INSERT INTO steps (learner, lesson, step, first_run, last_run, runs, passed) VALUES ($1, $2, $3, $4, $4, 1, NULL)
         ON CONFLICT (learner, lesson, step) DO UPDATE SET last_run = EXCLUDED.last_run, runs = steps.runs + 1`,
        [learner, e.lesson, e.step, at],
      );
    } else {
      await this.pool.query('UPDATE steps SET passed = $4 WHERE learner = $1 AND lesson = $2 AND step = $3', [
        learner,
        e.lesson,
        e.step,
        e.event === 'passed' ? at : null,
      ]);
    }
  }

  see(learner: string, e: LearnerSeen, at = Date.now()): Promise<void> {
    return this.inOrder(learner, () => this.seeNow(learner, e, at));
  }

  private async seeNow(learner: string, e: LearnerSeen, at: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO learners (learner, name, lesson, vm, server, joined, seen) VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT (learner) DO UPDATE SET
         name = COALESCE(EXCLUDED.name, learners.name), lesson = COALESCE(EXCLUDED.lesson, learners.lesson),
         vm = EXCLUDED.vm, server = EXCLUDED.server, seen = EXCLUDED.seen`,
      [learner, e.name ?? null, e.lesson ?? null, e.vm, e.server, at],
    );
  }

  resetAsk(learner: string, ask: ResetAsk): Promise<void> {
    return this.inOrder(learner, async () => {
      await this.pool.query('UPDATE learners SET reset_ask = $2 WHERE learner = $1', [learner, ask]);
    });
  }

  async roster(now = Date.now()): Promise<LearnerRow[]> {
    const { rows } = await this.pool.query<RawLearner>(ROSTER);
    return rows.map((r) => learnerRow(r, now));
  }

  async rows(): Promise<StepRow[]> {
    const { rows } = await this.pool.query<Record<keyof StepRow, unknown>>(STEPS);
    return rows.map((r) => ({
      learner: String(r.learner),
      lesson: String(r.lesson),
      step: String(r.step),
      firstRun: ms(r.firstRun),
      lastRun: ms(r.lastRun),
      runs: ms(r.runs),
      passed: r.passed === null ? null : ms(r.passed),
    }));
  }

  async announce(server: string, url: string, at = Date.now()): Promise<void> {
    await this.pool.query(
      'INSERT INTO servers (server, url, seen) VALUES ($1, $2, $3) ON CONFLICT (server) DO UPDATE SET url = EXCLUDED.url, seen = EXCLUDED.seen',
      [server, url, at],
    );
  }

  async servers(now = Date.now()): Promise<ServerRow[]> {
    const { rows } = await this.pool.query<ServerRow>('SELECT server, url FROM servers WHERE seen >= $1 ORDER BY server COLLATE "C"', [now - GONE_AFTER_MS]);
    return rows;
  }

  async close(): Promise<void> {
    // Writes still waiting their turn would find the pool ended.
    while (this.tails.size > 0) await Promise.all(this.tails.values());
    await this.pool.end();
  }
}

/** The URL without its password, for a message that may reach a log. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the given URL';
  }
}
