// Who gets a WebSocket, and how often an address may guess the token.
//
// Before its hello a connection is nobody's: it holds a slot and proves
// nothing. Left unchecked, a couple of hundred upgrades that never say hello
// locked every learner out (the probe in issue 10). So the connections that
// have not said hello are capped per address and in all, and the cap in all
// is half of the server's connections: the other half is kept for those who
// did. A workshop behind one NAT address opens its labs within the same
// minute, but each connection is unauthenticated only for the milliseconds
// until its hello, so a per-address cap of a few dozen does not bite it.
import { TokenBucket, realClock, type Clock } from './meter.ts';

export interface GateLimits {
  /** Connections at once, authenticated or not. */
  maxConnections: number;
  /** Connections from one address that have not sent their hello yet. */
  maxPendingPerAddress: number;
}

/** One admitted connection; tell the gate when it said hello and when it closed. */
export interface Admission {
  authenticated(): void;
  closed(): void;
}

export class ConnectionGate {
  private open = 0;
  private pendingAll = 0;
  private readonly pending = new Map<string, number>();

  constructor(private readonly limits: GateLimits) {}

  /** An admission for a new connection from `address`, or why there is none. */
  admit(address: string): Admission | string {
    if (this.open >= this.limits.maxConnections) return 'too many connections';
    if (this.pendingAll >= Math.max(1, Math.floor(this.limits.maxConnections / 2))) return 'too many connections without a hello';
    const mine = this.pending.get(address) ?? 0;
    if (mine >= this.limits.maxPendingPerAddress) return 'too many connections without a hello from this address';
    this.open++;
    this.pendingAll++;
    this.pending.set(address, mine + 1);
    let pending = true;
    let closed = false;
    const leavePending = (): void => {
      if (!pending) return;
      pending = false;
      this.pendingAll--;
      const n = (this.pending.get(address) ?? 1) - 1;
      if (n > 0) this.pending.set(address, n);
      else this.pending.delete(address);
    };
    return {
      authenticated: leavePending,
      closed: () => {
        if (closed) return;
        closed = true;
        leavePending();
        this.open--;
      },
    };
  }

  get stats(): { open: number; pending: number } {
    return { open: this.open, pending: this.pendingAll };
  }
}

/**
 * Wrong tokens per address: a burst of `burst`, then one more every
 * 60/`perMinute` seconds. A class behind one NAT address, each learner
 * mistyping once or twice, never notices; a guesser gets half a guess a
 * second instead of the 3,155 a second the probe made.
 */
export class AuthThrottle {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly perMinute: number,
    private readonly burst = perMinute,
    private readonly now: Clock = realClock,
  ) {}

  /** Whether `address` may have its token checked now. */
  mayTry(address: string): boolean {
    return this.buckets.get(address)?.has(1) ?? true;
  }

  /** Milliseconds until `address` may try again. */
  retryAfterMs(): number {
    return Math.ceil(60_000 / this.perMinute);
  }

  failed(address: string): void {
    let b = this.buckets.get(address);
    if (!b) {
      this.forgetIdle();
      b = new TokenBucket(this.perMinute / 60, this.burst, this.now);
      this.buckets.set(address, b);
    }
    b.take(1);
  }

  /** Addresses whose bucket has refilled are forgotten, so the map stays small. */
  private forgetIdle(): void {
    if (this.buckets.size < 1024) return;
    for (const [address, b] of this.buckets) if (b.isFull) this.buckets.delete(address);
  }
}
