// One console of a VM as the server sees it: the guest's output, held while
// no terminal is attached and metered while one is, so nothing is buffered
// without bound. Output flow control follows xterm.js's guide: the terminal
// acknowledges characters once term.write has processed them; above the
// high watermark of unacknowledged output the console stops being read
// (QEMU then stops draining the UART and the guest's writer blocks), and
// below the low watermark it is read again.
import { PROMPT_AT_END } from '../vm/console.ts';

/** The guest end of a console: the VM's main console or an extra one. */
export interface ConsoleIO {
  onData(listener: (data: string) => void): void;
  write(data: string): void;
  pause(): void;
  resume(): void;
  resize(cols: number, rows: number): void;
}

export interface Watermarks {
  high: number;
  low: number;
}

/** Longest output kept to find the prompt after a hidden command. */
const HIDDEN_LIMIT = 64 * 1024;

export class ConsoleChannel {
  private backlog = '';
  private sink?: (data: string) => void;
  private unacked = 0;
  private paused = false;
  private hidden?: { buf: string; done: () => void };

  constructor(
    private readonly io: ConsoleIO,
    private readonly marks: Watermarks,
  ) {
    io.onData((d) => this.onData(d));
  }

  private onData(d: string): void {
    if (this.hidden) {
      this.hidden.buf = (this.hidden.buf + d).slice(-HIDDEN_LIMIT);
      if (PROMPT_AT_END.test(this.hidden.buf.slice(-256))) this.hidden.done();
      return;
    }
    if (this.sink) {
      this.unacked += d.length;
      this.sink(d);
    } else {
      this.backlog += d;
      // Flow control has already paused the source; this only bounds what
      // was in flight when it did. Old output nobody watched is the cheapest loss.
      if (this.backlog.length > 2 * this.marks.high) this.backlog = this.backlog.slice(-this.marks.high);
    }
    this.updateFlow();
  }

  /** Output in flight: unacknowledged if a terminal is attached, else held. */
  get pending(): number {
    return this.sink ? this.unacked : this.backlog.length;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private updateFlow(): void {
    const pending = this.pending;
    if (!this.paused && pending >= this.marks.high) {
      this.paused = true;
      this.io.pause();
    } else if (this.paused && pending < this.marks.low) {
      this.paused = false;
      this.io.resume();
    }
  }

  /** A terminal takes this console: it first gets what was held for it. */
  attach(sink: (data: string) => void): void {
    this.sink = sink;
    this.unacked = 0;
    const held = this.backlog;
    this.backlog = '';
    if (held) {
      this.unacked += held.length;
      sink(held);
    }
    this.updateFlow();
  }

  detach(): void {
    this.sink = undefined;
    this.unacked = 0;
    this.updateFlow();
  }

  /** The terminal processed `chars` more characters; false if it acks more than it got. */
  ack(chars: number): boolean {
    if (chars > this.unacked) return false;
    this.unacked -= chars;
    this.updateFlow();
    return true;
  }

  write(data: string): void {
    this.io.write(data);
  }

  resize(cols: number, rows: number): void {
    this.io.resize(cols, rows);
  }

  /**
   * Type a command the learner should not see (e.g. the cd into a lesson
   * on a VM from the pool): its echo and output are dropped, and the held
   * output's last prompt is replaced by the one printed after it, so the
   * terminal opens on the banner and a prompt in the lesson's folder.
   */
  async runHidden(command: string, timeoutMs: number): Promise<void> {
    if (this.sink) throw new Error('runHidden: a terminal is attached');
    const cut = this.backlog.lastIndexOf('\n');
    this.backlog = cut >= 0 ? this.backlog.slice(0, cut + 1) : '';
    let timer: NodeJS.Timeout | undefined;
    const hidden = { buf: '', done: (): void => undefined };
    try {
      await new Promise<void>((resolve, reject) => {
        hidden.done = resolve;
        this.hidden = hidden;
        timer = setTimeout(() => reject(new Error(`no prompt after '${command}' within ${timeoutMs} ms`)), timeoutMs);
        this.io.write(`${command}\n`);
      });
    } finally {
      clearTimeout(timer);
      this.hidden = undefined;
    }
    const buf = hidden.buf;
    const nl = buf.lastIndexOf('\n');
    this.backlog += nl >= 0 ? buf.slice(nl + 1) : buf;
    this.updateFlow();
  }
}
