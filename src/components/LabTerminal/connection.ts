/*
 * The browser end of the lab protocol (lab/server/PROTOCOL.md): one
 * WebSocket per terminal, same origin, flow control by acknowledging what
 * xterm.js has written. No React and no xterm here, so it stays testable
 * and small.
 */

export type LabState = 'idle' | 'connecting' | 'booting' | 'ready' | 'exited' | 'panic' | 'full' | 'error' | 'disconnected';

export interface LabStatus {
  state: LabState;
  progress?: number;
  message?: string;
  tail?: string;
  reason?: string;
}

interface StatusFrame extends LabStatus {
  type: 'status';
  session?: string;
}
interface OutputFrame {
  type: 'output';
  data: string;
}

export interface ConnectionEvents {
  /** Write to the terminal; call `done` from term.write's callback. */
  output(data: string, done: () => void): void;
  status(status: LabStatus): void;
}

/** Acknowledge in batches: at this many characters, or after ACK_DELAY_MS. */
const ACK_BATCH = 8192;
const ACK_DELAY_MS = 100;

export function labSocketUrl(loc: Location = window.location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/lab/ws`;
}

export class LabConnection {
  private ws?: WebSocket;
  private session?: string;
  private toAck = 0;
  private ackTimer?: ReturnType<typeof setTimeout>;
  private lastState: LabState = 'idle';

  constructor(
    private readonly lesson: string,
    private readonly events: ConnectionEvents,
    private readonly consoleIndex = 0,
    /** Read at each connect, so a token entered after a refusal is used on retry. */
    private readonly token: () => string | undefined = () => undefined,
  ) {}

  get state(): LabState {
    return this.lastState;
  }

  get sessionId(): string | undefined {
    return this.session;
  }

  /** Open (or re-open, resuming the session if the server still has it). */
  connect(cols: number, rows: number, resume = this.session): void {
    this.ws?.close();
    const ws = new WebSocket(labSocketUrl());
    this.ws = ws;
    this.setStatus({state: 'connecting'});
    const token = this.token();
    ws.onopen = () => {
      ws.send(
        JSON.stringify({
          type: 'hello',
          v: 1,
          lesson: this.lesson,
          console: this.consoleIndex,
          cols,
          rows,
          ...(token ? {token} : {}),
          ...(resume ? {resume} : {}),
        }),
      );
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;
      let f: StatusFrame | OutputFrame;
      try {
        f = JSON.parse(ev.data) as StatusFrame | OutputFrame;
      } catch {
        return;
      }
      if (f.type === 'output') {
        const n = f.data.length;
        this.events.output(f.data, () => this.ack(n));
      } else if (f.type === 'status') {
        if (f.session) this.session = f.session;
        this.setStatus(f);
      }
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      clearTimeout(this.ackTimer);
      this.toAck = 0;
      // A final status (full, error, panic, exited) says more than "disconnected".
      if (['full', 'error'].includes(this.lastState)) return;
      this.setStatus({state: 'disconnected', message: ev.reason || undefined});
    };
  }

  private setStatus(s: LabStatus): void {
    this.lastState = s.state;
    this.events.status(s);
  }

  private send(frame: object): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  private ack(chars: number): void {
    this.toAck += chars;
    if (this.toAck >= ACK_BATCH) return this.flushAck();
    this.ackTimer ??= setTimeout(() => this.flushAck(), ACK_DELAY_MS);
  }

  private flushAck(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (this.toAck > 0) this.send({type: 'ack', chars: this.toAck});
    this.toAck = 0;
  }

  input(data: string): void {
    // The server takes at most 16 Ki characters per frame; a big paste goes in pieces.
    for (let i = 0; i < data.length; i += 8192) this.send({type: 'input', data: data.slice(i, i + 8192)});
  }

  resize(cols: number, rows: number): void {
    this.send({type: 'resize', cols, rows});
  }

  reset(): void {
    this.send({type: 'reset'});
  }

  close(): void {
    const ws = this.ws;
    this.ws = undefined;
    clearTimeout(this.ackTimer);
    ws?.close(1000);
    this.lastState = 'idle';
  }
}
