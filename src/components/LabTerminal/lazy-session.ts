/*
 * A lab terminal's session as the page holds it before the lab starts: a
 * stand-in that knows its lesson and console, registers for the Run
 * buttons, and shows "not started", while the session's code
 * (session.ts), its transport's (websocket-transport.ts, or
 * tab-transport.ts with v86 behind it) and xterm.js stay unloaded. They are
 * loaded when the learner shows an intent to start (preload) or starts;
 * from then on every call goes to the real LabTerminalSession.
 */
import type {BuildFrame, ConsoleIndex, StepProgress, SourceFile} from '../../../lab/protocol.ts';
import type {LabTerminalSession, SessionSnapshot} from './session.ts';
import type {LabTransport} from './transport.ts';

export const IDLE: SessionSnapshot = {
  status: {state: 'idle'},
  started: false,
  hasTerminal: false,
  needsToken: false,
  canReset: false,
  canReconnect: false,
  canBuild: false,
  instructor: {watching: false, askReset: false},
};

export class LazySession {
  private real?: LabTerminalSession;
  private loading?: Promise<LabTerminalSession | undefined>;
  private element?: HTMLElement;
  private snapshot: SessionSnapshot = IDLE;
  private readonly listeners = new Set<() => void>();
  private readonly outputWatchers = new Set<(data: string) => void>();
  private disposed = false;

  constructor(
    readonly lesson: string,
    readonly console: ConsoleIndex,
    /** Loads the code and makes the session. */
    private readonly make: () => Promise<LabTerminalSession>,
  ) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): SessionSnapshot => this.real?.getSnapshot() ?? this.snapshot;

  private changed(): void {
    // Array.from, not a spread: the site's Babel (loose mode) spreads a Set as if it were an array.
    for (const l of Array.from(this.listeners)) l();
  }

  /** Load the session's code now (the pointer is on "Start lab"); a failure is tried again on start. */
  preload(): Promise<LabTerminalSession | undefined> {
    this.loading ??= this.make().then(
      (s) => {
        if (this.disposed) {
          s.dispose();
          return undefined;
        }
        this.real = s;
        s.watchOutput((data) => {
          for (const w of Array.from(this.outputWatchers)) w(data);
        });
        if (this.element) s.mount(this.element);
        s.subscribe(() => this.changed());
        this.changed();
        return s;
      },
      (e: unknown) => {
        this.loading = undefined;
        throw e;
      },
    );
    return this.loading;
  }

  /** Load, then do `f` with the session; a failed load is said as the terminal's status. */
  private withSession(f: (s: LabTerminalSession) => void): void {
    if (this.real) return f(this.real);
    if (this.disposed) return;
    this.snapshot = {...IDLE, started: true, status: {state: 'connecting'}};
    this.changed();
    this.preload().then(
      (s) => s && f(s),
      (e: unknown) => {
        this.snapshot = {...IDLE, status: {state: 'error', reason: 'terminal-load-failed', message: e instanceof Error ? e.message : String(e)}};
        this.changed();
      },
    );
  }

  mount(element: HTMLElement): void {
    this.element = element;
    this.real?.mount(element);
  }

  /** The session's transport, for a second terminal into the same VM. */
  get lab(): LabTransport | undefined {
    return this.real?.lab;
  }

  /** The VM's output as it comes (LabTerminalSession.watchOutput), from before or after the load. */
  watchOutput(watcher: (data: string) => void): () => void {
    this.outputWatchers.add(watcher);
    return () => this.outputWatchers.delete(watcher);
  }

  /** What the learner did (LabTerminalSession.reportProgress); nothing before the lab runs. */
  reportProgress(e: StepProgress): void {
    this.real?.reportProgress(e);
  }

  start(): void {
    this.withSession((s) => void s.start());
  }

  run(text: string): void {
    this.withSession((s) => s.run(text));
  }

  focus(): void {
    if (this.real) this.real.focus();
    else this.element?.scrollIntoView({block: 'nearest'});
  }

  reset(): void {
    this.real?.reset();
  }

  reconnect(): void {
    this.real?.reconnect();
  }

  answerReset(given: boolean): void {
    this.real?.answerReset(given);
  }

  dismissMessage(): void {
    this.real?.dismissMessage();
  }

  paste(text: string): void {
    this.real?.paste(text);
  }

  selection(): string | undefined {
    return this.real?.selection();
  }

  setDark(dark: boolean): void {
    this.real?.setDark(dark);
  }

  /** Build into this lab's VM (LabTerminalSession.build); false before the lab runs. */
  build(files: SourceFile[], report: (frame: BuildFrame) => void, lesson?: string): boolean {
    return this.real?.build(files, report, lesson) ?? false;
  }

  dispose(): void {
    this.disposed = true;
    this.real?.dispose();
    this.listeners.clear();
  }
}
