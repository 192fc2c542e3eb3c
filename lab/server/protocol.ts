// The lab WebSocket protocol (documented in PROTOCOL.md beside this file):
// the frame types both ways and the validation of what a client sends.
// Every client frame is untrusted: it is parsed here into a typed value or
// rejected with a reason, before anything else looks at it.

export const PROTOCOL_VERSION = 1;

/** Largest client frame; ws closes the connection (1009) above it. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Largest `input` payload, in characters. */
export const MAX_INPUT_CHARS = 16 * 1024;
export const MAX_COLS = 1000;
export const MAX_ROWS = 500;
const LESSON_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const SESSION_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** WebSocket close codes the server uses. */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  /** Malformed, out-of-order or forbidden frame; bad token. */
  policy: 1008,
  tooBig: 1009,
  /** The server failed. */
  internal: 1011,
  /** Lab full: try again later. */
  tryAgain: 1013,
} as const;

export interface Hello {
  type: 'hello';
  v: number;
  lesson: string;
  token?: string;
  resume?: string;
  console: number;
  cols: number;
  rows: number;
}
export interface Input {
  type: 'input';
  data: string;
}
export interface Resize {
  type: 'resize';
  cols: number;
  rows: number;
}
export interface Reset {
  type: 'reset';
}
export interface Ack {
  type: 'ack';
  /** Characters of output the terminal has finished processing since the last ack. */
  chars: number;
}
export type ClientFrame = Hello | Input | Resize | Reset | Ack;

export type StatusState = 'booting' | 'ready' | 'exited' | 'panic' | 'full' | 'error';

export interface StatusFrame {
  type: 'status';
  state: StatusState;
  /** booting: 0..1, an estimate from earlier boot times. */
  progress?: number;
  /** ready: the session id to send as `resume` after a disconnect. */
  session?: string;
  console?: number;
  /** ready: true when this is the same VM as before the disconnect. */
  resumed?: boolean;
  /** exited: why (poweroff, idle, time-limit, killed, failed). */
  reason?: string;
  message?: string;
  /** exited/panic: the last lines of the console, plain text. */
  tail?: string;
  /** full: when it is worth trying again. */
  retryAfterMs?: number;
}
export interface OutputFrame {
  type: 'output';
  data: string;
}
export type ServerFrame = StatusFrame | OutputFrame;

export class ProtocolError extends Error {}

type Json = Record<string, unknown>;

function int(o: Json, key: string, min: number, max: number, fallback?: number): number {
  const v = o[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ProtocolError(`'${key}' must be an integer from ${min} to ${max}`);
  }
  return v;
}

function str(o: Json, key: string, pattern: RegExp | undefined, maxLen: number, optional: true): string | undefined;
function str(o: Json, key: string, pattern: RegExp | undefined, maxLen: number, optional?: false): string;
function str(o: Json, key: string, pattern: RegExp | undefined, maxLen: number, optional = false): string | undefined {
  const v = o[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.length > maxLen || (pattern && !pattern.test(v))) {
    throw new ProtocolError(`'${key}' is missing or not valid`);
  }
  return v;
}

function onlyKeys(o: Json, keys: string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new ProtocolError(`unknown field '${k}'`);
}

/** One client frame, from the raw WebSocket message, or a ProtocolError saying what is wrong. */
export function parseClientFrame(raw: string, maxConsole: number): ClientFrame {
  let o: unknown;
  try {
    o = JSON.parse(raw);
  } catch {
    throw new ProtocolError('frame is not JSON');
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ProtocolError('frame is not a JSON object');
  const f = o as Json;
  switch (f.type) {
    case 'hello':
      onlyKeys(f, ['type', 'v', 'lesson', 'token', 'resume', 'console', 'cols', 'rows']);
      if (f.v !== PROTOCOL_VERSION) throw new ProtocolError(`protocol version must be ${PROTOCOL_VERSION}`);
      return {
        type: 'hello',
        v: PROTOCOL_VERSION,
        lesson: str(f, 'lesson', LESSON_NAME, 64),
        token: str(f, 'token', undefined, 256, true),
        resume: str(f, 'resume', SESSION_ID, 64, true),
        console: int(f, 'console', 0, maxConsole, 0),
        cols: int(f, 'cols', 2, MAX_COLS),
        rows: int(f, 'rows', 1, MAX_ROWS),
      };
    case 'input':
      onlyKeys(f, ['type', 'data']);
      return { type: 'input', data: str(f, 'data', undefined, MAX_INPUT_CHARS) };
    case 'resize':
      onlyKeys(f, ['type', 'cols', 'rows']);
      return { type: 'resize', cols: int(f, 'cols', 2, MAX_COLS), rows: int(f, 'rows', 1, MAX_ROWS) };
    case 'reset':
      onlyKeys(f, ['type']);
      return { type: 'reset' };
    case 'ack':
      onlyKeys(f, ['type', 'chars']);
      return { type: 'ack', chars: int(f, 'chars', 1, Number.MAX_SAFE_INTEGER) };
    default:
      throw new ProtocolError('unknown frame type');
  }
}

export function encode(frame: ServerFrame): string {
  return JSON.stringify(frame);
}
