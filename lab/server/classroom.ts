// The instructor's side of a workshop server: it tells the workshop's store
// how each of this server's learners is (so an instructor on any server of
// the workshop sees every learner), sends the instructors' pages the grid
// when it changes, and carries out what they ask: watch a learner's
// terminal read-only, ask a learner to let their VM be reset, send the
// class a message. The WebSocket is instructor-connection.ts's; the
// sessions and the store are passed in, so its tests need neither VMs nor
// SQLite.
import type { InstructorServerFrame, LearnerRow } from '../instructor-protocol.ts';
import type { InstructorFrame } from '../instructor-protocol.ts';
import type { PeerConnection, PeerDirectory } from './peers.ts';
import type { Learner, Session } from './session.ts';
import type { LearnerSeen, WorkshopStore } from './workshop-store.ts';

/** The workshop's store, as the classroom uses it (workshop-store.ts). */
export type ClassStore = Pick<WorkshopStore, 'see' | 'resetAsk' | 'roster' | 'announce'>;

/** One instructor's page, as the classroom reaches it. */
export interface InstructorLink {
  send(frame: InstructorServerFrame): void;
  /** Bytes sent and not yet on the wire: a watch that outruns the instructor's connection is ended. */
  readonly backlog: number;
  /**
   * Another server of the workshop, relaying its instructor's requests
   * (peers.ts): they are for this server's learners only, never relayed on.
   */
  readonly fromPeer?: boolean;
}

export interface ClassroomOptions {
  /** This server's name in the store (one workshop may have several servers). */
  server: string;
  stuckAfterMs: number;
  /** How often the store is told of changes and the grid read again. */
  tickMs: number;
  /** Where the other servers of the workshop reach this one (peers.ts); none: they cannot. */
  peerUrl?: string;
  log: (message: string) => void;
  now?: () => number;
}

/** A learner's row is written again at least this often, so that the store knows this server is alive (workshop-store.ts's GONE_AFTER_MS). */
export const HEARTBEAT_MS = 30_000;
/** A watched terminal's output waiting for the instructor's connection, at most. */
export const MAX_WATCH_BACKLOG = 2 * 1024 * 1024;
/** How long another server has to answer a reset or a message. */
const PEER_ANSWER_MS = 10_000;

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
  /** Which server holds each learner's VM, from the last grid read. */
  private readonly serverOf = new Map<string, string>();
  private announcedAt = -Infinity;

  constructor(
    private readonly sessions: { all(): Session[]; ofLearner(learner: string): Session | undefined },
    private readonly store: ClassStore,
    private readonly opts: ClassroomOptions,
    /** The workshop's other servers, for learners whose VM is on one of them. */
    private readonly peers?: PeerDirectory,
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
    if (this.opts.peerUrl !== undefined && now - this.announcedAt >= HEARTBEAT_MS) {
      await this.store.announce(this.opts.server, this.opts.peerUrl, now);
      this.announcedAt = now;
    }
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
    for (const r of learners) this.serverOf.set(r.learner, r.server);
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
      const elsewhere = this.peerFor(link, learner);
      if (elsewhere) return this.watchOnPeer(link, learner, elsewhere);
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

  /** The other server that holds this learner's VM, when this one may ask it. */
  private peerFor(link: InstructorLink, learner: string): string | undefined {
    const server = this.serverOf.get(learner);
    return this.peers && !link.fromPeer && server !== undefined && server !== this.opts.server ? server : undefined;
  }

  /** Watch a learner on another server: that server's watch, relayed. */
  private watchOnPeer(link: InstructorLink, learner: string, server: string): void {
    let over = false;
    let conn: PeerConnection | undefined;
    const end = (message: string): void => {
      if (over) return;
      over = true;
      conn?.close();
      if (this.instructors.get(link)?.learner === learner) this.instructors.set(link, undefined);
      link.send({ type: 'watch', learner, state: 'ended', message });
    };
    // Held at once: an unwatch, or another watch, before the connection is up ends this one.
    this.instructors.set(link, {
      learner,
      stop: () => {
        over = true;
        conn?.close();
      },
    });
    const opening = this.peers!.connect(
      server,
      (f) => {
        if (over) return;
        if (f.type === 'output') {
          if (link.backlog > MAX_WATCH_BACKLOG) return end("the terminal's output came faster than this connection took it; watch again");
          link.send(f);
        } else if (f.type === 'watch' && f.learner === learner) {
          if (f.state === 'ended') end(f.message ?? `${server} ended the watch`);
          else link.send(f);
        } else if (f.type === 'notice') {
          link.send({ type: 'notice', text: `${server}: ${f.text}` });
        }
      },
      () => end(`the connection to ${server} closed`),
    );
    void this.track(
      opening.then((c) => {
        if (typeof c === 'string') return end(c);
        conn = c;
        if (over) return c.close();
        c.send({ type: 'watch', learner });
      }),
    );
  }

  /** One request to another server: its answer (a notice) is relayed, then the connection closed. */
  private askPeer(link: InstructorLink, server: string, frame: InstructorFrame): void {
    let conn: PeerConnection | undefined;
    let answered = false;
    const opening = this.peers!.connect(
      server,
      (f) => {
        if (f.type !== 'notice') return;
        answered = true;
        link.send({ type: 'notice', text: `${server}: ${f.text}` });
        conn?.close();
      },
      () => undefined,
    );
    void this.track(
      opening.then((c) => {
        if (typeof c === 'string') return link.send({ type: 'notice', text: c });
        conn = c;
        if (answered) return c.close();
        c.send(frame);
        // A peer that never answers must not keep the connection.
        setTimeout(() => c.close(), PEER_ANSWER_MS).unref();
      }),
    );
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
    const elsewhere = session ? undefined : this.peerFor(link, learner);
    if (elsewhere) return this.askPeer(link, elsewhere, { type: 'reset', learner });
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
  /** A message to every learner with a terminal open on this server, and on the workshop's other servers. */
  broadcast(link: InstructorLink, text: string): void {
    let n = 0;
    for (const s of this.sessions.all()) {
      if (s.isEnded || s.attached === 0) continue;
      s.notify({ event: 'message', text });
      n++;
    }
    const sent = `message sent to ${n} learner${n === 1 ? '' : 's'}`;
    link.send({ type: 'notice', text: this.peers && !link.fromPeer ? `${this.opts.server}: ${sent}` : sent });
    if (!this.peers || link.fromPeer) return;
    void this.track(
      this.peers.others().then(
        (servers) => servers.forEach((server) => this.askPeer(link, server, { type: 'message', text })),
        (e: unknown) => link.send({ type: 'notice', text: `the workshop's other servers could not be found: ${String(e)}` }),
      ),
    );
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
