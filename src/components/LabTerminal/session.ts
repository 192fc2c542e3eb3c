/*
 * One lab terminal's life on the page, as a plain object: start it (load
 * the terminal and connect at the same time), buffer the output that comes
 * before the terminal is there, acknowledge output in batches, follow the
 * terminal's size, type the Run buttons' commands once the prompt is up,
 * reset, reconnect, and undo all of it in one dispose(). The React component
 * (index.tsx) only renders its snapshot and wires its buttons to it.
 *
 * Its collaborators are passed in: the transport (how the lab is reached),
 * the terminal (xterm.js on the page, a fake in the tests), and how an
 * element's size is watched, so it runs in Node under test.
 */
import {ACK_BATCH_CHARS, ACK_DELAY_MS, wantsToken, type BuildFrame, type ConsoleIndex, type SourceFile, type StepProgress} from '../../../lab/protocol.ts';
import {Disposables} from './disposables.ts';
import type {TerminalFactory, TerminalLike} from './terminal.ts';
import type {LabStatus, LabTransport, TransportEvents} from './transport.ts';

export interface SessionSnapshot {
  readonly status: LabStatus;
  /** Start was asked for: the terminal is loading or there. */
  readonly started: boolean;
  /** The terminal is on the page. */
  readonly hasTerminal: boolean;
  /** The lab refused the access token, or got none: ask the learner for it. */
  readonly needsToken: boolean;
  readonly canReset: boolean;
  readonly canReconnect: boolean;
  /** A build can be sent (issue 12): a lab server's VM, ready. */
  readonly canBuild: boolean;
  /** What a workshop's instructor is doing with this terminal. */
  readonly instructor: InstructorView;
}

/** What the page shows of a workshop's instructor. */
export interface InstructorView {
  /** They watch this terminal, read-only. */
  readonly watching: boolean;
  /** Their last message to the class, until the learner dismisses it. */
  readonly message?: string;
  /** They asked to reset this VM; the learner has not answered. */
  readonly askReset: boolean;
}

const NO_INSTRUCTOR: InstructorView = {watching: false, askReset: false};

export interface SessionOptions {
  readonly lesson: string;
  readonly console: ConsoleIndex;
  /** Console 0's transport to the lab. */
  readonly connect: (events: TransportEvents) => LabTransport;
  /** For console 1: the session of the same lesson's console 0, whose VM it joins. */
  readonly first?: () => {readonly lab: LabTransport | undefined} | undefined;
  readonly loadTerminal: () => Promise<TerminalFactory>;
  /** Calls `changed` whenever `element` changes size; returns how to stop. */
  readonly watchSize?: (element: HTMLElement, changed: () => void) => () => void;
  readonly isDark?: () => boolean;
}

/** A first guess of the terminal's size from its box, sent with the hello before xterm.js is there. */
function guessSize(element: HTMLElement | undefined): {cols: number; rows: number} {
  return {cols: Math.max(20, Math.floor((element?.clientWidth ?? 640) / 8.4)), rows: 24};
}

function watchWithResizeObserver(element: HTMLElement, changed: () => void): () => void {
  const observer = new ResizeObserver(changed);
  observer.observe(element);
  return () => observer.disconnect();
}

export class LabTerminalSession {
  private status: LabStatus = {state: 'idle'};
  private snapshot: SessionSnapshot;
  private readonly listeners = new Set<() => void>();
  private element?: HTMLElement;
  private transport?: LabTransport;
  private terminal?: TerminalLike;
  private started = false;
  private wasReady = false;
  /** Output that came before the terminal: written, then acknowledged, once it is there. */
  private early: string[] = [];
  /** Commands from Run buttons, typed once the prompt is up. */
  private pending: string[] = [];
  private toAck = 0;
  /** Counts connections: output written for an earlier one is not acknowledged to a later one. */
  private epoch = 0;
  private ackTimer?: ReturnType<typeof setTimeout>;
  private disposables = new Disposables();
  private disposed = false;
  /** Builds sent and not yet ended, by id: who to tell. */
  private readonly builds = new Map<number, (frame: BuildFrame) => void>();
  private buildIds = 0;
  private readonly outputWatchers = new Set<(data: string) => void>();
  private instructor: InstructorView = NO_INSTRUCTOR;

  constructor(private readonly opts: SessionOptions) {
    this.snapshot = this.makeSnapshot();
  }

  get lesson(): string {
    return this.opts.lesson;
  }

  get console(): ConsoleIndex {
    return this.opts.console;
  }

  // For React's useSyncExternalStore: arrow functions, so they can be passed as they are.
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): SessionSnapshot => this.snapshot;

  /** What the learner did on the page, for a lab server that keeps a workshop's progress. */
  reportProgress(e: StepProgress): void {
    this.transport?.progress?.(e);
  }

  /** The VM's output as it comes, for a part of the page that waits for a line (a check's verdict). */
  watchOutput(watcher: (data: string) => void): () => void {
    this.outputWatchers.add(watcher);
    return () => this.outputWatchers.delete(watcher);
  }

  /** The element the terminal goes into; set by the component when it mounts. */
  mount(element: HTMLElement): void {
    this.element = element;
  }

  /** This session's transport, for a second terminal into the same VM. */
  get lab(): LabTransport | undefined {
    return this.transport;
  }

  private makeSnapshot(): SessionSnapshot {
    const {state} = this.status;
    const needsToken = state === 'error' && wantsToken(this.status.reason);
    return {
      status: this.status,
      started: this.started,
      hasTerminal: this.terminal !== undefined,
      needsToken,
      canReset: this.opts.console === 0 && ['ready', 'exited', 'panic'].includes(state),
      canReconnect: this.terminal !== undefined && ['disconnected', 'full', 'error'].includes(state) && !needsToken,
      canBuild: state === 'ready' && this.transport?.build !== undefined && (this.transport.canBuild?.() ?? true),
      instructor: this.instructor,
    };
  }

  private changed(): void {
    this.snapshot = this.makeSnapshot();
    // Array.from, not a spread: the site's Babel (loose mode) spreads a Set as if it were an array.
    for (const l of Array.from(this.listeners)) l();
  }

  private setStatus(status: LabStatus): void {
    this.status = status;
    this.changed();
  }

  private readonly events: TransportEvents = {
    output: (data) => {
      for (const w of Array.from(this.outputWatchers)) w(data);
      if (this.terminal) this.write(this.terminal, data);
      else this.early.push(data);
    },
    status: (s) => {
      if (s.state === 'connecting' || s.state === 'disconnected') {
        this.forgetAcks();
        // A new connection is told again if anyone watches or asks.
        this.instructor = {...this.instructor, watching: false, askReset: false};
      }
      // The answers to builds under way went to the connection that is gone, or the VM did.
      if (s.state !== 'ready' && s.state !== 'booting') this.endBuilds(s);
      // A reset: a fresh screen for a fresh VM, once (its progress comes as more booting statuses).
      if (s.state === 'booting' && this.wasReady && this.status.state !== 'booting') this.terminal?.reset();
      if (s.state === 'ready') this.wasReady = true;
      this.setStatus(s);
      if (s.state === 'ready') queueMicrotask(() => this.typePending());
    },
    instructor: (n) => {
      if (n.event === 'watching' || n.event === 'not-watching') this.instructor = {...this.instructor, watching: n.event === 'watching'};
      else if (n.event === 'ask-reset') this.instructor = {...this.instructor, askReset: true};
      else if (n.text) this.instructor = {...this.instructor, message: n.text};
      this.changed();
    },
    build: (frame) => {
      const report = this.builds.get(frame.id);
      if (!report) return;
      if (!['queued', 'building'].includes(frame.state)) this.builds.delete(frame.id);
      if (frame.state === 'done') this.announce(frame);
      report(frame);
    },
  };

  private endBuilds(s: LabStatus): void {
    const reports = Array.from(this.builds.entries());
    this.builds.clear();
    for (const [id, report] of reports) report({type: 'build', id, state: 'refused', reason: 'no-vm', message: s.message ?? s.state});
  }

  /**
   * What a build put into the VM, said in the terminal: the learner sees it
   * where they will load it. Written by the page, not the guest, so it is
   * not counted in the acknowledgements of the guest's output.
   */
  private announce(frame: BuildFrame): void {
    const files = frame.delivered ?? [];
    if (!this.terminal || files.length === 0) return;
    const dir = files[0]!.path.replace(/\/[^/]*$/, '');
    const list = files.map((f) => `${f.path.slice(dir.length + 1)}${f.changed ? '' : ' (unchanged)'}`).join(', ');
    this.terminal.write(`\r\n\x1b[2m[build] in ${dir}: ${list}\x1b[0m\r\n`, () => undefined);
  }

  /**
   * Build the lesson (this session's, or `lesson`, another folder of the
   * same VM) with `files` into this session's VM; `report` hears
   * each step, the last one done, failed or refused. False when this lab
   * cannot build: not connected, or a lab without a server (the tab).
   */
  build(files: SourceFile[], report: (frame: BuildFrame) => void, lesson?: string): boolean {
    if (this.status.state !== 'ready' || !this.transport?.build) return false;
    const id = ++this.buildIds;
    if (!this.transport.build(id, files, lesson === this.lesson ? undefined : lesson)) return false;
    this.builds.set(id, report);
    return true;
  }



  private write(t: TerminalLike, data: string): void {
    const epoch = this.epoch;
    t.write(data, () => epoch === this.epoch && this.acknowledge(data.length));
  }

  /** Acknowledge in batches: at ACK_BATCH_CHARS, or ACK_DELAY_MS after the first unacknowledged write. */
  private acknowledge(chars: number): void {
    this.toAck += chars;
    if (this.toAck >= ACK_BATCH_CHARS) return this.flushAck();
    this.ackTimer ??= setTimeout(() => this.flushAck(), ACK_DELAY_MS);
  }

  /** A new connection starts its count afresh: the server forgets what the last one did not acknowledge. */
  private forgetAcks(): void {
    this.epoch++;
    this.toAck = 0;
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
  }

  private flushAck(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (this.toAck > 0) this.transport?.ack(this.toAck);
    this.toAck = 0;
  }

  /**
   * Start the lab: connect and load the terminal at the same time. The
   * connection opens with a size guessed from the box, and its first output
   * waits in `early` until the terminal is there; the real size follows as
   * a resize. Loading first and connecting after cost the learner both
   * delays in a row.
   */
  async start(): Promise<void> {
    if (this.started || this.disposed) return;
    const transport = this.makeTransport();
    if (!transport) {
      this.setStatus({state: 'error', reason: 'needs-console-0', message: 'start the first terminal on this page first'});
      return;
    }
    this.started = true;
    this.transport = transport;
    this.disposables.add(() => this.closeTransport());
    const guess = guessSize(this.element);
    transport.open(guess.cols, guess.rows);
    this.changed();

    let make: TerminalFactory;
    try {
      make = await this.opts.loadTerminal();
    } catch (e) {
      // Say so, and let Start lab try again.
      this.disposables.dispose();
      this.started = false;
      this.early = [];
      this.setStatus({state: 'error', reason: 'terminal-load-failed', message: (e as Error).message});
      return;
    }
    if (this.disposed || !this.element) return;
    const t = this.disposables.add(make(this.element, this.opts.isDark?.() ?? false));
    t.fit();
    this.terminal = t;
    for (const data of this.early.splice(0)) this.write(t, data);
    this.disposables.add(t.onData((d) => this.transport?.input(d)));
    this.disposables.add(t.onResize(({cols, rows}) => this.transport?.resize(cols, rows)));
    if (t.cols !== guess.cols || t.rows !== guess.rows) transport.resize(t.cols, t.rows);
    this.disposables.add((this.opts.watchSize ?? watchWithResizeObserver)(this.element, () => t.fit()));
    this.changed();
    // The box grew from its placeholder: show all of it (xterm.js draws nothing while it is out of view).
    this.element.scrollIntoView({block: 'nearest'});
    t.focus();
    if (this.status.state === 'ready') this.typePending();
  }

  private makeTransport(): LabTransport | undefined {
    if (this.opts.console === 0) return this.opts.connect(this.events);
    // A second terminal joins the first one's VM, so that one goes first.
    return this.opts.first?.()?.lab?.openConsole(this.opts.console, this.events);
  }

  private closeTransport(): void {
    this.flushAck();
    this.transport?.close();
    this.transport = undefined;
  }

  /** Type `text` (one command per line, each with an Enter) once the prompt is up; start the lab if needed. */
  run(text: string): void {
    this.pending.push(...text.split('\n'));
    if (!this.started) void this.start();
    else this.typePending();
  }

  private typePending(): void {
    if (this.status.state !== 'ready' || !this.transport || !this.terminal) return;
    for (const cmd of this.pending.splice(0)) this.transport.input(`${cmd}\r`);
  }

  /** The learner's answer to the instructor's reset question: yes resets the VM (on the server). */
  answerReset(given: boolean): void {
    if (!this.instructor.askReset) return;
    this.transport?.consent?.(given);
    this.instructor = {...this.instructor, askReset: false};
    this.changed();
  }

  dismissMessage(): void {
    const {message: _gone, ...rest} = this.instructor;
    this.instructor = rest;
    this.changed();
  }

  focus(): void {
    this.element?.scrollIntoView({block: 'nearest'});
    this.terminal?.focus();
  }

  reset(): void {
    this.transport?.reset();
    this.terminal?.focus();
  }

  /** Connect again (to the same VM while the server keeps it), e.g. after a disconnect or a token was typed. */
  reconnect(): void {
    const t = this.terminal;
    if (!t || !this.transport) return;
    this.flushAck();
    this.transport.open(t.cols, t.rows);
    t.focus();
  }

  paste(text: string): void {
    this.terminal?.paste(text);
    this.terminal?.focus();
  }

  selection(): string | undefined {
    return this.terminal?.selection();
  }

  setDark(dark: boolean): void {
    this.terminal?.setDark(dark);
  }

  /** The page is going away: close the connection, remove the terminal, stop every timer and watcher. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.ackTimer);
    this.disposables.dispose();
    this.terminal = undefined;
    this.listeners.clear();
  }
}
