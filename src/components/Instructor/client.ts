/*
 * The instructor's page's one connection to the lab server: the WebSocket
 * of lab/instructor-protocol.ts (the live grid, one watched terminal, the
 * requests), kept open across drops, and what it said as a snapshot for
 * React's useSyncExternalStore. No React and no DOM here, and the WebSocket
 * class and the timer are passed in, so the tests run it in Node against a
 * fake socket.
 */
import {LEARNER_ID} from '../../../lab/protocol.ts';
import {
  DEFAULT_STUCK_AFTER_MS,
  instructorSocketUrl,
  MAX_MESSAGE_CHARS,
  parseInstructorServerFrame,
  type InstructorFrame,
  type LearnerRow,
} from '../../../lab/instructor-protocol.ts';
import type {SocketFactory, SocketLike} from '../LabTerminal/websocket-transport.ts';

/** How many of the server's notices the page keeps. */
export const MAX_NOTICES = 5;
/** The first wait before connecting again after a drop, doubled at each failure up to MAX_RETRY_MS. */
export const FIRST_RETRY_MS = 1000;
export const MAX_RETRY_MS = 15_000;

export type Connection = 'connecting' | 'open' | 'closed';

/** The watched terminal, as the server last said. */
export interface Watching {
  learner: string;
  state: 'watching' | 'ended';
  /** Why it ended (the server's words, English). */
  message?: string;
}

export interface InstructorSnapshot {
  connection: Connection;
  /** No try has opened yet and at least one failed: most likely no lab server behind this page (a static copy of the site). */
  unreachable: boolean;
  learners: readonly LearnerRow[];
  /** The server's clock minus this browser's: "since" counts from the server's now. */
  offset: number;
  stuckAfterMs: number;
  watching?: Watching;
  /** The server's last MAX_NOTICES notices, oldest first. */
  notices: readonly string[];
  /** Notices received in all: with `notices`, a stable key for each one. */
  noticeCount: number;
}

/** Before any connection: also what the server renders. */
export const INITIAL_SNAPSHOT: InstructorSnapshot = {
  connection: 'connecting',
  unreachable: false,
  learners: [],
  offset: 0,
  stuckAfterMs: DEFAULT_STUCK_AFTER_MS,
  notices: [],
  noticeCount: 0,
};

/** Runs `fn` after `ms`; the answer cancels it. */
export type Delay = (fn: () => void, ms: number) => () => void;

const realDelay: Delay = (fn, ms) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

export interface InstructorClientOptions {
  /** The page's location: the socket is on its origin. */
  location: {protocol: string; host: string};
  socket?: SocketFactory;
  delay?: Delay;
  /** This browser's clock. */
  clock?: () => number;
}

const OPEN = 1;

export class InstructorClient {
  private ws?: SocketLike;
  private snapshot: InstructorSnapshot = INITIAL_SNAPSHOT;
  private readonly listeners = new Set<() => void>();
  private readonly outputListeners = new Set<(data: string) => void>();
  /** The learner this page last asked to watch: frames about another are an earlier watch's. */
  private wanted?: string;
  private everOpened = false;
  private retryMs = FIRST_RETRY_MS;
  private cancelRetry?: () => void;
  private disposed = false;
  private readonly url: string;
  private readonly newSocket: SocketFactory;
  private readonly delay: Delay;
  private readonly clock: () => number;

  constructor(opts: InstructorClientOptions) {
    this.url = instructorSocketUrl(opts.location);
    this.newSocket = opts.socket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.delay = opts.delay ?? realDelay;
    this.clock = opts.clock ?? Date.now;
    this.connect();
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): InstructorSnapshot => this.snapshot;

  /** The watched terminal's output, only while the server says it is being watched. */
  onOutput(listener: (data: string) => void): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  private update(change: Partial<InstructorSnapshot>): void {
    // A new object on each change, as useSyncExternalStore needs.
    this.snapshot = {...this.snapshot, ...change};
    for (const l of Array.from(this.listeners)) l();
  }

  private connect(): void {
    this.cancelRetry = undefined;
    const ws = this.newSocket(this.url);
    this.ws = ws;
    this.update({connection: 'connecting'});
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.everOpened = true;
      this.retryMs = FIRST_RETRY_MS;
      this.update({connection: 'open', unreachable: false});
    };
    ws.onmessage = (ev) => {
      if (this.ws === ws && typeof ev.data === 'string') this.receive(ev.data);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.wanted = undefined;
      const w = this.snapshot.watching;
      // The server ends a watch with its connection; the page keeps the last screen.
      const watching = w?.state === 'watching' ? {learner: w.learner, state: 'ended' as const} : w;
      this.update({connection: 'closed', unreachable: !this.everOpened, watching});
      if (this.disposed) return;
      const wait = this.retryMs;
      this.retryMs = Math.min(2 * this.retryMs, MAX_RETRY_MS);
      this.cancelRetry = this.delay(() => this.connect(), wait);
    };
  }

  private receive(raw: string): void {
    const f = parseInstructorServerFrame(raw);
    if (!f) return;
    switch (f.type) {
      case 'roster':
        return this.update({learners: f.learners, offset: f.now - this.clock(), stuckAfterMs: f.stuckAfterMs});
      case 'watch': {
        if (f.learner !== this.wanted) return;
        const {type: _type, ...watching} = f;
        return this.update({watching});
      }
      case 'output':
        if (!this.isWatching()) return;
        for (const l of Array.from(this.outputListeners)) l(f.data);
        return;
      case 'notice': {
        const {notices, noticeCount} = this.snapshot;
        return this.update({notices: [...notices, f.text].slice(-MAX_NOTICES), noticeCount: noticeCount + 1});
      }
    }
  }

  private isWatching(): boolean {
    const w = this.snapshot.watching;
    return w?.state === 'watching' && w.learner === this.wanted;
  }

  /** Sends a frame if the socket is open; whether it was sent. */
  private send(frame: InstructorFrame): boolean {
    if (this.ws?.readyState !== OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  // The server closes the connection on a frame it cannot parse, so what
  // would not parse is never sent.

  /** Watch this learner's terminal (ending the last watch). */
  watch(learner: string): boolean {
    if (!LEARNER_ID.test(learner) || !this.send({type: 'watch', learner})) return false;
    this.wanted = learner;
    return true;
  }

  /** Stop watching; the panel goes at once, not when the server's answer comes. */
  unwatch(): void {
    this.wanted = undefined;
    this.send({type: 'unwatch'});
    if (this.snapshot.watching) this.update({watching: undefined});
  }

  /** Ask the learner whether their VM may be reset: their page asks them, nothing is reset until they allow it. */
  askReset(learner: string): boolean {
    return LEARNER_ID.test(learner) && this.send({type: 'reset', learner});
  }

  /** A message on every learner's page; false when it is empty, too long, or could not be sent. */
  broadcast(text: string): boolean {
    const t = text.trim();
    return t !== '' && t.length <= MAX_MESSAGE_CHARS && this.send({type: 'message', text: t});
  }

  dispose(): void {
    this.disposed = true;
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(1000);
    this.listeners.clear();
    this.outputListeners.clear();
  }
}
