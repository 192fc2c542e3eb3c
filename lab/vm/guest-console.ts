// One more console into a running lab VM: a guest UART (ttyS3) that
// QEMU exposes as a Unix socket. Like the main console it carries a shell;
// unlike it, its end does not end the VM (the guest's /init starts a new
// shell), so it only reports data.
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';

const CONNECT_RETRY_MS = 20;
const CONNECT_DEADLINE_MS = 10_000;

export class GuestConsole extends EventEmitter<{ data: [string]; close: [] }> {
  private sock?: Socket;
  private paused = false;
  private closed = false;
  /** Keystrokes typed before the socket is connected; a handful at most. */
  private early: string[] = [];

  constructor(
    /** 1 (ttyS3): the console index the server and protocol use. */
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
        for (const d of this.early) sock.write(d);
        this.early = [];
      });
    };
    attempt();
  }

  write(data: string): void {
    if (this.closed) return;
    if (this.sock) this.sock.write(data);
    else if (this.early.length < 64) this.early.push(data);
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

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock?.destroy();
    this.emit('close');
  }
}
