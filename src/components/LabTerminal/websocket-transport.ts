/*
 * The lab server's transport: one WebSocket per console, on the page's own
 * origin, speaking lab/protocol.ts (documented in lab/server/PROTOCOL.md).
 * No React and no xterm.js here, and the WebSocket class is passed in, so
 * the tests run it in Node against a fake socket and the real server.
 */
import {
  cutAt,
  encodeFrame,
  INPUT_CHUNK_CHARS,
  INPUT_WINDOW_CHARS,
  INTERRUPT,
  labSocketUrl,
  parseServerFrame,
  PROTOCOL_VERSION,
  refusalOfClose,
  type ClientFrame,
  type ConsoleIndex,
  type StepProgress,
  type SourceFile,
  type StatusState,
} from '../../../lab/protocol.ts';
import type {LabStatus, LabTransport, TransportEvents} from './transport.ts';

/** The part of the DOM's WebSocket this transport uses (the `ws` package's matches it too). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: {data: unknown}) => void) | null;
  onclose: ((ev: {code: number; reason: string}) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type SocketFactory = (url: string) => SocketLike;

const OPEN = 1;

export interface WebSocketTransportOptions {
  lesson: string;
  console: ConsoleIndex;
  events: TransportEvents;
  /** The server's WebSocket URL; see labSocketUrl. */
  url: string;
  /** Read at each open, so a token typed after a refusal is used on the retry. */
  token?: () => string | undefined;
  /** The session to join: for console 1, console 0's. */
  join?: () => string | undefined;
  /** The learner's id for the hello (src/components/Progress/learner.ts). */
  learner?: () => string | undefined;
  /** The name the learner gave for a workshop's instructor, if any. */
  name?: () => string | undefined;
  socket?: SocketFactory;
}

export {labSocketUrl};

/** States after which the connection's close says nothing new. */
const FINAL: ReadonlySet<StatusState> = new Set(['full', 'error']);

export class WebSocketTransport implements LabTransport {
  private ws?: SocketLike;
  private session?: string;
  private lastState?: StatusState;
  /** Input the guest has not taken yet, as far as this page knows (INPUT_WINDOW_CHARS at most). */
  private inFlight = 0;
  /** Input held back while the window is full. */
  private held = '';
  private readonly newSocket: SocketFactory;

  constructor(private readonly opts: WebSocketTransportOptions) {
    this.newSocket = opts.socket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
  }

  /** The server's id for this VM, once it is ready: what a reconnect resumes. */
  get sessionId(): string | undefined {
    return this.session;
  }

  open(cols: number, rows: number): void {
    this.dropSocket();
    const ws = this.newSocket(this.opts.url);
    this.ws = ws;
    this.lastState = undefined;
    // A new connection: what the old one had in flight is the server's past.
    this.inFlight = 0;
    this.held = '';
    this.opts.events.status({state: 'connecting'});
    const token = this.opts.token?.();
    const resume = this.session ?? this.opts.join?.();
    const learner = this.opts.learner?.();
    const name = this.opts.name?.();
    ws.onopen = () => {
      this.send({
        type: 'hello',
        v: PROTOCOL_VERSION,
        lesson: this.opts.lesson,
        console: this.opts.console,
        cols,
        rows,
        ...(token ? {token} : {}),
        ...(resume ? {resume} : {}),
        ...(learner ? {learner} : {}),
        ...(learner && name ? {name} : {}),
      });
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws || typeof ev.data !== 'string') return;
      const f = parseServerFrame(ev.data);
      if (!f) return;
      if (f.type === 'output') return this.opts.events.output(f.data);
      if (f.type === 'taken') {
        this.inFlight = Math.max(0, this.inFlight - f.chars);
        return this.sendHeld();
      }
      if (f.type === 'build') return this.opts.events.build?.(f);
      if (f.type === 'instructor') return this.opts.events.instructor?.(f);
      if (f.session) this.session = f.session;
      this.lastState = f.state;
      const {type: _type, session: _session, console: _console, resumed: _resumed, ...status} = f;
      this.opts.events.status(status);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      // A refusal (full, error) was already said in a status; the close adds nothing.
      if (this.lastState && FINAL.has(this.lastState)) return;
      const status: LabStatus = {state: 'disconnected'};
      const reason = refusalOfClose(ev.reason);
      if (reason) status.reason = reason;
      if (ev.reason) status.message = ev.reason;
      this.opts.events.status(status);
    };
  }

  private send(frame: ClientFrame): boolean {
    if (this.ws?.readyState !== OPEN) return false;
    this.ws.send(encodeFrame(frame));
    return true;
  }

  progress(e: StepProgress): void {
    // Not sent while disconnected: the browser keeps its own copy, and the instructor's misses it.
    this.send({type: 'progress', ...e});
  }

  consent(given: boolean): void {
    this.send({type: 'consent', given});
  }

  build(id: number, files: SourceFile[], lesson?: string): boolean {
    return this.send({type: 'build', id, ...(lesson ? {lesson} : {}), files});
  }

  /**
   * Input goes out while less than INPUT_WINDOW_CHARS of it is on its way
   * (the server says what the guest took); the rest waits here. A Ctrl-C
   * throws away what waits, as the terminal in the guest would, so a
   * Ctrl-C after a big paste into a busy shell has little ahead of it.
   */
  input(data: string): void {
    const interrupt = data.lastIndexOf(INTERRUPT);
    if (interrupt >= 0) {
      this.held = '';
      data = data.slice(interrupt);
    }
    this.held += data;
    this.sendHeld();
  }

  private sendHeld(): void {
    // A Ctrl-C goes out even into a full window: the server throws away
    // what it holds when it reads it, and says so.
    while (this.held && this.ws?.readyState === OPEN && (this.inFlight < INPUT_WINDOW_CHARS || this.held.startsWith(INTERRUPT))) {
      // One frame of at most INPUT_CHUNK_CHARS (the server takes MAX_INPUT_CHARS).
      const n = cutAt(this.held, Math.max(1, Math.min(INPUT_CHUNK_CHARS, INPUT_WINDOW_CHARS - this.inFlight)));
      this.send({type: 'input', data: this.held.slice(0, n)});
      this.held = this.held.slice(n);
      this.inFlight += n;
    }
  }

  resize(cols: number, rows: number): void {
    this.send({type: 'resize', cols, rows});
  }

  reset(): void {
    this.send({type: 'reset'});
  }

  ack(chars: number): void {
    if (chars > 0) this.send({type: 'ack', chars});
  }

  openConsole(index: ConsoleIndex, events: TransportEvents): LabTransport | undefined {
    if (!this.session) return undefined;
    return new WebSocketTransport({...this.opts, console: index, events, join: () => this.session});
  }

  private dropSocket(): void {
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(1000);
  }

  close(): void {
    this.dropSocket();
  }
}
