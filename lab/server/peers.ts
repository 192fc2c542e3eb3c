// The other servers of a workshop, as the instructor's server reaches
// them. The Ingress pins an instructor to one pod, and a learner's VM may be
// on any other: to watch that learner, ask them for a reset or give them a
// message, this server speaks the instructor's protocol to the learner's
// server, with the instructor's token, and relays what comes back. Each
// server says in the store where the others reach it (--peer-url).
import { WebSocket } from 'ws';
import { INSTRUCTOR_SOCKET_PATH, parseInstructorServerFrame, type InstructorFrame, type InstructorServerFrame } from '../instructor-protocol.ts';
import { PEER_HEADER } from './instructor-connection.ts';
import type { WorkshopStore } from './workshop-store.ts';

/** An instructor's connection to another server, opened by this one. */
export interface PeerConnection {
  send(frame: InstructorFrame): void;
  close(): void;
}

export interface PeerDirectory {
  /**
   * Open the instructor's socket on `server`: its frames (the grid's
   * excepted: the store has it) go to `onFrame`, its end to `onEnd`. A
   * string says why it could not be opened.
   */
  connect(server: string, onFrame: (f: InstructorServerFrame) => void, onEnd: () => void): Promise<PeerConnection | string>;
  /** The other servers of the workshop that are alive now. */
  others(): Promise<string[]>;
}

/** A peer that does not take the connection in this long is taken for gone. */
const CONNECT_TIMEOUT_MS = 5000;

export class WorkshopPeers implements PeerDirectory {
  constructor(
    private readonly store: Pick<WorkshopStore, 'servers'>,
    /** This server's name: never a peer of itself. */
    private readonly self: string,
    private readonly instructorToken: string,
  ) {}

  async others(): Promise<string[]> {
    return (await this.store.servers()).map((s) => s.server).filter((s) => s !== this.self);
  }

  async connect(server: string, onFrame: (f: InstructorServerFrame) => void, onEnd: () => void): Promise<PeerConnection | string> {
    const url = (await this.store.servers()).find((s) => s.server === server)?.url;
    if (!url) return `${server} cannot be reached from here: it gave no --peer-url, or it has stopped`;
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${INSTRUCTOR_SOCKET_PATH}`, {
      // Marked as a peer's: what it asks is for that server's own learners, never relayed on.
      headers: { Authorization: `Bearer ${this.instructorToken}`, [PEER_HEADER]: '1' },
      // The peer checks Origin and Host like any page's: its own address is both.
      origin: new URL(url).origin,
      handshakeTimeout: CONNECT_TIMEOUT_MS,
    });
    ws.on('message', (raw) => {
      const f = parseInstructorServerFrame(String(raw));
      if (f && f.type !== 'roster') onFrame(f);
    });
    return new Promise((resolve) => {
      let opened = false;
      const fail = (why: string): void => {
        if (!opened) resolve(`${server} did not take the connection (${why})`);
      };
      ws.once('open', () => {
        opened = true;
        ws.on('close', onEnd);
        resolve({ send: (frame) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(frame)), close: () => ws.close() });
      });
      ws.once('unexpected-response', (_req, res) => {
        fail(`HTTP ${res.statusCode}`);
        ws.terminate();
      });
      ws.on('error', (e) => fail(e.message));
    });
  }
}
