// One WebSocket: the protocol's order (hello first, once), the token, the
// rates, and the link between the socket and a session's console. Anything
// wrong closes this connection with a reason code (lab/protocol.ts);
// nothing a client sends can throw past this file.
import { randomBytes } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import {
  BadSourceFiles,
  CLOSE,
  closeReason,
  encodeFrame,
  parseClientFrame,
  ProtocolError,
  VersionMismatch,
  MAX_FRAME_BYTES,
  type BuildRequest,
  type ClientFrame,
  type ConsoleIndex,
  type Hello,
  type StepProgress,
  type ProgressFrame,
  type RefusalReason,
  type ServerFrame,
  type StatusFrame,
} from '../protocol.ts';
import type { BuildReport, BuildService } from '../build/build-service.ts';
import type { LabEvents } from './events.ts';
import { sameSecret } from './secret.ts';
import type { Admission, AuthThrottle } from './gate.ts';
import type { Limits } from './limits.ts';
import type { RateLimitedLog } from './log.ts';
import { keepAlive } from './keep-alive.ts';
import { TokenBucket } from './meter.ts';
import type { Classroom } from './classroom.ts';
import type { ClientLink, Learner, Session } from './session.ts';
import type { SessionRegistry } from './sessions.ts';

export interface ConnectionContext {
  registry: SessionRegistry;
  limits: Limits;
  /** Required in the hello when set. */
  token?: string;
  lessons: ReadonlySet<string>;
  /** The peer's address, for the per-address limits and the log. */
  address: string;
  /** This connection's place at the gate (gate.ts). */
  admission: Admission;
  throttle: AuthThrottle;
  /** Wrong tokens, rate-limited. */
  tokenLog: RateLimitedLog;
  log: (message: string) => void;
  /** Learners' builds, or why this server does not build. */
  builds: BuildService | string;
  /** Builds for a VM in the learner's tab (i386), or why this server does not make them. */
  tabBuilds: BuildService | string;
  /** Told of refusals and of builds' outcomes (lab/server/metrics.ts counts them). */
  events: Pick<LabEvents, 'refused' | 'build'>;
  /** Where a workshop's progress goes (workshop-store.ts); absent when the server keeps none. */
  progress?: { record(learner: string, e: StepProgress): Promise<void> };
  /** The instructor's side of a workshop (classroom.ts): told of refusals, progress and answers. */
  classroom?: Pick<Classroom, 'refused' | 'answered' | 'changed'>;
}

/** How a build frame starts when the page encodes it (encodeFrame): the one frame that may be large. */
const BUILD_FRAME_START = Buffer.from('{"type":"build"');
const TAKEN_EVERY_MS = 20;
const TAKEN_BATCH = 8 * 1024;
const FULL_RETRY_MS = 30_000;

/** A close reason is at most 123 bytes; cut at a character boundary below that. */
function fitReason(reason: string): string {
  let r = reason;
  while (Buffer.byteLength(r) > 120) r = r.slice(0, -1);
  return r;
}

export function handleConnection(ws: WebSocket, ctx: ConnectionContext): void {
  const { limits } = ctx;
  // Builds for the tab queue one at a time per connection.
  const tabOwner = `tab-${randomBytes(9).toString('base64url')}`;
  let session: Session | undefined;
  /** After a hello with target 'tab': this connection only builds, for a VM in the page. */
  let tabLesson: string | undefined;
  /** The learner's id from the hello, for their progress. */
  let learner: string | undefined;
  let consoleIndex: ConsoleIndex = 0;
  let closed = false;
  // Input characters, and frames of every kind, each within its own budget:
  // an ack or a resize costs a frame, never input (a terminal that acks
  // every frame must not wait for its own keystrokes).
  const inputMeter = new TokenBucket(limits.inputRate, limits.inputRate);
  const frameMeter = new TokenBucket(limits.frameRate, 2 * limits.frameRate);
  // Reasons the socket is not being read right now; it is read again when none is left.
  const holds = new Set<'rate' | 'queue'>();
  let rateTimer: NodeJS.Timeout | undefined;
  let stopWaitingForQueue: (() => void) | undefined;

  const send = (frame: ServerFrame): void => {
    if (!closed) ws.send(encodeFrame(frame));
  };
  const close = (code: number, reason: string): void => {
    if (closed) return;
    closed = true;
    ws.close(code, fitReason(reason));
    // A peer that never answers the close handshake must not keep the socket.
    setTimeout(() => ws.terminate(), 2000).unref();
  };
  /** A status saying why, then the close with the same reason code. */
  const refuse = (state: StatusFrame['state'], reason: RefusalReason, message: string, code: number, extra: Partial<StatusFrame> = {}): void => {
    ctx.events.refused(reason);
    send({ type: 'status', state, reason, message, ...extra });
    close(code, closeReason(reason));
  };
  // Taken input is reported in batches: typing gets one small frame per
  // TAKEN_EVERY_MS at most, a paste one per TAKEN_BATCH characters.
  let taken = 0;
  let takenTimer: NodeJS.Timeout | undefined;
  const sendTaken = (): void => {
    clearTimeout(takenTimer);
    takenTimer = undefined;
    if (taken > 0) send({ type: 'taken', chars: taken });
    taken = 0;
  };
  const link: ClientLink = {
    status: (s) => send({ type: 'status', ...s }),
    output: (data) => send({ type: 'output', data }),
    taken: (chars) => {
      taken += chars;
      if (taken >= TAKEN_BATCH) sendTaken();
      else takenTimer ??= setTimeout(sendTaken, TAKEN_EVERY_MS);
    },
    close: (code, reason) => close(code, reason),
    instructor: (notice) => send({ type: 'instructor', ...notice }),
  };

  const hold = (why: 'rate' | 'queue'): void => {
    if (holds.size === 0) ws.pause();
    holds.add(why);
  };
  const release = (why: 'rate' | 'queue'): void => {
    if (!holds.delete(why) || holds.size > 0 || closed) return;
    ws.resume();
  };

  const helloTimer = setTimeout(() => close(CLOSE.policy, closeReason('hello-timeout', 'no hello frame in time')), limits.helloTimeoutMs);
  const stopPinging = keepAlive(ws);

  /** Past a budget, stop reading the socket until it is paid off: TCP pushes back on the client. */
  const meter = (inputChars: number): void => {
    const debt = Math.max(frameMeter.take(1), inputChars > 0 ? inputMeter.take(inputChars) : 0);
    if (debt === 0 || rateTimer) return;
    hold('rate');
    rateTimer = setTimeout(() => {
      rateTimer = undefined;
      release('rate');
    }, debt);
  };

  const checkToken = (h: Hello): boolean => {
    if (ctx.token === undefined) return true;
    if (h.token === undefined) {
      refuse('error', 'token-required', 'this lab server needs an access token', CLOSE.policy);
      return false;
    }
    if (!ctx.throttle.mayTry(ctx.address)) {
      const retryAfterMs = ctx.throttle.retryAfterMs();
      refuse('error', 'token-throttled', 'too many wrong access tokens from this address; wait a minute', CLOSE.tryAgain, { retryAfterMs });
      return false;
    }
    if (!sameSecret(h.token, ctx.token)) {
      ctx.throttle.failed(ctx.address);
      ctx.tokenLog.log(`lab server: a wrong access token from ${ctx.address}`);
      refuse('error', 'token-bad', 'wrong access token', CLOSE.policy);
      return false;
    }
    return true;
  };

  const onHello = (h: Hello): void => {
    clearTimeout(helloTimer);
    if (!checkToken(h)) return;
    ctx.admission.authenticated();
    learner = h.learner;
    const who: Learner | undefined = h.learner ? { learner: h.learner, ...(h.name ? { name: h.name } : {}) } : undefined;
    if (!ctx.lessons.has(h.lesson)) return refuse('error', 'unknown-lesson', `no lesson '${h.lesson}'`, CLOSE.policy);
    if (h.target === 'tab') {
      tabLesson = h.lesson;
      return;
    }
    consoleIndex = h.console;
    let resumed: Session | undefined;
    if (h.resume !== undefined) {
      resumed = ctx.registry.get(h.resume);
      if (resumed && resumed.lesson !== h.lesson) resumed = undefined;
    }
    if (!resumed && consoleIndex > 0) {
      return refuse('error', 'no-session', 'this session is over; start console 0 first', CLOSE.policy);
    }
    if (resumed) {
      session = resumed;
      // The same browser, perhaps with a name given since.
      if (who && session.who?.learner === who.learner && who.name) session.who = who;
      session.attach(consoleIndex, link, h.cols, h.rows, true);
      return;
    }
    const fresh = ctx.registry.open(h.lesson, who);
    if (!fresh) {
      if (who) ctx.classroom?.refused(who, h.lesson);
      return refuse('full', 'full', 'The lab is full. Try again in a minute.', CLOSE.tryAgain, { retryAfterMs: FULL_RETRY_MS });
    }
    session = fresh;
    session.attach(0, link, h.cols, h.rows, false);
    void session.start().catch((e: unknown) => ctx.log(`lab server: session start failed: ${String(e)}`));
  };

  const onInput = (s: Session, data: string): void => {
    meter(data.length);
    if (s.input(consoleIndex, data) || holds.has('queue')) return;
    // The guest is not reading: keep the rest of the client's input in its
    // own socket (and TCP's) until the console's queue has room again.
    hold('queue');
    stopWaitingForQueue = s.onInputDrain(consoleIndex, () => {
      stopWaitingForQueue = undefined;
      release('queue');
    });
  };

  /** A build for the session's VM, or with `s` undefined for the VM in the page (a connection for the tab). */
  const onBuild = (s: Session | undefined, f: BuildRequest): void => {
    const askedAt = performance.now();
    const report = (r: BuildReport): void => {
      if (r.state !== 'queued' && r.state !== 'building') ctx.events.build(r.state, performance.now() - askedAt);
      send({ type: 'build', id: f.id, ...r });
    };
    const builds = s ? ctx.builds : ctx.tabBuilds;
    if (typeof builds === 'string') return report({ state: 'refused', reason: 'unavailable', message: builds });
    // Another lesson's files go to that lesson's folder of the same VM, which the image has.
    const lesson = f.lesson ?? s?.lesson ?? tabLesson ?? '';
    if (!ctx.lessons.has(lesson)) return report({ state: 'refused', reason: 'bad-files', message: `no lesson '${lesson}'` });
    const request = s
      ? { owner: s.id, lesson, files: f.files, destination: () => s.buildDestination() }
      : { owner: tabOwner, lesson, files: f.files, destination: () => 'page' as const };
    void builds.request(request, report).catch((e: unknown) => {
      ctx.log(`lab server: a build failed: ${String(e)}`);
      report({ state: 'refused', reason: 'build-error', message: 'the server could not build this; try again' });
    });
  };

  const onProgress = (f: ProgressFrame): void => {
    meter(0);
    if (!learner || !ctx.progress) return;
    ctx.progress.record(learner, { lesson: f.lesson, step: f.step, event: f.event }).then(
      () => ctx.classroom?.changed(),
      // The learner's terminal goes on; the instructor's copy misses a line, which the log says.
      (e: unknown) => ctx.log(`lab server: could not keep a learner's progress: ${String(e)}`),
    );
  };

  const reset = (s: Session): void => {
    if (!s.hasVM && !ctx.registry.hasRoom()) {
      ctx.events.refused('full');
      send({ type: 'status', state: 'full', reason: 'full', message: 'The lab is full. Try again in a minute.', retryAfterMs: FULL_RETRY_MS });
      return;
    }
    void s.reset().catch((e: unknown) => ctx.log(`lab server: reset failed: ${String(e)}`));
  };

  const onFrame = (f: ClientFrame): void => {
    if (f.type === 'hello') {
      if (session || tabLesson) throw new ProtocolError('hello sent twice');
      meter(0);
      return onHello(f);
    }
    // The page reports progress on whichever connection it has, its VM's here or the tab's.
    if (f.type === 'progress') {
      if (!session && !tabLesson) throw new ProtocolError('the first frame must be hello');
      return onProgress(f);
    }
    if (tabLesson) {
      if (f.type !== 'build') throw new ProtocolError('a connection for a VM in the tab only builds');
      meter(f.files.reduce((n, file) => n + file.text.length, 0));
      return onBuild(undefined, f);
    }
    if (!session) throw new ProtocolError('the first frame must be hello');
    switch (f.type) {
      case 'input':
        return onInput(session, f.data);
      case 'resize':
        meter(0);
        session.resize(consoleIndex, f.cols, f.rows);
        return;
      case 'ack':
        meter(0);
        if (!session.ack(consoleIndex, f.chars)) throw new ProtocolError('ack for more output than was sent');
        return;
      case 'reset':
        meter(0);
        return reset(session);
      case 'consent':
        meter(0);
        // An answer to nothing (asked on another terminal, or twice) changes nothing.
        if (!session.answerAsk()) return;
        ctx.classroom?.answered(session, f.given);
        if (f.given) reset(session);
        return;
      case 'build':
        // Sources count against the input budget, so a stream of large frames slows to its rate.
        meter(f.files.reduce((n, file) => n + file.text.length, 0));
        return onBuild(session, f);
    }
  };

  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (closed) return;
    try {
      if (isBinary) throw new ProtocolError('binary frames are not part of the protocol');
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      // Only a build may be larger than MAX_FRAME_BYTES (the socket's own
      // limit is MAX_BUILD_FRAME_BYTES), and a large frame must say so in its
      // first bytes, as the page's do: nothing else that large is parsed.
      if (bytes.length > MAX_FRAME_BYTES && !bytes.subarray(0, BUILD_FRAME_START.length).equals(BUILD_FRAME_START)) {
        return close(CLOSE.tooBig, closeReason('bad-frame', 'frame too large'));
      }
      onFrame(parseClientFrame(bytes.toString('utf8'), 1 + limits.extraConsoles));
    } catch (e) {
      if (e instanceof VersionMismatch) {
        return refuse('error', 'version-mismatch', 'this page speaks another version of the lab protocol: reload it', CLOSE.policy);
      }
      if (e instanceof BadSourceFiles && (session || tabLesson)) {
        return send({ type: 'build', id: e.id, state: 'refused', reason: 'bad-files', message: e.message });
      }
      if (e instanceof ProtocolError) return close(CLOSE.policy, closeReason('bad-frame', e.message));
      ctx.log(`lab server: error handling a frame: ${String(e)}`);
      close(CLOSE.internal, closeReason('server-error'));
    }
  });
  ws.on('error', () => undefined); // 'close' follows; ws reports oversized frames (1009) itself
  ws.on('close', () => {
    closed = true;
    clearTimeout(helloTimer);
    clearTimeout(rateTimer);
    clearTimeout(takenTimer);
    stopPinging();
    stopWaitingForQueue?.();
    ctx.admission.closed();
    session?.detach(consoleIndex, link);
  });
}
