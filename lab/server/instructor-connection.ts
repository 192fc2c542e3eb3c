// One instructor's WebSocket (/instructor/ws), opened only with the
// instructor's cookie or token (instructor.ts checks it before the
// upgrade): frames in, to the classroom; the grid and a watched terminal
// out. The protocol has no input frame, so a watched terminal is read-only
// by construction: anything else closes the connection.
import type { RawData, WebSocket } from 'ws';
import { ProtocolError, CLOSE, closeReason } from '../protocol.ts';
import { parseInstructorFrame, type InstructorServerFrame } from '../instructor-protocol.ts';
import type { Classroom, InstructorLink } from './classroom.ts';
import { keepAlive } from './keep-alive.ts';
import { TokenBucket } from './meter.ts';

/** An instructor clicks; a page that sends more than this is broken. */
const FRAMES_PER_SECOND = 20;

/** The header another server of the workshop sends when it relays its instructor's requests (peers.ts). */
export const PEER_HEADER = 'x-uklab-peer';

export function handleInstructorConnection(ws: WebSocket, classroom: Classroom, log: (message: string) => void, fromPeer = false): void {
  let closed = false;
  const frames = new TokenBucket(FRAMES_PER_SECOND, 2 * FRAMES_PER_SECOND);
  const link: InstructorLink = {
    send: (frame: InstructorServerFrame) => {
      if (!closed) ws.send(JSON.stringify(frame));
    },
    get backlog() {
      return ws.bufferedAmount;
    },
    fromPeer,
  };
  const close = (code: number, reason: string): void => {
    if (closed) return;
    closed = true;
    ws.close(code, reason.slice(0, 120));
    setTimeout(() => ws.terminate(), 2000).unref();
  };
  const leave = classroom.join(link);
  const stopPinging = keepAlive(ws);

  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (closed) return;
    try {
      if (isBinary) throw new ProtocolError('binary frames are not part of the protocol');
      if (frames.take(1) > 0) throw new ProtocolError('too many frames');
      const f = parseInstructorFrame((Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)).toString('utf8'));
      switch (f.type) {
        case 'watch':
          return classroom.watch(link, f.learner);
        case 'unwatch':
          return classroom.unwatch(link);
        case 'reset':
          return classroom.askReset(link, f.learner);
        case 'message':
          return classroom.broadcast(link, f.text);
      }
    } catch (e) {
      if (e instanceof ProtocolError) return close(CLOSE.policy, closeReason('bad-frame', e.message));
      log(`lab server: error handling an instructor's frame: ${String(e)}`);
      close(CLOSE.internal, closeReason('server-error'));
    }
  });
  ws.on('error', () => undefined);
  ws.on('close', () => {
    closed = true;
    stopPinging();
    leave();
  });
}
