// Learners' builds take turns: at most `slots` run at once (about one per
// core: a build is one compiler at a time), the rest wait in order, and each
// learner has at most one build queued or running, so one learner pressing
// Build twenty times cannot take the class's turns.

export class BusyError extends Error {}

interface Waiting {
  owner: string;
  start: () => void;
  onPosition?: (position: number) => void;
}

export class BuildQueue {
  private running = 0;
  private readonly waiting: Waiting[] = [];
  private readonly owners = new Set<string>();

  constructor(readonly slots: number) {
    if (!(slots >= 1)) throw new Error('build queue: at least one slot');
  }

  get stats(): { running: number; queued: number } {
    return { running: this.running, queued: this.waiting.length };
  }

  /** Whether `owner` has a build queued or running. */
  has(owner: string): boolean {
    return this.owners.has(owner);
  }

  /**
   * Run `job` for `owner` when a slot is free. `onPosition` hears the place
   * in the queue (1: next) when the job has to wait and whenever it moves.
   * Rejects with BusyError, without running anything, while the owner has
   * another build here.
   */
  async run<T>(owner: string, job: () => Promise<T>, onPosition?: (position: number) => void): Promise<T> {
    return this.turn(owner, true, job, onPosition);
  }

  /** `job` for `owner` without a slot (it compiles nothing: a cached build), still one per owner. */
  async runWithoutSlot<T>(owner: string, job: () => Promise<T>): Promise<T> {
    return this.turn(owner, false, job);
  }

  private async turn<T>(owner: string, slot: boolean, job: () => Promise<T>, onPosition?: (position: number) => void): Promise<T> {
    if (this.owners.has(owner)) throw new BusyError('a build of yours is queued or running; wait for it to finish');
    this.owners.add(owner);
    try {
      if (!slot) return await job();
      if (this.running >= this.slots) {
        await new Promise<void>((start) => {
          this.waiting.push({ owner, start, onPosition });
          onPosition?.(this.waiting.length);
        });
      } else {
        this.running++;
      }
      try {
        return await job();
      } finally {
        this.next();
      }
    } finally {
      this.owners.delete(owner);
    }
  }

  /** A slot is free: the first in line takes it, and everyone behind moves up. */
  private next(): void {
    const first = this.waiting.shift();
    if (!first) {
      this.running--;
      return;
    }
    first.start();
    this.waiting.forEach((w, i) => w.onPosition?.(i + 1));
  }
}
