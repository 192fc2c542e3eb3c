// One learner's lab: a VM for a lesson, the terminals attached to its
// consoles, and its life (boot or take from the pool, reset, guest exit,
// idle and length limits, the grace period after a disconnect). It knows
// nothing about WebSockets (terminals are ClientLinks) nor about QEMU (VMs
// come from the pool, as LabMachines), so its tests run on fake machines.
import { randomBytes } from 'node:crypto';
import { CLOSE, closeReason, stateAfterExit, type ConsoleIndex, type InstructorNotice, type SessionState, type Status } from '../protocol.ts';
import type { VMExit } from '../vm/lab-vm.ts';
import type { BuildDestination } from '../build/build-service.ts';
import { NO_EVENTS, type LabEvents } from './events.ts';
import type { LabMachine } from './lab-machine.ts';
import type { Limits } from './limits.ts';
import type { MachinePool } from './pool.ts';

export interface ClientLink {
  status(status: Status): void;
  output(data: string): void;
  /** The guest took (or Ctrl-C threw away) this many more characters of input. */
  taken(chars: number): void;
  /** Another terminal took this console over, or the session ended. */
  close(code: number, reason: string): void;
  /** From the workshop's instructor: watching, a message, a reset to consent to. */
  instructor?(notice: Omit<InstructorNotice, 'type'>): void;
}

/** Someone who watches console 0 without a say in it: the instructor (classroom.ts). */
export interface Viewer {
  output(data: string): void;
  /** The session is over; the viewer is forgotten. */
  ended(reason: string): void;
}

/** The learner a session is for, in a workshop: their browser's id and the name they gave. */
export interface Learner {
  learner: string;
  name?: string;
}

/** Console 0's recent output, kept for a viewer who starts watching mid-session. */
const RECENT_OUTPUT_CHARS = 32 * 1024;
/** Clears a terminal (RIS): what a viewer gets when the VM is replaced, as the learner's terminal clears then. */
const CLEAR_SCREEN = '\x1bc';

/** How a session retries a start that failed; the defaults suit a real VM. */
export interface StartPolicy {
  /** Tries in all before the session reports `start-failed`. */
  attempts: number;
  /** The wait before the second try; each further one waits four times longer. */
  firstRetryMs: number;
  /** How long the shell may take to answer the cd into the lesson. */
  enterTimeoutMs: number;
}

export const DEFAULT_START_POLICY: StartPolicy = { attempts: 3, firstRetryMs: 250, enterTimeoutMs: 3000 };

/** How often a cold boot reports progress. */
const PROGRESS_EVERY_MS = 200;
/** A boot's progress never claims more than this before the prompt is there. */
export const MAX_BOOT_PROGRESS = 0.95;

/** Boot progress after `elapsedMs` of a boot expected to take `expectedMs`: reaches 95% at the expected time, never 100%. */
export function bootProgress(elapsedMs: number, expectedMs: number): number {
  const p = Math.min(MAX_BOOT_PROGRESS, (MAX_BOOT_PROGRESS * elapsedMs) / Math.max(1, expectedMs));
  return Math.round(p * 100) / 100;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

export class Session {
  readonly id = randomBytes(18).toString('base64url');
  private state: SessionState = 'booting';
  private ended = false;
  private machine?: LabMachine;
  /** Counts VMs, so a VM or a boot that outlived a reset or the end is not taken for the current one. */
  private generation = 0;
  private bootAbort?: AbortController;
  private readonly links: (ClientLink | undefined)[];
  private readonly sizes: ({ cols: number; rows: number } | undefined)[];
  private exitStatus?: Status;
  private bootStarted = 0;
  private progressTimer?: NodeJS.Timeout;
  private graceTimer?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;
  private lengthTimer?: NodeJS.Timeout;
  /** The session's maximum length is over: no VM, and no reset gives one. */
  private timeUp = false;
  /** When input on each console went to the VM with no output from it since: the echo time's start. */
  private readonly typedAt: (number | undefined)[] = [];
  private readonly viewers = new Set<Viewer>();
  private recent: string[] = [];
  private recentChars = 0;
  /** The instructor asked to reset this VM and the learner has not answered. */
  private resetAsked = false;
  /** Whose lab this is, when their page said (a workshop's learner). */
  who?: Learner;

  constructor(
    readonly lesson: string,
    private readonly pool: MachinePool,
    private readonly limits: Limits,
    /** Called once when the session is over, to forget it. */
    private readonly onEnd: (s: Session) => void,
    private readonly startPolicy: StartPolicy = DEFAULT_START_POLICY,
    private readonly events: Pick<LabEvents, 'panic' | 'echo'> = NO_EVENTS,
  ) {
    const consoles = 1 + limits.extraConsoles;
    this.links = new Array<ClientLink | undefined>(consoles).fill(undefined);
    this.sizes = new Array<{ cols: number; rows: number } | undefined>(consoles).fill(undefined);
  }

  /** Whether this session holds (or is getting) a VM: what the session limit counts. */
  get hasVM(): boolean {
    return !this.ended && (this.state === 'booting' || this.state === 'ready');
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Where the session is: booting, ready, or why it has no VM. */
  get status(): SessionState {
    return this.state;
  }

  get attached(): number {
    return this.links.filter(Boolean).length;
  }

  /**
   * Get a VM: from the pool when one is waiting (warm), else boot one
   * (cold). A VM whose shell does not answer is thrown away and the start
   * tried again, a few times with growing waits, then the session reports
   * `start-failed` and waits for a reset.
   */
  async start(): Promise<void> {
    if (this.ended) return;
    if (this.timeUp) return this.broadcast(this.exitStatus ?? this.timeUpStatus());
    const gen = ++this.generation;
    this.bootAbort?.abort();
    const abort = new AbortController();
    this.bootAbort = abort;
    this.state = 'booting';
    this.exitStatus = undefined;
    this.bootStarted = performance.now();
    this.startLengthTimer();
    this.broadcast({ state: 'booting', progress: 0 });
    const { attempts, firstRetryMs, enterTimeoutMs } = this.startPolicy;
    let why = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        await sleep(firstRetryMs * 4 ** (attempt - 2));
        if (gen !== this.generation) return;
      }
      let m = this.pool.take();
      if (!m) {
        this.progressTimer = setInterval(() => this.reportProgress(), PROGRESS_EVERY_MS);
        try {
          m = await this.pool.bootForLearner(abort.signal);
        } catch (e) {
          if (gen !== this.generation) return;
          why = `it did not boot (${firstLine(e)})`;
          continue;
        } finally {
          clearInterval(this.progressTimer);
        }
      }
      if (gen !== this.generation) {
        this.pool.adopt(m);
        return;
      }
      try {
        await m.enterLesson(this.lesson, enterTimeoutMs);
      } catch (e) {
        void m.stop();
        if (gen !== this.generation) return;
        why = `its shell did not answer (${firstLine(e)})`;
        continue;
      }
      if (gen !== this.generation) {
        void m.stop();
        return;
      }
      this.becomeReady(gen, m);
      return;
    }
    this.state = 'exited';
    this.exitStatus = { state: 'exited', reason: 'start-failed', message: `the lab VM did not start after ${attempts} tries: ${why}` };
    this.broadcast(this.exitStatus);
  }

  private becomeReady(gen: number, m: LabMachine): void {
    this.machine = m;
    this.state = 'ready';
    this.typedAt.length = 0;
    this.recent = [];
    this.recentChars = 0;
    for (const v of this.viewers) v.output(CLEAR_SCREEN);
    this.sizes.forEach((size, i) => size && m.channels[i]?.resize(size.cols, size.rows));
    // Whoever is on the console now, so its input window is kept right across reconnections.
    m.channels.forEach((ch, i) => ch.onInputTaken((n) => this.links[i]?.taken(n)));
    void m.exited.then((exit) => this.onExit(gen, exit));
    this.touch();
    this.links.forEach((link, i) => link && this.connect(i as ConsoleIndex, link, false));
  }

  private reportProgress(): void {
    const progress = bootProgress(performance.now() - this.bootStarted, this.pool.expectedBootMs);
    this.broadcast({ state: 'booting', progress });
  }

  private onExit(gen: number, exit: VMExit): void {
    if (gen !== this.generation) return;
    this.machine = undefined;
    this.state = stateAfterExit(exit.reason);
    if (this.state === 'panic') this.events.panic();
    this.exitStatus =
      this.state === 'panic'
        ? { state: 'panic', reason: 'panic', message: exit.panic, tail: exit.tail }
        : { state: 'exited', reason: exit.reason, tail: exit.tail };
    this.broadcast(this.exitStatus);
    clearTimeout(this.idleTimer);
  }

  /**
   * A terminal on console `index`. A terminal already there (a tab left
   * open, a stale connection) is told it was replaced: one terminal per console.
   */
  attach(index: ConsoleIndex, link: ClientLink, cols: number, rows: number, resumed: boolean): void {
    const old = this.links[index];
    if (old) {
      this.machine?.channels[index]?.detach();
      old.close(CLOSE.normal, closeReason('replaced', 'another terminal took over this console'));
    }
    clearTimeout(this.graceTimer);
    this.links[index] = link;
    this.sizes[index] = { cols, rows };
    if (this.viewers.size > 0) link.instructor?.({ event: 'watching' });
    if (this.resetAsked) link.instructor?.({ event: 'ask-reset' });
    if (this.state === 'ready' && this.machine) {
      this.machine.channels[index]?.resize(cols, rows);
      this.connect(index, link, resumed);
    } else if (this.state === 'booting') {
      link.status({ state: 'booting', progress: 0 });
    } else if (this.exitStatus) {
      link.status(this.exitStatus);
    }
  }

  private connect(index: ConsoleIndex, link: ClientLink, resumed: boolean): void {
    link.status({ state: 'ready', session: this.id, console: index, resumed, started: this.machine?.started });
    this.machine?.channels[index]?.attach((d) => {
      const typed = this.typedAt[index];
      if (typed !== undefined) {
        this.typedAt[index] = undefined;
        this.events.echo(performance.now() - typed);
      }
      if (index === 0) this.keepRecent(d);
      link.output(d);
    });
  }

  private keepRecent(d: string): void {
    this.recent.push(d);
    this.recentChars += d.length;
    while (this.recentChars - (this.recent[0]?.length ?? 0) >= RECENT_OUTPUT_CHARS) this.recentChars -= this.recent.shift()!.length;
    for (const v of this.viewers) v.output(d);
  }

  /**
   * Watch console 0 from now on, with its recent output first. The viewer
   * gets output only: nothing it could send reaches the VM. The learner's
   * terminals are told while anyone watches.
   */
  watch(viewer: Viewer): () => void {
    if (this.ended) {
      viewer.ended('the session is over');
      return () => undefined;
    }
    this.viewers.add(viewer);
    if (this.recent.length > 0) viewer.output(this.recent.join(''));
    if (this.viewers.size === 1) this.notify({ event: 'watching' });
    return () => {
      if (this.viewers.delete(viewer) && this.viewers.size === 0 && !this.ended) this.notify({ event: 'not-watching' });
    };
  }

  /** Tell every terminal of this session (a message, a reset to consent to). */
  notify(notice: Omit<InstructorNotice, 'type'>): void {
    for (const link of this.links) link?.instructor?.(notice);
  }

  /** The instructor asks to reset the VM: the learner's page asks them. False when no terminal is there to ask. */
  askReset(): boolean {
    if (this.ended || this.attached === 0) return false;
    this.resetAsked = true;
    this.notify({ event: 'ask-reset' });
    return true;
  }

  /**
   * The learner's answer to askReset, taken once: false when nothing was
   * asked. The caller resets on a yes, as for the learner's own Reset.
   */
  answerAsk(): boolean {
    const asked = this.resetAsked;
    this.resetAsked = false;
    return asked;
  }

  /** The terminal left; after the grace period with none left, the session ends. */
  detach(index: ConsoleIndex, link: ClientLink): void {
    if (this.links[index] !== link) return;
    this.links[index] = undefined;
    this.machine?.channels[index]?.detach();
    if (this.attached === 0 && !this.ended) {
      clearTimeout(this.graceTimer);
      this.graceTimer = setTimeout(() => void this.end('grace period over'), this.limits.graceMs);
      this.graceTimer.unref();
    }
  }

  /**
   * Input for console `index`. False when the console's input queue is full:
   * the caller stops reading until onInputDrain. Only input that has
   * characters counts as activity for the idle limit.
   */
  input(index: ConsoleIndex, data: string): boolean {
    const ch = this.machine?.channels[index];
    if (this.state !== 'ready' || !ch) return true;
    if (data !== '') {
      this.touch();
      this.typedAt[index] ??= performance.now();
    }
    return ch.write(data);
  }

  /** Call `listener` once console `index` takes input again (or has gone: a reset, the end). */
  onInputDrain(index: ConsoleIndex, listener: () => void): () => void {
    const ch = this.machine?.channels[index];
    if (!ch) {
      queueMicrotask(listener);
      return () => undefined;
    }
    const off = ch.onInputDrain(() => {
      off();
      listener();
    });
    return off;
  }

  resize(index: ConsoleIndex, cols: number, rows: number): void {
    this.sizes[index] = { cols, rows };
    if (this.state === 'ready') this.machine?.channels[index]?.resize(cols, rows);
  }

  /** False when the terminal acknowledges more output than it was sent. */
  ack(index: ConsoleIndex, chars: number): boolean {
    const ch = this.machine?.channels[index];
    // Output sent before a reset or the VM's end is acknowledged into the void.
    if (!ch || this.state !== 'ready') return true;
    return ch.ack(chars);
  }

  /** A fresh VM: the old one is stopped, the terminals get "booting" (and clear), then the new prompt. */
  async reset(): Promise<void> {
    // A reset while booting would only throw away the VM on its way.
    if (this.ended || this.state === 'booting') return;
    if (this.timeUp) return this.broadcast(this.exitStatus ?? this.timeUpStatus());
    const old = this.machine;
    this.machine = undefined;
    clearTimeout(this.idleTimer);
    if (old) {
      for (const ch of old.channels) ch.detach();
      void old.stop();
    }
    await this.start();
  }

  /**
   * The VM a learner's build goes into (lab/build/): the running one, while
   * the session is ready. Building counts as activity, as typing does: a
   * learner at the editor is not idle.
   */
  buildDestination(): BuildDestination | undefined {
    if (this.ended || this.state !== 'ready' || !this.machine || this.machine.isExited) return undefined;
    this.touch();
    return this.machine;
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stopVM('idle', `stopped after ${minutes(this.limits.idleMs)} without input`), this.limits.idleMs);
    this.idleTimer.unref();
  }

  /** The session's length counts from its first VM, across resets. */
  private startLengthTimer(): void {
    if (this.lengthTimer) return;
    this.lengthTimer = setTimeout(() => {
      this.timeUp = true;
      this.stopVM('time-limit', this.timeUpStatus().message ?? '');
    }, this.limits.maxSessionMs);
    this.lengthTimer.unref();
  }

  private timeUpStatus(): Status {
    return {
      state: 'exited',
      reason: 'time-limit',
      message: `this lab's maximum length of ${minutes(this.limits.maxSessionMs)} is over; reload the page for a new one`,
    };
  }

  /** Stop the VM (or the boot on its way) but keep the session, so the learner sees why and can reset. */
  private stopVM(reason: 'idle' | 'time-limit', message: string): void {
    if (this.ended || (this.state !== 'ready' && this.state !== 'booting')) {
      if (reason === 'time-limit' && !this.ended) this.exitStatus = this.timeUpStatus();
      return;
    }
    const m = this.machine;
    this.generation++;
    this.bootAbort?.abort();
    clearInterval(this.progressTimer);
    clearTimeout(this.idleTimer);
    this.machine = undefined;
    this.state = 'exited';
    this.exitStatus = { state: 'exited', reason, message };
    this.broadcast(this.exitStatus);
    void m?.stop();
  }

  /** The end: VM stopped and reaped, terminals closed, session forgotten. */
  async end(reason: string, code: number = CLOSE.goingAway): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.generation++;
    this.bootAbort?.abort();
    for (const t of [this.graceTimer, this.idleTimer, this.lengthTimer]) clearTimeout(t);
    clearInterval(this.progressTimer);
    const links = this.links.splice(0);
    for (const link of links) link?.close(code, closeReason('session-over', reason));
    const viewers = [...this.viewers];
    this.viewers.clear();
    for (const v of viewers) v.ended(reason);
    this.onEnd(this);
    await this.machine?.stop();
    this.machine = undefined;
  }

  private broadcast(status: Status): void {
    for (const link of this.links) link?.status(status);
  }

  /** Output held or unacknowledged, over all consoles: bounded by flow control. */
  get pendingOutput(): number {
    return this.machine?.channels.reduce((n, ch) => n + ch.pending, 0) ?? 0;
  }

  /** Input queued for the guest, over all consoles: bounded by the input queue. */
  get pendingInput(): number {
    return this.machine?.channels.reduce((n, ch) => n + ch.input.length, 0) ?? 0;
  }

  /** For tests and /lab/status: the QEMU pid of the current VM. */
  get vmPid(): number | undefined {
    return this.machine?.pid;
  }
}

function minutes(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}
