// What the server writes to its log about other people's requests: refused
// upgrades and wrong tokens. Both are under the sender's control, so the
// text is cut short and escaped (no terminal escapes or fake lines in the
// operator's log), and the lines are rate-limited (a flood of refusals is
// one line a minute with a count, not a flood of lines).
import { realClock, type Clock } from './meter.ts';

/** Longest piece of a client's text quoted in a log line. */
export const QUOTE_MAX = 80;

/** A client's text as a log line may quote it: JSON-escaped, cut at QUOTE_MAX. */
export function quote(value: string | undefined): string {
  if (value === undefined) return '-';
  const cut = value.length > QUOTE_MAX ? `${value.slice(0, QUOTE_MAX)}…` : value;
  // JSON escapes control characters and quotes; \u2028-like separators too.
  return JSON.stringify(cut).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * At most `perWindow` lines per `windowMs` for one kind of event; the rest
 * are counted, and the count is written when the window ends.
 */
export class RateLimitedLog {
  private windowStart: number;
  private written = 0;
  private suppressed = 0;
  private timer?: ReturnType<typeof setTimeout>;

  constructor(
    /** What is logged, for the count line: "refused WebSocket upgrades". */
    private readonly what: string,
    private readonly write: (line: string) => void,
    private readonly perWindow = 10,
    private readonly windowMs = 60_000,
    private readonly now: Clock = realClock,
  ) {
    this.windowStart = now();
  }

  log(line: string): void {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.flush();
      this.windowStart = now;
      this.written = 0;
    }
    if (this.written < this.perWindow) {
      this.written++;
      this.write(line);
      return;
    }
    this.suppressed++;
    this.timer ??= setTimeout(() => this.flush(), Math.max(0, this.windowStart + this.windowMs - now));
    this.timer.unref?.();
  }

  /** Write the count of what was left out, if anything. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.suppressed === 0) return;
    this.write(`lab server: ${this.suppressed} more ${this.what} not logged in the last ${Math.round(this.windowMs / 1000)} s`);
    this.suppressed = 0;
  }
}
