// One WebSocket: the protocol's order (hello first, once), the token, the
// input rate, and the link between the socket and a session's console.
// Anything wrong closes this connection with a reason; nothing a client
// sends can throw past this file.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import type { Limits } from './limits.ts';
import { CLOSE, encode, parseClientFrame, ProtocolError, type ClientFrame, type Hello, type ServerFrame } from './protocol.ts';
import type { ClientLink, Session } from './session.ts';
import type { SessionRegistry } from './sessions.ts';

export interface ConnectionContext {
  registry: SessionRegistry;
  limits: Limits;
  /** Required in the hello when set. */
  token?: string;
  lessons: ReadonlySet<string>;
  log: (message: string) => void;
}

/** A frame costs at least this much of the input budget, so floods of tiny frames are metered too. */
const MIN_FRAME_COST = 64;
const PING_EVERY_MS = 20_000;

function sameSecret(a: string, b: string): boolean {
  // Hash first: timingSafeEqual needs equal lengths, and the length of the
  // token must not leak either.
  const h = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

export function handleConnection(ws: WebSocket, ctx: ConnectionContext): void {
  let session: Session | undefined;
  let consoleIndex = 0;
  let closed = false;
  let tokens = ctx.limits.inputRate;
  let lastRefill = performance.now();
  let resumeTimer: NodeJS.Timeout | undefined;
  let alive = true;

  const send = (frame: ServerFrame): void => {
    if (!closed) ws.send(encode(frame));
  };
  const close = (code: number, reason: string): void => {
    if (closed) return;
    closed = true;
    // A close reason is at most 123 bytes.
    ws.close(code, Buffer.from(reason).subarray(0, 120).toString());
    // A peer that never answers the close handshake must not keep the socket.
    setTimeout(() => ws.terminate(), 2000).unref();
  };
  const link: ClientLink = {
    status: (f) => send({ type: 'status', ...f }),
    output: (data) => send({ type: 'output', data }),
    close: (code, reason) => close(code, reason),
  };

  const helloTimer = setTimeout(() => close(CLOSE.policy, 'no hello frame in time'), ctx.limits.helloTimeoutMs);
  const ping = setInterval(() => {
    if (!alive) return ws.terminate();
    alive = false;
    ws.ping();
  }, PING_EVERY_MS);
  ws.on('pong', () => (alive = true));

  /** Token bucket on input: past the budget, stop reading the socket for a while (TCP pushes back). */
  const meter = (cost: number): void => {
    const now = performance.now();
    const rate = ctx.limits.inputRate;
    tokens = Math.min(rate, tokens + ((now - lastRefill) / 1000) * rate);
    lastRefill = now;
    tokens -= Math.max(MIN_FRAME_COST, cost);
    if (tokens < 0 && !resumeTimer) {
      ws.pause();
      resumeTimer = setTimeout(() => {
        resumeTimer = undefined;
        if (!closed) ws.resume();
      }, Math.ceil((-tokens / rate) * 1000));
    }
  };

  const onHello = (h: Hello): void => {
    clearTimeout(helloTimer);
    if (ctx.token !== undefined && (h.token === undefined || !sameSecret(h.token, ctx.token))) {
      send({ type: 'status', state: 'error', message: 'bad or missing access token' });
      return close(CLOSE.policy, 'bad token');
    }
    if (!ctx.lessons.has(h.lesson)) {
      send({ type: 'status', state: 'error', message: `no lesson '${h.lesson}'` });
      return close(CLOSE.policy, 'unknown lesson');
    }
    consoleIndex = h.console;
    let resumed: Session | undefined;
    if (h.resume !== undefined) {
      resumed = ctx.registry.get(h.resume);
      if (resumed && resumed.lesson !== h.lesson) resumed = undefined;
    }
    if (!resumed && consoleIndex > 0) {
      send({ type: 'status', state: 'error', message: 'this session is over; open console 0 first' });
      return close(CLOSE.policy, 'no session for this console');
    }
    if (resumed) {
      session = resumed;
      session.attach(consoleIndex, link, h.cols, h.rows, true);
      return;
    }
    const fresh = ctx.registry.open(h.lesson);
    if (!fresh) {
      send({ type: 'status', state: 'full', message: 'The lab is full. Try again in a minute.', retryAfterMs: 30_000 });
      return close(CLOSE.tryAgain, 'lab full');
    }
    session = fresh;
    session.attach(0, link, h.cols, h.rows, false);
    void session.start().catch((e: unknown) => ctx.log(`lab server: session start failed: ${String(e)}`));
  };

  const onFrame = (f: ClientFrame): void => {
    if (f.type === 'hello') {
      if (session) throw new ProtocolError('hello sent twice');
      return onHello(f);
    }
    if (!session) throw new ProtocolError('the first frame must be hello');
    switch (f.type) {
      case 'input':
        meter(f.data.length);
        session.input(consoleIndex, f.data);
        return;
      case 'resize':
        meter(0);
        session.resize(consoleIndex, f.cols, f.rows);
        return;
      case 'ack':
        meter(0);
        if (!session.ack(consoleIndex, f.chars)) throw new ProtocolError('ack for more output than was sent');
        return;
      case 'reset':
        meter(4096);
        if (!session.hasVM && !ctx.registry.hasRoom()) {
          send({ type: 'status', state: 'full', message: 'The lab is full. Try again in a minute.', retryAfterMs: 30_000 });
          return;
        }
        void session.reset().catch((e: unknown) => ctx.log(`lab server: reset failed: ${String(e)}`));
        return;
    }
  };

  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (closed) return;
    try {
      if (isBinary) throw new ProtocolError('binary frames are not part of the protocol');
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      onFrame(parseClientFrame(text, ctx.limits.extraConsoles));
    } catch (e) {
      if (e instanceof ProtocolError) return close(CLOSE.policy, e.message);
      ctx.log(`lab server: error handling a frame: ${String(e)}`);
      close(CLOSE.internal, 'server error');
    }
  });
  ws.on('error', () => undefined); // 'close' follows; ws reports oversized frames (1009) itself
  ws.on('close', () => {
    closed = true;
    clearTimeout(helloTimer);
    clearTimeout(resumeTimer);
    clearInterval(ping);
    session?.detach(consoleIndex, link);
  });
}
