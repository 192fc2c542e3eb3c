// The host's end of a VM's control UART: window sizes for the guest's
// consoles (lines "ROWS COLS N") and files for its lesson folders (a put:
// one line, then the file in base64), which lab/image/init reads; the guest
// answers each put with one line. A put's lines must reach the guest
// together, so anything else sent meanwhile waits for its answer.
import type { Socket } from 'node:net';
import { deliver, parseReply, PutError, putLines, type PutPayload, type PutReply } from './control-format.ts';

/** A file for the guest: where it goes, its bytes, its mode. */
export interface PutFile {
  path: string;
  data: Buffer;
  mode: number;
}

export { parseReply, PutError };

/** The payload of a put: the file as base64, with its size and hash. */
export function putPayload(f: PutFile, sha256: string): PutPayload {
  return { path: f.path, size: f.data.length, sha256, mode: f.mode, base64: f.data.toString('base64') };
}

/** The lines that put `f` into the guest (lab/image/init's put), as one text. */
export function putCommand(f: PutFile, sha256: string): string {
  return putLines(putPayload(f, sha256)).join('');
}

export class ControlLine {
  private sock?: Socket;
  private attached!: () => void;
  private readonly connected = new Promise<void>((resolve) => (this.attached = resolve));
  private partial = '';
  private held?: string[];
  private replyListener?: (line: string) => void;
  private puts: Promise<unknown> = Promise.resolve();
  private nudgeTimer?: NodeJS.Timeout;
  private closed = false;

  /**
   * `nudge`: the control UART shares its interrupt line with an extra
   * console's UART (see qemu.ts). An empty line a moment after each message
   * makes the guest's 8250 driver poll both ports again, so an interrupt of
   * the extra console lost meanwhile does not stall it.
   */
  constructor(private readonly nudge: boolean) {}

  /** The socket is connected: what was sent before goes now. */
  attach(sock: Socket): void {
    this.sock = sock;
    sock.on('data', (chunk: Buffer) => this.onData(chunk.toString('latin1')));
    this.attached();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.nudgeTimer);
    this.sock?.destroy();
    this.replyListener?.('');
  }

  /** One line for the guest's control loop; held while a put is on the wire. */
  send(line: string): void {
    if (this.held) {
      this.held.push(line);
      return;
    }
    this.write(line);
  }

  /**
   * Put the files into the guest, one after another, each only if the
   * guest's copy differs (the guest says its SHA-256 first). Resolves with
   * the paths sent; rejects with PutError on the first file the guest
   * refuses or that does not arrive.
   */
  put(files: { file: PutFile; sha256: string }[], timeoutMs: number): Promise<string[]> {
    const run = (): Promise<string[]> =>
      this.exchange(timeoutMs, (ask) => deliver(files.map(({ file, sha256 }) => putPayload(file, sha256)), (lines, matches) => ask(lines.join(''), matches)));
    const p = this.puts.then(run);
    this.puts = p.catch(() => undefined);
    return p;
  }

  private write(text: string): void {
    if (!this.sock || this.closed) return;
    this.sock.write(text);
    if (!this.nudge) return;
    clearTimeout(this.nudgeTimer);
    this.nudgeTimer = setTimeout(() => this.held || this.sock?.write('\n'), 50);
    this.nudgeTimer.unref();
  }

  private onData(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.replyListener?.(line.replace(/\r$/, ''));
  }

  /**
   * A conversation with the guest's control loop, within `timeoutMs`: `ask`
   * sends text and waits for the first reply `matches` accepts. Other lines
   * for the guest wait until it is over.
   */
  private async exchange<T>(timeoutMs: number, talk: (ask: (text: string, matches: (r: PutReply) => boolean) => Promise<PutReply>) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PutError(`put: the VM did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const ended = (): PutError => new PutError('put: the VM has ended');
    try {
      await Promise.race([this.connected, timeout]);
      if (this.closed) throw ended();
      this.held = [];
      const ask = (text: string, matches: (r: PutReply) => boolean): Promise<PutReply> => {
        const reply = new Promise<PutReply>((resolve, reject) => {
          this.replyListener = (line) => {
            if (this.closed) return reject(ended());
            const r = parseReply(line);
            if (r && matches(r)) resolve(r);
          };
        });
        this.sock?.write(text);
        return Promise.race([reply, timeout]);
      };
      return await Promise.race([talk(ask), timeout]);
    } finally {
      clearTimeout(timer);
      this.replyListener = undefined;
      const held = this.held ?? [];
      this.held = undefined;
      for (const line of held) this.write(line);
    }
  }
}
