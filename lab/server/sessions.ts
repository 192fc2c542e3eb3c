// All sessions of the server: opening one within the session limit, finding
// one to resume, ending them all on shutdown.
import { NO_EVENTS, type LabEvents } from './events.ts';
import type { Limits } from './limits.ts';
import type { MachinePool } from './pool.ts';
import type { SessionState } from '../protocol.ts';
import { DEFAULT_START_POLICY, Session, type Learner, type StartPolicy } from './session.ts';

export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly pool: MachinePool,
    private readonly limits: Limits,
    private readonly startPolicy: StartPolicy = DEFAULT_START_POLICY,
    private readonly events: Pick<LabEvents, 'panic' | 'echo'> = NO_EVENTS,
  ) {}

  /** Sessions holding or getting a VM. */
  get liveVMs(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.hasVM) n++;
    return n;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** How many sessions are in each state, for the metrics. */
  byState(): Map<SessionState, number> {
    const counts = new Map<SessionState, number>();
    for (const s of this.sessions.values()) if (!s.isEnded) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
    return counts;
  }

  /** VMs the session limit still allows: for new sessions, and resets of sessions that lost theirs. */
  get room(): number {
    return Math.max(0, this.limits.maxSessions - this.liveVMs);
  }

  /** Room for one more VM? A reset of a session that has lost its VM needs it too. */
  hasRoom(): boolean {
    return this.room > 0;
  }

  /** A new session (for this learner, in a workshop), or undefined when the lab is full. */
  open(lesson: string, who?: Learner): Session | undefined {
    if (!this.hasRoom()) return undefined;
    const s = new Session(lesson, this.pool, this.limits, (ended) => this.sessions.delete(ended.id), this.startPolicy, this.events);
    s.who = who;
    this.sessions.set(s.id, s);
    return s;
  }

  /** The learner's latest session that is not over: what the instructor watches or resets. */
  ofLearner(learner: string): Session | undefined {
    let found: Session | undefined;
    for (const s of this.sessions.values()) if (!s.isEnded && s.who?.learner === learner) found = s;
    return found;
  }

  get(id: string): Session | undefined {
    const s = this.sessions.get(id);
    return s && !s.isEnded ? s : undefined;
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  async endAll(reason: string): Promise<void> {
    await Promise.all(this.all().map((s) => s.end(reason)));
  }
}
