// Keystrokes and pastes on their way to one guest console. The guest takes
// input only as fast as it reads it (a shell blocked in `sleep` takes none),
// so the server must not hold whatever a client sends: a probe queued 2.6 MB
// behind a `sleep 120`, and Ctrl-C then waited 67 s behind it.
//
// Here the queue is bounded: past `limit` characters push() says so and the
// connection stops reading its socket, so TCP pushes back on the client.
// One chunk at a time is handed to the console, the next one once the
// console has taken it (the kernel then holds at most a pty's or a socket's
// buffer). And Ctrl-C goes first: a terminal's line discipline throws away
// unread input when it sees Ctrl-C, so the input still queued here is
// thrown away with it and the Ctrl-C is the next thing the guest reads.
// Every character that leaves the queue, taken by the guest or thrown
// away, is reported (onTaken), so the sender can keep its own input window.
import { cutAt, INTERRUPT } from '../protocol.ts';

export class InputQueue {
  private readonly chunks: string[] = [];
  private queued = 0;
  private writing = false;
  private wasFull = false;
  private closed = false;
  private readonly drainListeners = new Set<() => void>();
  private readonly takenListeners = new Set<(chars: number) => void>();
  /** Characters refused because the queue was past its hard limit. */
  dropped = 0;

  constructor(
    /** Hands data to the guest; calls `done` when it has been taken. */
    private readonly write: (data: string, done: () => void) => void,
    /** Past this many characters push() returns false: stop reading input. */
    private readonly limit: number,
    /** Past this, input is dropped: only a client that ignores the push-back gets here. */
    private readonly hardLimit = 2 * limit,
    private readonly chunkChars = 4096,
  ) {}

  /** Characters waiting, not yet handed to the console. */
  get length(): number {
    return this.queued;
  }

  get isFull(): boolean {
    return this.queued >= this.limit;
  }

  /** Queue `data`; false when the queue is full and the sender should wait for onDrain. */
  push(data: string): boolean {
    if (this.closed || data === '') return !this.isFull;
    const interrupt = data.lastIndexOf(INTERRUPT);
    if (interrupt >= 0) {
      this.report(this.queued + interrupt);
      this.chunks.length = 0;
      this.queued = 0;
      data = data.slice(interrupt);
    }
    const room = Math.max(0, this.hardLimit - this.queued);
    if (data.length > room) {
      this.dropped += data.length - room;
      this.report(data.length - room);
      data = data.slice(0, room);
    }
    if (data !== '') {
      this.chunks.push(data);
      this.queued += data.length;
    }
    this.pump();
    if (this.isFull) this.wasFull = true;
    return !this.isFull;
  }

  /** Called when a full queue has room again (below half its limit). */
  onDrain(listener: () => void): () => void {
    this.drainListeners.add(listener);
    return () => this.drainListeners.delete(listener);
  }

  /** Called with the count of characters that left the queue: taken by the guest, or thrown away. */
  onTaken(listener: (chars: number) => void): () => void {
    this.takenListeners.add(listener);
    return () => this.takenListeners.delete(listener);
  }

  private report(chars: number): void {
    if (chars > 0) for (const l of [...this.takenListeners]) l(chars);
  }

  /** The console is gone: drop what is queued and wake anyone waiting. */
  close(): void {
    this.closed = true;
    this.report(this.queued);
    this.chunks.length = 0;
    this.queued = 0;
    this.notifyDrain();
  }

  private pump(): void {
    if (this.writing || this.closed) return;
    const chunk = this.nextChunk();
    if (chunk === undefined) return;
    this.writing = true;
    let finished = false;
    this.write(chunk, () => {
      if (finished) return;
      finished = true;
      this.writing = false;
      this.report(chunk.length);
      this.pump();
      if (this.wasFull && this.queued < this.limit / 2) {
        this.wasFull = false;
        this.notifyDrain();
      }
    });
  }

  /** Up to chunkChars from the front, never splitting a surrogate pair. */
  private nextChunk(): string | undefined {
    const first = this.chunks[0];
    if (first === undefined) return undefined;
    const n = cutAt(first, this.chunkChars);
    const chunk = first.slice(0, n);
    if (n === first.length) this.chunks.shift();
    else this.chunks[0] = first.slice(n);
    this.queued -= chunk.length;
    return chunk;
  }

  private notifyDrain(): void {
    for (const l of [...this.drainListeners]) l();
  }
}
