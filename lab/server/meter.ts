// A token bucket: `rate` units a second, up to `burst` at once. The server
// meters a connection's input, its frames, and wrong tokens per address
// with it. The clock is passed in so tests need not wait.

export type Clock = () => number;

export const realClock: Clock = () => performance.now();

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: Clock = realClock,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  /** Take `cost`; the result is how many milliseconds the bucket is in debt (0: within budget). */
  take(cost: number): number {
    this.refill();
    this.tokens -= cost;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.rate) * 1000);
  }

  /** Whether `cost` is available now, without taking it. */
  has(cost: number): boolean {
    this.refill();
    return this.tokens >= cost;
  }

  /** Full again: nothing taken for long enough that the bucket can be forgotten. */
  get isFull(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }
}
