// One learner's lab: a VM for a lesson, the terminals attached to its
// consoles, and its life (boot or take from the pool, reset, guest exit,
// idle and length limits, the grace period after a disconnect). It knows
// nothing about WebSockets: terminals are ClientLinks.
import { randomBytes } from 'node:crypto';
import type { VMExit } from '../vm/lab-vm.ts';
import type { Limits } from './limits.ts';
import type { LabMachine } from './lab-machine.ts';
import type { MachinePool } from './pool.ts';
import type { StatusFrame } from './protocol.ts';

export interface ClientLink {
  status(frame: Omit<StatusFrame, 'type'>): void;
  output(data: string): void;
  /** Another terminal took this console over, or the session ended. */
  close(code: number, reason: string): void;
}

type State = 'booting' | 'ready' | 'exited' | 'panic' | 'ended';

/** How often a cold boot reports progress. */
const PROGRESS_EVERY_MS = 200;

export class Session {
  readonly id = randomBytes(18).toString('base64url');
  private state: State = 'booting';
  private machine?: LabMachine;
  /** Counts VMs so a VM that ends after a reset is not taken for the current one. */
  private generation = 0;
  private readonly links: (ClientLink | undefined)[];
  private readonly sizes: ({ cols: number; rows: number } | undefined)[];
  private exitStatus?: Omit<StatusFrame, 'type'>;
  private bootStarted = 0;
  private progressTimer?: NodeJS.Timeout;
  private graceTimer?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;
  private lengthTimer?: NodeJS.Timeout;

  constructor(
    readonly lesson: string,
    private readonly pool: MachinePool,
    private readonly limits: Limits,
    /** Called once when the session is over, to forget it. */
    private readonly onEnd: (s: Session) => void,
  ) {
    const consoles = 1 + limits.extraConsoles;
    this.links = new Array<ClientLink | undefined>(consoles).fill(undefined);
    this.sizes = new Array<{ cols: number; rows: number } | undefined>(consoles).fill(undefined);
  }

  /** Whether this session holds (or is getting) a VM: what the session limit counts. */
  get hasVM(): boolean {
    return this.state === 'booting' || this.state === 'ready';
  }

  get isEnded(): boolean {
    return this.state === 'ended';
  }

  get attached(): number {
    return this.links.filter(Boolean).length;
  }

  /** Get a VM: from the pool when one is waiting (warm), else boot one (cold). */
  async start(): Promise<void> {
    const gen = ++this.generation;
    this.state = 'booting';
    this.exitStatus = undefined;
    this.bootStarted = performance.now();
    this.broadcast({ state: 'booting', progress: 0 });
    let m = this.pool.take();
    if (!m) {
      this.progressTimer = setInterval(() => this.reportProgress(), PROGRESS_EVERY_MS);
      try {
        m = await this.pool.bootForLearner();
      } catch (e) {
        clearInterval(this.progressTimer);
        if (gen !== this.generation) return;
        this.state = 'exited';
        this.exitStatus = { state: 'error', message: `the lab VM did not boot: ${(e as Error).message.split('\n')[0]}` };
        this.broadcast(this.exitStatus);
        return;
      } finally {
        clearInterval(this.progressTimer);
      }
    }
    if (gen !== this.generation) {
      void m.stop();
      return;
    }
    try {
      await m.enterLesson(this.lesson);
    } catch {
      // A VM that does not answer a cd is not worth keeping; boot a fresh one.
      void m.stop();
      if (gen === this.generation) return this.start();
      return;
    }
    if (gen !== this.generation) {
      void m.stop();
      return;
    }
    this.machine = m;
    this.state = 'ready';
    this.sizes.forEach((size, i) => size && m.channels[i]?.resize(size.cols, size.rows));
    void m.exited.then((exit) => this.onExit(gen, exit));
    this.restartLengthTimer();
    this.touch();
    this.links.forEach((link, i) => link && this.connect(i, link, false));
  }

  private reportProgress(): void {
    const elapsed = performance.now() - this.bootStarted;
    // Approaches 95% at the expected boot time, never claims 100% early.
    const progress = Math.min(0.95, elapsed / this.pool.expectedBootMs) * 0.95;
    this.broadcast({ state: 'booting', progress: Math.round(progress * 100) / 100 });
  }

  private onExit(gen: number, exit: VMExit): void {
    if (gen !== this.generation) return;
    this.machine = undefined;
    this.state = exit.reason === 'panic' ? 'panic' : 'exited';
    this.exitStatus =
      exit.reason === 'panic'
        ? { state: 'panic', message: exit.panic, tail: exit.tail }
        : { state: 'exited', reason: exit.reason, tail: exit.tail };
    this.broadcast(this.exitStatus);
    clearTimeout(this.idleTimer);
    clearTimeout(this.lengthTimer);
  }

  /**
   * A terminal on console `index`. A terminal already there (a tab left
   * open, a stale connection) is told it was replaced: one terminal per console.
   */
  attach(index: number, link: ClientLink, cols: number, rows: number, resumed: boolean): void {
    const old = this.links[index];
    if (old) {
      this.machine?.channels[index]?.detach();
      old.close(1000, 'another terminal took over this console');
    }
    clearTimeout(this.graceTimer);
    this.links[index] = link;
    this.sizes[index] = { cols, rows };
    if (this.state === 'ready' && this.machine) {
      this.machine.channels[index]?.resize(cols, rows);
      this.connect(index, link, resumed);
    } else if (this.state === 'booting') {
      link.status({ state: 'booting', progress: 0 });
    } else if (this.exitStatus) {
      link.status(this.exitStatus);
    }
  }

  private connect(index: number, link: ClientLink, resumed: boolean): void {
    link.status({ state: 'ready', session: this.id, console: index, resumed });
    this.machine?.channels[index]?.attach((d) => link.output(d));
  }

  /** The terminal left; after the grace period with none left, the session ends. */
  detach(index: number, link: ClientLink): void {
    if (this.links[index] !== link) return;
    this.links[index] = undefined;
    this.machine?.channels[index]?.detach();
    if (this.attached === 0 && this.state !== 'ended') {
      clearTimeout(this.graceTimer);
      this.graceTimer = setTimeout(() => void this.end('grace period over'), this.limits.graceMs);
      this.graceTimer.unref();
    }
  }

  input(index: number, data: string): void {
    if (this.state !== 'ready') return;
    this.touch();
    this.machine?.channels[index]?.write(data);
  }

  resize(index: number, cols: number, rows: number): void {
    this.sizes[index] = { cols, rows };
    if (this.state === 'ready') this.machine?.channels[index]?.resize(cols, rows);
  }

  /** False when the terminal acknowledges more output than it was sent. */
  ack(index: number, chars: number): boolean {
    const ch = this.machine?.channels[index];
    // Output sent before a reset or the VM's end is acknowledged into the void.
    if (!ch || this.state !== 'ready') return true;
    return ch.ack(chars);
  }

  /** A fresh VM: the old one is stopped, the terminals get "booting" (and clear), then the new prompt. */
  async reset(): Promise<void> {
    // A reset while booting would only throw away the VM on its way.
    if (this.state === 'ended' || this.state === 'booting') return;
    const old = this.machine;
    this.machine = undefined;
    clearTimeout(this.idleTimer);
    clearTimeout(this.lengthTimer);
    if (old) {
      for (const ch of old.channels) ch.detach();
      void old.stop();
    }
    await this.start();
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stopVM('idle', `stopped after ${minutes(this.limits.idleMs)} without input`), this.limits.idleMs);
    this.idleTimer.unref();
  }

  private restartLengthTimer(): void {
    clearTimeout(this.lengthTimer);
    this.lengthTimer = setTimeout(
      () => this.stopVM('time-limit', `stopped after the maximum session length of ${minutes(this.limits.maxSessionMs)}`),
      this.limits.maxSessionMs,
    );
    this.lengthTimer.unref();
  }

  /** Stop the VM but keep the session, so the learner sees why and can reset. */
  private stopVM(reason: string, message: string): void {
    const m = this.machine;
    if (!m || this.state !== 'ready') return;
    this.generation++;
    this.machine = undefined;
    this.state = 'exited';
    this.exitStatus = { state: 'exited', reason, message };
    this.broadcast(this.exitStatus);
    void m.stop();
  }

  /** The end: VM stopped and reaped, terminals closed, session forgotten. */
  async end(reason: string, code = 1001): Promise<void> {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.generation++;
    for (const t of [this.graceTimer, this.idleTimer, this.lengthTimer]) clearTimeout(t);
    clearInterval(this.progressTimer);
    const links = this.links.splice(0);
    for (const link of links) link?.close(code, reason);
    this.onEnd(this);
    await this.machine?.stop();
    this.machine = undefined;
  }

  private broadcast(status: Omit<StatusFrame, 'type'>): void {
    for (const link of this.links) link?.status(status);
  }

  /** Output held or unacknowledged, over all consoles: bounded by flow control. */
  get pendingOutput(): number {
    return this.machine?.channels.reduce((n, ch) => n + ch.pending, 0) ?? 0;
  }

  /** For tests and /lab/status: the QEMU pid of the current VM. */
  get vmPid(): number | undefined {
    return this.machine?.pid;
  }
}

function minutes(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}
