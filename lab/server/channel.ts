// One console of a VM as the server sees it: the guest's output, held while
// no terminal is attached and metered while one is, and the learner's input,
// queued with a bound. Nothing here is buffered without limit.
//
// Output flow control follows xterm.js's guide: the terminal acknowledges
// characters once term.write has processed them; above the high watermark
// of unacknowledged output the console stops being read (QEMU then stops
// draining the UART and the guest's writer blocks), and below the low
// watermark it is read again. Output is also gathered into frames: QEMU
// hands the console over a few characters at a time (during `yes`, one
// frame per read was 11k–26k frames a second of 5–14 characters), so a
// frame goes out at once after a quiet spell (an echo is not delayed) and
// otherwise at most once per `frameWindowMs`.
import { PROMPT_AT_END } from '../vm/console.ts';
import { InputQueue } from './input-queue.ts';

/** The guest end of a console: the VM's main console or an extra one. */
export interface ConsoleIO {
  onData(listener: (data: string) => void): void;
  /** Hand `data` to the guest; `done` once it has been taken, or the console is gone. */
  write(data: string, done: () => void): void;
  pause(): void;
  resume(): void;
  resize(cols: number, rows: number): void;
}

export interface Watermarks {
  high: number;
  low: number;
}

export interface ChannelOptions {
  marks: Watermarks;
  /** Input characters queued for the guest before the sender is pushed back. */
  inputLimit: number;
  /** At most one output frame per this many milliseconds while output keeps coming. */
  frameWindowMs?: number;
  /** A frame is sent at once when it has this many characters. */
  maxFrameChars?: number;
  /** Resizes closer together than this are merged into the last one. */
  resizeWindowMs?: number;
}

/** Longest output kept to find the prompt after a hidden command. */
const HIDDEN_LIMIT = 64 * 1024;

export class ConsoleChannel {
  readonly input: InputQueue;
  private backlog = '';
  private sink?: (data: string) => void;
  private unacked = 0;
  private outbox = '';
  private lastFrame = -Infinity;
  private frameTimer?: NodeJS.Timeout | NodeJS.Immediate;
  private paused = false;
  private hidden?: { buf: string; done: () => void };
  private size?: { cols: number; rows: number };
  private resizeTimer?: NodeJS.Timeout;
  private resizePending = false;
  private readonly frameWindowMs: number;
  private readonly maxFrameChars: number;
  private readonly resizeWindowMs: number;

  constructor(
    private readonly io: ConsoleIO,
    private readonly opts: ChannelOptions,
  ) {
    this.frameWindowMs = opts.frameWindowMs ?? 8;
    this.maxFrameChars = opts.maxFrameChars ?? 32 * 1024;
    this.resizeWindowMs = opts.resizeWindowMs ?? 50;
    this.input = new InputQueue((d, done) => io.write(d, done), opts.inputLimit);
    io.onData((d) => this.onData(d));
  }

  private onData(d: string): void {
    if (this.hidden) {
      this.hidden.buf = (this.hidden.buf + d).slice(-HIDDEN_LIMIT);
      if (PROMPT_AT_END.test(this.hidden.buf.slice(-256))) this.hidden.done();
      return;
    }
    if (this.sink) {
      this.outbox += d;
      this.scheduleFrame();
    } else {
      this.backlog += d;
      // Flow control has already paused the source; this only bounds what
      // was in flight when it did. Old output nobody watched is the cheapest loss.
      const { high } = this.opts.marks;
      if (this.backlog.length > 2 * high) this.backlog = this.backlog.slice(-high);
    }
    this.updateFlow();
  }

  private scheduleFrame(): void {
    if (this.outbox.length >= this.maxFrameChars) return this.sendFrame();
    if (this.frameTimer) return;
    const wait = this.lastFrame + this.frameWindowMs - performance.now();
    // After a quiet spell at once (well, after this turn of the event loop,
    // which gathers the reads that arrived together); else when the window ends.
    this.frameTimer = wait <= 0 ? setImmediate(() => this.sendFrame()) : setTimeout(() => this.sendFrame(), wait);
  }

  private sendFrame(): void {
    this.cancelFrame();
    const data = this.outbox;
    if (!data || !this.sink) return;
    this.outbox = '';
    this.lastFrame = performance.now();
    this.unacked += data.length;
    this.sink(data);
  }

  private cancelFrame(): void {
    if (this.frameTimer) {
      clearTimeout(this.frameTimer as NodeJS.Timeout);
      clearImmediate(this.frameTimer as NodeJS.Immediate);
    }
    this.frameTimer = undefined;
  }

  /** Output in flight: sent and unacknowledged, or gathered for a frame, if a terminal is attached; else held. */
  get pending(): number {
    return this.sink ? this.unacked + this.outbox.length : this.backlog.length;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private updateFlow(): void {
    const pending = this.pending;
    if (!this.paused && pending >= this.opts.marks.high) {
      this.paused = true;
      this.io.pause();
    } else if (this.paused && pending < this.opts.marks.low) {
      this.paused = false;
      this.io.resume();
    }
  }

  /** A terminal takes this console: it first gets what was held for it. */
  attach(sink: (data: string) => void): void {
    this.sink = sink;
    this.unacked = 0;
    this.outbox = this.backlog;
    this.backlog = '';
    this.sendFrame();
    this.updateFlow();
  }

  detach(): void {
    this.cancelFrame();
    this.sink = undefined;
    this.unacked = 0;
    // Gathered but not sent: the next terminal gets it.
    this.backlog = this.outbox + this.backlog;
    this.outbox = '';
    this.updateFlow();
  }

  /** The terminal processed `chars` more characters; false if it acks more than it got. */
  ack(chars: number): boolean {
    if (chars > this.unacked) return false;
    this.unacked -= chars;
    this.updateFlow();
    return true;
  }

  /** Input for the guest; false when its queue is full (stop reading input until onInputDrain). */
  write(data: string): boolean {
    return this.input.push(data);
  }

  onInputDrain(listener: () => void): () => void {
    return this.input.onDrain(listener);
  }

  /** Characters of input that left the queue (taken by the guest, or thrown away). */
  onInputTaken(listener: (chars: number) => void): () => void {
    return this.input.onTaken(listener);
  }

  /** The terminal's size; a burst of resizes reaches the guest as its first and its last. */
  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    if (this.resizeTimer) {
      this.resizePending = true;
      return;
    }
    this.io.resize(cols, rows);
    const settle = (): void => {
      this.resizeTimer = undefined;
      if (!this.resizePending || !this.size) return;
      this.resizePending = false;
      this.io.resize(this.size.cols, this.size.rows);
      this.resizeTimer = setTimeout(settle, this.resizeWindowMs);
      this.resizeTimer.unref();
    };
    this.resizeTimer = setTimeout(settle, this.resizeWindowMs);
    this.resizeTimer.unref();
  }

  /** The VM is gone: no more timers, and nobody waits on input that cannot go anywhere. */
  close(): void {
    this.cancelFrame();
    clearTimeout(this.resizeTimer);
    this.input.close();
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
        this.input.push(`${command}\n`);
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
