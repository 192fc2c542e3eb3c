// Booted VMs waiting for learners, so "Start lab" and "Reset" take a VM
// whose kernel is already up (the warm path) instead of booting one (about
// a second under TCG). At most `maxBooting` VMs boot at once, learners'
// cold boots included: twenty boots at once on two cores would each take
// twenty times longer (and miss their boot deadline), where a queue gives
// the first learners a prompt soon. Learners waiting for a boot go before
// refills of the pool.
import type { LabMachine, MachineFactory } from './lab-machine.ts';

export class MachinePool {
  private readonly idle: LabMachine[] = [];
  private readonly booting = new Set<LabMachine>();
  private closed = false;
  /** Recent boot times, for the progress shown during a cold start. */
  private bootTimes: number[] = [];
  /** Learners waiting for a boot slot, first come first served. */
  private readonly waiting: (() => void)[] = [];
  /** Boot slots handed to woken learners who have not spawned yet. */
  private reserved = 0;

  constructor(
    private readonly newMachine: MachineFactory,
    private readonly size: number,
    private readonly maxBooting: number,
  ) {}

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
    if (this.bootTimes.length === 0) return 1500;
    return this.bootTimes.reduce((a, b) => a + b, 0) / this.bootTimes.length;
  }

  get stats(): { idle: number; booting: number } {
    return { idle: this.idle.length, booting: this.booting.size };
  }

  private spawn(): LabMachine {
    const spawnedAt = performance.now();
    const m = this.newMachine();
    this.booting.add(m);
    m.ready.then(
      () => {
        this.bootTimes = [...this.bootTimes.slice(-9), performance.now() - spawnedAt];
      },
      () => undefined,
    );
    return m;
  }

  private fill(): void {
    while (
      !this.closed &&
      this.waiting.length === 0 &&
      this.idle.length + this.poolBooting() < this.size &&
      this.booting.size + this.reserved < this.maxBooting
    ) {
      const m = this.spawn();
      m.ready.then(
        () => {
          this.booting.delete(m);
          if (this.closed) void m.stop();
          else this.idle.push(m);
          this.next();
        },
        () => {
          this.booting.delete(m);
          if (this.waiting.length > 0) this.next();
          // A VM that fails to boot is not retried in a tight loop.
          if (!this.closed) setTimeout(() => this.fill(), 1000).unref();
        },
      );
      void m.exited.then(() => {
        const i = this.idle.indexOf(m);
        if (i >= 0) this.idle.splice(i, 1);
        if (!this.closed) this.fill();
      });
    }
  }

  private poolBooting(): number {
    // Boots for waiting learners do not refill the pool.
    let n = 0;
    for (const m of this.booting) if (!this.forLearner.has(m)) n++;
    return n;
  }

  private readonly forLearner = new WeakSet<LabMachine>();

  /** Boot a VM for a learner who found the pool empty, after the boots ahead of it. */
  async bootForLearner(): Promise<LabMachine> {
    if (this.booting.size + this.reserved >= this.maxBooting || this.waiting.length > 0) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.reserved--;
    }
    if (this.closed) throw new Error('the lab server is shutting down');
    const m = this.spawn();
    this.forLearner.add(m);
    try {
      await m.ready;
      return m;
    } catch (e) {
      await m.stop();
      throw e;
    } finally {
      this.booting.delete(m);
      this.next();
    }
  }

  /** A boot slot is free: the next waiting learner, else a refill. */
  private next(): void {
    while (this.waiting.length > 0 && this.booting.size + this.reserved < this.maxBooting) {
      this.reserved++;
      this.waiting.shift()!();
    }
    this.fill();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w();
    const all = [...this.idle, ...this.booting];
    this.idle.length = 0;
    await Promise.all(all.map((m) => m.stop()));
  }
}
