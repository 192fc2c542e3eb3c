// The QEMU Machine Protocol, the little of it the lab uses: a greeting,
// commands that each get one `return` or `error`, and events, all JSON
// objects one per line on a Unix socket. Hand-written: the protocol is those
// three kinds of line, and the npm clients for it (qemu-qmp 0.5) have not
// been kept up.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { connectWhenListening } from './socket-connect.ts';

export class QmpError extends Error {}

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
}

type Pending = { resolve: (value: unknown) => void; reject: (e: Error) => void };

export class QmpClient extends EventEmitter<{ event: [QmpEvent]; close: [] }> {
  private partial = '';
  private readonly pending: Pending[] = [];
  private closed = false;

  private constructor(private readonly sock: Socket) {
    super();
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => this.onData(d));
    sock.on('error', () => undefined); // 'close' follows
    sock.on('close', () => {
      this.closed = true;
      for (const p of this.pending.splice(0)) p.reject(new QmpError('qmp: QEMU closed its monitor'));
      this.emit('close');
    });
  }

  /**
   * Connect to QEMU's monitor socket, retrying while QEMU is still creating
   * it, and leave capabilities negotiation: from then on commands work and
   * events arrive.
   */
  static async connect(path: string, timeoutMs: number): Promise<QmpClient> {
    let sock: Socket;
    try {
      sock = await connectWhenListening(path, timeoutMs);
    } catch (e) {
      throw new QmpError(`qmp: no monitor at ${path} within ${timeoutMs} ms (${(e as Error).message})`);
    }
    const qmp = new QmpClient(sock);
    await qmp.execute('qmp_capabilities');
    return qmp;
  }

  /** Run one command; resolves with its `return`, rejects with its `error`. */
  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    if (this.closed) return Promise.reject(new QmpError('qmp: QEMU closed its monitor'));
    return new Promise((resolve, reject) => {
      // QEMU answers a monitor's commands in order, so answers need no ids.
      this.pending.push({ resolve, reject });
      this.sock.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + '\n');
    });
  }

  /** Resolves at the first event named `name` from now on. */
  next(name: string): Promise<QmpEvent> {
    return new Promise((resolve, reject) => {
      const onEvent = (e: QmpEvent): void => {
        if (e.event !== name) return;
        this.off('close', onClose);
        this.off('event', onEvent);
        resolve(e);
      };
      const onClose = (): void => {
        this.off('event', onEvent);
        reject(new QmpError(`qmp: QEMU closed its monitor before ${name}`));
      };
      this.on('event', onEvent);
      this.once('close', onClose);
    });
  }

  close(): void {
    this.sock.destroy();
  }

  private onData(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // not QMP: nothing a command waits for
      }
      if (typeof msg.event === 'string') this.emit('event', msg as unknown as QmpEvent);
      else if ('return' in msg) this.pending.shift()?.resolve(msg.return);
      else if ('error' in msg) {
        const err = msg.error as { class?: string; desc?: string };
        this.pending.shift()?.reject(new QmpError(`qmp: ${err.desc ?? err.class ?? 'error'}`));
      }
      // The greeting ({"QMP": ...}) needs no answer.
    }
  }
}
