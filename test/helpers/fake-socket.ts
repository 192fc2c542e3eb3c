// A page's WebSocket for the components' tests: it records what the page
// sends, read back by `parse` as the server would read it, and lets the
// test play the server (accept, send a frame, drop the connection).
import type { SocketLike } from '../../src/components/LabTerminal/websocket-transport.ts';

export class FakeSocket<Frame> implements SocketLike {
  readyState = 0;
  raw: string[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  closedWith?: number;
  constructor(
    readonly url: string,
    private readonly parse: (raw: string) => Frame,
  ) {}
  /** What the page sent, as the server reads it (a frame it cannot parse throws). */
  get sent(): Frame[] {
    return this.raw.map(this.parse);
  }
  send(data: string): void {
    this.raw.push(data);
  }
  close(code?: number): void {
    this.closedWith = code ?? 1005;
  }
  // The server's side:
  accept(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  frame(f: object | string): void {
    this.onmessage?.({ data: typeof f === 'string' ? f : JSON.stringify(f) });
  }
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}
