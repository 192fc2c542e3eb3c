/*
 * Builds for the lab in the reader's tab. v86 cannot compile, so the
 * page's lab server does: one WebSocket per build, whose hello says the VM
 * is in the tab (Hello.target), so the server starts no VM, builds the
 * i386 variant and sends the built files back in its `done` frame. The tab
 * transport then puts them into its VM (tab-transport.ts). No React, and
 * the WebSocket class is passed in, as in websocket-transport.ts.
 */
import {encodeFrame, parseServerFrame, PROTOCOL_VERSION, type BuildFrame, type ClientFrame, type SourceFile} from '../../../lab/protocol.ts';
import type {SocketFactory, SocketLike} from './websocket-transport.ts';

export interface TabBuilds {
  /** Whether there is a lab server to build on (the page's origin has one). */
  available(): boolean;
  /**
   * Build `files` of `lesson`; each `build` frame goes to `report`, and the
   * last (done, failed, refused) ends it. A `done` frame carries the files.
   */
  request(lesson: string, id: number, files: SourceFile[], report: (frame: BuildFrame) => void): void;
}

export interface TabBuildClientOptions {
  /** The server's WebSocket URL (labSocketUrl). */
  url: string;
  /** The workshop's access token, if the server wants one. */
  token?: () => string | undefined;
  available: () => boolean;
  socket?: SocketFactory;
}

const ENDS: ReadonlySet<string> = new Set(['done', 'failed', 'refused']);

export class TabBuildClient implements TabBuilds {
  private readonly newSocket: SocketFactory;

  constructor(private readonly opts: TabBuildClientOptions) {
    this.newSocket = opts.socket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
  }

  available(): boolean {
    return this.opts.available();
  }

  request(lesson: string, id: number, files: SourceFile[], report: (frame: BuildFrame) => void): void {
    let ended = false;
    const end = (frame: BuildFrame): void => {
      if (ended) return;
      ended = true;
      report(frame);
      ws.close();
    };
    const refused = (message: string): BuildFrame => ({type: 'build', id, state: 'refused', reason: 'unavailable', message});
    const ws = this.newSocket(this.opts.url);
    const send = (frame: ClientFrame): void => ws.send(encodeFrame(frame));
    ws.onopen = () => {
      const token = this.opts.token?.();
      // cols and rows are the hello's, unused: no console comes with this connection.
      send({type: 'hello', v: PROTOCOL_VERSION, lesson, console: 0, cols: 80, rows: 24, target: 'tab', ...(token ? {token} : {})});
      send({type: 'build', id, lesson, files});
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      const f = parseServerFrame(ev.data);
      if (f?.type === 'build' && f.id === id) {
        if (ENDS.has(f.state)) end(f);
        else report(f);
      } else if (f?.type === 'status' && (f.state === 'error' || f.state === 'full')) {
        // A refusal of the connection itself (a token, a version), said before the close.
        end(refused(f.message ?? f.reason ?? f.state));
      }
    };
    ws.onclose = (ev) => end(refused(`the lab server closed the connection${ev.reason ? ` (${ev.reason})` : ''}`));
  }
}
