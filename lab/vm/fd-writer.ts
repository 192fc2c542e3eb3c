// Writing a console's input into a non-blocking file descriptor (the pty
// master of QEMU's stdio), with completion: each write's `done` runs once the
// kernel has taken all of it. A caller that writes one chunk at a time and
// waits for `done` keeps at most that chunk in this process, and what the
// kernel buffers in front of a guest that does not read (a pty master takes
// about 18 KiB, see test/lab/input.test.ts).
//
// node-pty's own write queues without limit and retries EAGAIN with
// setImmediate, a busy loop for as long as the guest does not read. Here a
// full pty is retried on a short timer instead.
import { write } from 'node:fs';

/** How long to wait before writing again into a full pty. */
export const RETRY_MS = 10;

interface Chunk {
  buf: Buffer;
  offset: number;
  done?: () => void;
}

export class FdWriter {
  private readonly queue: Chunk[] = [];
  private writing = false;
  private retry?: NodeJS.Timeout;
  private ended = false;

  constructor(private readonly fd: number) {}

  /** `done` runs once the kernel has all of `data`, or, if the writer ends first, then. */
  write(data: string, done?: () => void): void {
    if (this.ended) {
      if (done) queueMicrotask(done);
      return;
    }
    this.queue.push({ buf: Buffer.from(data, 'utf8'), offset: 0, done });
    this.pump();
  }

  /** Bytes written to this writer that the kernel has not taken yet. */
  get pending(): number {
    let n = 0;
    for (const c of this.queue) n += c.buf.length - c.offset;
    return n;
  }

  /**
   * The descriptor is going away (QEMU exited): nothing more is written, and
   * every waiting `done` runs now, so no caller waits for input that will
   * never be read.
   */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.retry);
    const waiting = this.queue.splice(0);
    for (const c of waiting) c.done?.();
  }

  private pump(): void {
    if (this.writing || this.ended || this.retry) return;
    const chunk = this.queue[0];
    if (!chunk) return;
    this.writing = true;
    write(this.fd, chunk.buf, chunk.offset, chunk.buf.length - chunk.offset, null, (err, written) => {
      this.writing = false;
      if (this.ended) return;
      if (err) {
        if (err.code === 'EAGAIN') {
          this.retry = setTimeout(() => {
            this.retry = undefined;
            this.pump();
          }, RETRY_MS);
          return;
        }
        // EIO or EBADF: the other end is gone; the VM's exit follows.
        this.end();
        return;
      }
      chunk.offset += written;
      if (chunk.offset === chunk.buf.length) {
        this.queue.shift();
        chunk.done?.();
      }
      this.pump();
    });
  }
}
