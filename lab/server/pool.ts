// Booted VMs waiting for learners, so "Start lab" and "Reset" take a VM
// whose kernel is already up (the warm path) instead of booting one (about
// a second under TCG). At most `maxBooting` VMs boot at once, learners'
// cold boots included: twenty boots at once on two cores would each take
// twenty times longer (and miss their boot deadline), where a queue gives
// the first learners a prompt soon. Learners waiting for a boot go before
// refills of the pool, and a learner who leaves while waiting leaves the
// queue: a probe whose 96 sessions closed at once had 99 QEMUs spawned and
// 22 boots still queued for nobody, and the next real learner waited 6.2 s.
import { NO_EVENTS, type LabEvents } from './events.ts';
import type { LabMachine, MachineFactory } from './lab-machine.ts';

export interface PoolOptions {
  /** Booted VMs kept waiting for the next learner. */
  size: number;
  /** VMs booting at once, pool refills and learners' boots together. */
  maxBooting: number;
  /** What a boot is assumed to take until one has been timed. */
  initialBootEstimateMs?: number;
  /** After a boot fails, the pool waits this long before booting again. */
  retryDelayMs?: number;
  /** Told of every boot's outcome and duration, the learners' and the refills'. */
  events?: Pick<LabEvents, 'boot'>;
}

/** The error a boot request rejects with when its learner no longer wants it. */
export class BootCancelled extends Error {
  constructor() {
    super('the boot was cancelled: its session ended');
  }
}

interface Waiter {
  wake(): void;
}

export class MachinePool {
  private readonly idle: LabMachine[] = [];
  private readonly booting = new Set<LabMachine>();
  /** Boots for learners, which do not count as refills of the pool. */
  private readonly forLearner = new WeakSet<LabMachine>();
  /** Learners waiting for a boot slot, first come first served. */
  private readonly waiting: Waiter[] = [];
  /** Boot slots handed to woken learners who have not spawned yet. */
  private reserved = 0;
  private closed = false;
  /** Recent boot times, for the progress shown during a cold start. */
  private bootTimes: number[] = [];
  private spawned = 0;
  private readonly size: number;
  private readonly maxBooting: number;

  constructor(
    private readonly newMachine: MachineFactory,
    private readonly opts: PoolOptions,
  ) {
    this.size = opts.size;
    this.maxBooting = Math.max(1, opts.maxBooting);
  }

  /** Start filling the pool. */
  start(): void {
    this.fill();
  }

  /** A booted VM, or undefined when none is ready (the caller boots one itself). */
  take(): LabMachine | undefined {
    let m: LabMachine | undefined;
    while ((m = this.idle.shift())) {
      if (!m.isExited) break;
    }
    queueMicrotask(() => this.fill());
    return m;
  }

  /** Milliseconds a boot takes, from the last few. */
  get expectedBootMs(): number {
    if (this.bootTimes.length === 0) return this.opts.initialBootEstimateMs ?? 1500;
    return this.bootTimes.reduce((a, b) => a + b, 0) / this.bootTimes.length;
  }

  get stats(): { idle: number; booting: number; waiting: number; spawned: number } {
    return { idle: this.idle.length, booting: this.booting.size, waiting: this.waiting.length, spawned: this.spawned };
  }

  private get slotFree(): boolean {
    return this.booting.size + this.reserved < this.maxBooting;
  }

  private spawn(forLearner: boolean): LabMachine {
    const spawnedAt = performance.now();
    const m = this.newMachine();
    this.spawned++;
    this.booting.add(m);
    if (forLearner) this.forLearner.add(m);
    const events = this.opts.events ?? NO_EVENTS;
    m.ready.then(
      () => {
        const ms = performance.now() - spawnedAt;
        this.bootTimes = [...this.bootTimes.slice(-9), ms];
        events.boot('ready', ms, m.started);
      },
      () => events.boot('failed', performance.now() - spawnedAt, m.started),
    );
    return m;
  }

  private fill(): void {
    while (!this.closed && this.waiting.length === 0 && this.idle.length + this.refilling() < this.size && this.slotFree) {
      const m = this.spawn(false);
      m.ready.then(
        () => {
          this.booting.delete(m);
          this.keep(m);
          this.next();
        },
        () => {
          this.booting.delete(m);
          void m.stop();
          this.next();
          // A VM that fails to boot is not retried in a tight loop.
          if (!this.closed) setTimeout(() => this.fill(), this.opts.retryDelayMs ?? 1000).unref();
        },
      );
    }
  }

  /** Keep a booted VM for the next learner; it leaves the pool if it ends while waiting. */
  private keep(m: LabMachine): void {
    if (this.closed || m.isExited) {
      void m.stop();
      return;
    }
    this.idle.push(m);
    void m.exited.then(() => {
      const i = this.idle.indexOf(m);
      if (i < 0) return;
      this.idle.splice(i, 1);
      this.fill();
    });
  }

  private refilling(): number {
    let n = 0;
    for (const m of this.booting) if (!this.forLearner.has(m)) n++;
    return n;
  }

  /**
   * Boot a VM for a learner who found the pool empty, after the boots ahead
   * of it. When `signal` aborts (the learner left), a request still queued
   * leaves the queue, and a boot under way finishes for the pool instead.
   */
  async bootForLearner(signal?: AbortSignal): Promise<LabMachine> {
    if (signal?.aborted) throw new BootCancelled();
    if (!this.slotFree || this.waiting.length > 0) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const i = this.waiting.indexOf(waiter);
          if (i < 0) return;
          this.waiting.splice(i, 1);
          reject(new BootCancelled());
          // Its place in the queue may have been what kept refills waiting.
          this.next();
        };
        const waiter: Waiter = {
          wake: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(waiter);
      });
      this.reserved--;
    }
    if (this.closed) throw new Error('the lab server is shutting down');
    if (signal?.aborted) {
      this.next();
      throw new BootCancelled();
    }
    const m = this.spawn(true);
    return new Promise<LabMachine>((resolve, reject) => {
      const onAbort = (): void => reject(new BootCancelled());
      signal?.addEventListener('abort', onAbort, { once: true });
      m.ready.then(
        () => {
          signal?.removeEventListener('abort', onAbort);
          this.booting.delete(m);
          // Nobody wants it any more: a fresh VM is worth keeping for the next learner.
          if (signal?.aborted) this.adopt(m);
          else resolve(m);
          this.next();
        },
        (e: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          this.booting.delete(m);
          void m.stop();
          reject(e);
          this.next();
        },
      );
    });
  }

  /**
   * A booted VM that a learner no longer wants, its shell untouched (at the
   * boot's prompt): the pool keeps it if it has room, else it is stopped.
   */
  adopt(m: LabMachine): void {
    if (this.idle.length < this.size) this.keep(m);
    else void m.stop();
  }

  /** A boot slot is free: the next waiting learner, else a refill. */
  private next(): void {
    while (this.waiting.length > 0 && this.slotFree) {
      this.reserved++;
      this.waiting.shift()!.wake();
    }
    this.fill();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) {
      this.reserved++;
      w.wake();
    }
    const all = [...this.idle, ...this.booting];
    this.idle.length = 0;
    await Promise.all(all.map((m) => m.stop()));
  }
}
