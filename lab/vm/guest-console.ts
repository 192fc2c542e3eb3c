// One more console into a running lab VM: a guest UART that QEMU exposes as
// a Unix socket. Like the main console it carries a shell; unlike it, its
// end does not end the VM (the guest's /init starts a new shell), so it only
// reports data.
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';

const CONNECT_RETRY_MS = 20;
const CONNECT_DEADLINE_MS = 10_000;
/** Writes kept before the socket is connected; a caller that waits for `done` has one at most. */
const EARLY_WRITES = 64;

export class GuestConsole extends EventEmitter<{ data: [string]; close: [] }> {
  private sock?: Socket;
  private paused = false;
  private closed = false;
  /** Keystrokes typed before the socket is connected. */
  private early: { data: string; done: () => void }[] = [];
  /** Every write's `done` not called yet, so that close() can call them. */
  private readonly waiting = new Set<() => void>();

  constructor(
    /** The console index the server and protocol use: 1 for the first extra console. */
    readonly index: number,
    private readonly path: string,
  ) {
    super();
  }

  /** Connect to QEMU's socket, retrying while QEMU is still creating it. */
  open(): void {
    const deadline = Date.now() + CONNECT_DEADLINE_MS;
    const attempt = (): void => {
      if (this.closed) return;
      const sock = connect(this.path);
      sock.setEncoding('utf8');
      sock.once('error', () => {
        sock.destroy();
        if (!this.sock && Date.now() < deadline) setTimeout(attempt, CONNECT_RETRY_MS).unref();
      });
      sock.once('connect', () => {
        if (this.closed) {
          sock.destroy();
          return;
        }
        this.sock = sock;
        sock.on('error', () => undefined); // the VM is going away; 'close' follows
        sock.on('data', (d: string) => this.emit('data', d));
        sock.on('close', () => this.close());
        if (this.paused) sock.pause();
        for (const w of this.early) sock.write(w.data, w.done);
        this.early = [];
      });
    };
    attempt();
  }

  /**
   * Keystrokes for this console. `done` runs once the socket has handed all
   * of it to the kernel (which holds what QEMU has not read: QEMU reads only
   * as fast as the guest's UART takes it), or at once if the console has
   * closed, so a caller that waits for it never waits forever.
   */
  write(data: string, done?: () => void): void {
    const finish = this.track(done);
    if (this.closed) {
      queueMicrotask(finish);
    } else if (this.sock) {
      this.sock.write(data, finish);
    } else if (this.early.length < EARLY_WRITES) {
      this.early.push({ data, done: finish });
    } else {
      queueMicrotask(finish);
    }
  }

  /** Bytes written to this console that the kernel has not taken yet. */
  get pendingInput(): number {
    let n = this.sock?.writableLength ?? 0;
    for (const w of this.early) n += Buffer.byteLength(w.data);
    return n;
  }

  /** `done` wrapped to run once, whether the write completes or the console closes first. */
  private track(done?: () => void): () => void {
    let called = false;
    const finish = (): void => {
      if (called) return;
      called = true;
      this.waiting.delete(finish);
      done?.();
    };
    this.waiting.add(finish);
    return finish;
  }

  /** Stop reading: QEMU then stops draining the UART and the guest's writes wait. */
  pause(): void {
    this.paused = true;
    this.sock?.pause();
  }

  resume(): void {
    this.paused = false;
    this.sock?.resume();
  }

  /** Output this console showed before: a VM restored from a saved state shows its consoles' saved text. */
  replay(text: string): void {
    if (!this.closed) this.emit('data', text);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock?.destroy();
    this.early = [];
    for (const finish of [...this.waiting]) finish();
    this.emit('close');
  }
}
