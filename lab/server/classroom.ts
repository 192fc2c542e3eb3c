// The instructor's side of a workshop server: it tells the workshop's store
// how each of this server's learners is (so an instructor on any server of
// the workshop sees every learner), sends the instructors' pages the grid
// when it changes, and carries out what they ask: watch a learner's
// terminal read-only, ask a learner to let their VM be reset, send the
// class a message. The WebSocket is instructor-connection.ts's; the
// sessions and the store are passed in, so its tests need neither VMs nor
// SQLite.
import type { InstructorServerFrame, LearnerRow } from '../instructor-protocol.ts';
import type { Learner, Session } from './session.ts';
import type { LearnerSeen, WorkshopStore } from './workshop-store.ts';

/** The workshop's store, as the classroom uses it (workshop-store.ts). */
export type ClassStore = Pick<WorkshopStore, 'see' | 'resetAsk' | 'roster'>;

/** One instructor's page, as the classroom reaches it. */
export interface InstructorLink {
  send(frame: InstructorServerFrame): void;
  /** Bytes sent and not yet on the wire: a watch that outruns the instructor's connection is ended. */
  readonly backlog: number;
}

export interface ClassroomOptions {
  /** This server's name in the store (one workshop may have several servers). */
  server: string;
  stuckAfterMs: number;
  /** How often the store is told of changes and the grid read again. */
  tickMs: number;
  log: (message: string) => void;
  now?: () => number;
}

/** A learner's row is written again at least this often, so that the store knows this server is alive (workshop-store.ts's GONE_AFTER_MS). */
export const HEARTBEAT_MS = 30_000;
/** A watched terminal's output waiting for the instructor's connection, at most. */
export const MAX_WATCH_BACKLOG = 2 * 1024 * 1024;

interface Watching {
  learner: string;
  stop: () => void;
}

export class Classroom {
  private readonly instructors = new Map<InstructorLink, Watching | undefined>();
  /** What the store was last told of each learner, and when. */
  private readonly written = new Map<string, { key: string; at: number; vm: LearnerSeen['vm'] }>();
  private lastRoster = '';
  private timer?: NodeJS.Timeout;
  private soon?: NodeJS.Immediate;
  private readonly now: () => number;
  /** The tick under way, and whether another was asked for meanwhile: ticks never overlap. */
  private ticking?: Promise<void>;
  private tickAgain = false;
  /** Work on the store under way, for idle(). */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly sessions: { all(): Session[]; ofLearner(learner: string): Session | undefined },
    private readonly store: ClassStore,
    private readonly opts: ClassroomOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.opts.tickMs);
    this.timer.unref();
  }

  /** Tell the store what changed here, then send the grid to the instructors if it changed. */
  tick(): Promise<void> {
    if (this.ticking) {
      this.tickAgain = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      do {
        this.tickAgain = false;
        try {
          await this.publish();
          await this.push();
        } catch (e) {
          // The store is out of reach (a locked file, a database gone): the labs go on, the grid waits.
          this.opts.log(`lab server: the instructor's grid could not be updated: ${String(e)}`);
        }
      } while (this.tickAgain);
    })().finally(() => (this.ticking = undefined));
    return this.track(this.ticking);
  }

  /** Something changed that the grid shows (a step run): update it now rather than at the next tick. */
  changed(): void {
    this.soon ??= setImmediate(() => {
      this.soon = undefined;
      void this.tick();
    });
  }

  /** Resolves once the work on the store started so far is done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => undefined);
    return p;
  }

  private async publish(): Promise<void> {
    const now = this.now();
    const current = new Map<string, LearnerSeen>();
    for (const s of this.sessions.all()) {
      if (s.isEnded || !s.who) continue;
      current.set(s.who.learner, { name: s.who.name, lesson: s.lesson, vm: s.status, server: this.opts.server });
    }
    for (const [learner, seen] of current) await this.write(learner, seen, now);
    for (const [learner, last] of [...this.written]) {
      if (current.has(learner)) continue;
      // Their session ended; a learner the lab was full for stays so until they get one.
      if (last.vm === 'left' || last.vm === 'full') {
        if (now - last.at >= HEARTBEAT_MS) this.written.delete(learner);
        continue;
      }
      await this.write(learner, { vm: 'left', server: this.opts.server }, now);
    }
  }

  private async write(learner: string, seen: LearnerSeen, now: number): Promise<void> {
    const key = JSON.stringify(seen);
    const last = this.written.get(learner);
    if (last && last.key === key && now - last.at < HEARTBEAT_MS) return;
    await this.store.see(learner, seen, now);
    this.written.set(learner, { key, at: now, vm: seen.vm });
  }

  private async push(): Promise<void> {
    if (this.instructors.size === 0) return;
    const learners = await this.store.roster(this.now());
    const json = JSON.stringify(learners);
    if (json === this.lastRoster) return;
    this.lastRoster = json;
    for (const link of this.instructors.keys()) this.sendRoster(link, learners);
  }

  private sendRoster(link: InstructorLink, learners: LearnerRow[]): void {
    link.send({ type: 'roster', now: this.now(), stuckAfterMs: this.opts.stuckAfterMs, learners });
  }

  /** An instructor's page connected: it gets the grid at once, then whenever it changes. */
  join(link: InstructorLink): () => void {
    this.instructors.set(link, undefined);
    void this.track(
      (async () => {
        try {
          await this.publish();
          const learners = await this.store.roster(this.now());
          if (this.instructors.has(link)) this.sendRoster(link, learners);
        } catch (e) {
          this.opts.log(`lab server: the instructor's grid could not be read: ${String(e)}`);
        }
      })(),
    );
    return () => {
      this.unwatch(link);
      this.instructors.delete(link);
    };
  }

  /** A learner's page was refused for want of room: the instructor sees it. */
  refused(who: Learner, lesson: string): void {
    void this.track(
      this.write(who.learner, { name: who.name, lesson, vm: 'full', server: this.opts.server }, this.now()).then(
        () => this.changed(),
        (e: unknown) => this.opts.log(`lab server: could not note a refused learner: ${String(e)}`),
      ),
    );
  }

  /** Watch one learner's terminal (ending this instructor's last watch). */
  watch(link: InstructorLink, learner: string): void {
    this.unwatch(link);
    const session = this.sessions.ofLearner(learner);
    if (!session) {
      link.send({ type: 'watch', learner, state: 'ended', message: 'this learner has no lab open on this server' });
      return;
    }
    let over = false;
    const end = (message: string): void => {
      if (over) return;
      over = true;
      if (this.instructors.get(link)?.learner === learner) this.instructors.set(link, undefined);
      link.send({ type: 'watch', learner, state: 'ended', message });
    };
    link.send({ type: 'watch', learner, state: 'watching' });
    let stop = (): void => undefined;
    stop = session.watch({
      output: (data) => {
        if (over) return;
        if (link.backlog > MAX_WATCH_BACKLOG) {
          stop();
          return end("the terminal's output came faster than this connection took it; watch again");
        }
        link.send({ type: 'output', data });
      },
      ended: (reason) => end(`the learner's lab ended (${reason})`),
    });
    // Ended by its first output (the recent screen was too much at once): let go of the session too.
    if (over) return stop();
    this.instructors.set(link, {
      learner,
      stop: () => {
        over = true;
        stop();
      },
    });
  }

  unwatch(link: InstructorLink): void {
    const w = this.instructors.get(link);
    if (!w) return;
    this.instructors.set(link, undefined);
    w.stop();
    link.send({ type: 'watch', learner: w.learner, state: 'ended', message: 'stopped watching' });
  }

  /** Ask a learner to let their VM be reset; their page shows the question. */
  askReset(link: InstructorLink, learner: string): void {
    const session = this.sessions.ofLearner(learner);
    if (!session?.askReset()) {
      link.send({ type: 'notice', text: 'that learner has no terminal open on this server to ask' });
      return;
    }
    link.send({ type: 'notice', text: `asked ${session.who?.name ?? 'the learner'} to allow a reset` });
    this.note(learner, 'asked');
  }

  /** The grid shows the question and the answer; the labs do not wait for the store. */
  private note(learner: string, ask: 'asked' | 'allowed' | 'declined'): void {
    void this.track(
      this.store.resetAsk(learner, ask).then(
        () => this.changed(),
        (e: unknown) => this.opts.log(`lab server: could not note a reset question or answer: ${String(e)}`),
      ),
    );
  }

  /** A learner answered the instructor's reset question. */
  answered(session: Session, given: boolean): void {
    if (!session.who) return;
    const who = session.who.name ?? 'a learner';
    for (const link of this.instructors.keys()) link.send({ type: 'notice', text: `${who} ${given ? 'allowed' : 'declined'} the reset` });
    this.note(session.who.learner, given ? 'allowed' : 'declined');
  }

  /** A message to every learner with a terminal open on this server. */
  broadcast(link: InstructorLink, text: string): void {
    let n = 0;
    for (const s of this.sessions.all()) {
      if (s.isEnded || s.attached === 0) continue;
      s.notify({ event: 'message', text });
      n++;
    }
    link.send({ type: 'notice', text: `message sent to ${n} learner${n === 1 ? '' : 's'}` });
  }

  /** Stop ticking and watching; resolves once the store has what was on its way to it. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.soon) clearImmediate(this.soon);
    for (const link of [...this.instructors.keys()]) this.unwatch(link);
    this.instructors.clear();
    await this.idle();
  }
}
