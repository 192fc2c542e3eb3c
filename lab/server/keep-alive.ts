// A WebSocket whose peer vanished without a close (a laptop shut, a
// network gone) would hold its slot for ever: ping it now and then, and
// drop it when a ping goes unanswered until the next.
import type { WebSocket } from 'ws';

export const PING_EVERY_MS = 20_000;

/** Starts pinging `ws`; returns how to stop (on its close). */
export function keepAlive(ws: WebSocket, everyMs = PING_EVERY_MS): () => void {
  let alive = true;
  ws.on('pong', () => (alive = true));
  const timer = setInterval(() => {
    if (!alive) return ws.terminate();
    alive = false;
    ws.ping();
  }, everyMs);
  return () => clearInterval(timer);
}
