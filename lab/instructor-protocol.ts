/*
 * The instructor's protocol: what the instructor's page (/instructor,
 * src/components/Instructor/) and the lab server (lab/server/classroom.ts)
 * say to each other over the instructor's WebSocket, and the rules both
 * apply to a learner's row (who is stuck). Documented in
 * lab/server/PROTOCOL.md, beside the learners' protocol (lab/protocol.ts).
 *
 * Pure, like lab/protocol.ts: no Node and no DOM imports.
 */
import { jsonObject, LEARNER_ID, ProtocolError, type SessionState } from './protocol.ts';


/** The instructor's page, in each locale's folder of the site. */
export const INSTRUCTOR_PAGE = '/instructor';
/** The instructor's WebSocket, on the page's own origin. */
export const INSTRUCTOR_SOCKET_PATH = '/instructor/ws';
/** Where the login form posts the instructor's token; the answer sets INSTRUCTOR_COOKIE. */
export const INSTRUCTOR_LOGIN_PATH = '/instructor/login';
export const INSTRUCTOR_LOGOUT_PATH = '/instructor/logout';
/** Every learner's steps and checks, as CSV (lab/server/workshop-store.ts progressCsv). */
export const PROGRESS_CSV_PATH = '/instructor/progress.csv';
/**
 * The cookie that proves the instructor's token was given: an HMAC of the
 * token, never the token, so every server of a workshop that knows the
 * token can check it and nothing on the wire is the token itself.
 */
export const INSTRUCTOR_COOKIE = 'uklab-instructor';

/** The instructor's WebSocket URL on a page's own origin. */
export function instructorSocketUrl(loc: { protocol: string; host: string }): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${INSTRUCTOR_SOCKET_PATH}`;
}

/** Longest message to the class. */
export const MAX_MESSAGE_CHARS = 280;
/**
 * Where a learner's VM is, as the instructor sees it: a session's state,
 * `full` when the server had no room for them, `left` when their page is
 * gone (the session ended).
 */
export type LearnerVM = SessionState | 'full' | 'left';
export const LEARNER_VMS: readonly LearnerVM[] = ['booting', 'ready', 'exited', 'panic', 'full', 'left'];

/** What the instructor asked a learner, and what the learner answered. */
export type ResetAsk = 'asked' | 'allowed' | 'declined';

/** One learner, as the instructor's grid shows them. */
export interface LearnerRow {
  learner: string;
  /** Their display name; absent when they gave none. */
  name?: string;
  /** The lesson of their last terminal. */
  lesson?: string;
  vm: LearnerVM;
  /** The step they last ran (its anchor), and in which lesson. */
  lastStep?: string;
  lastStepLesson?: string;
  /** Steps run at least once, over all lessons. */
  stepsRun: number;
  /** Checks whose last verdict was PASS. */
  checksPassed: number;
  /** When they last ran a step or had a check's verdict (ms since the epoch). */
  lastProgress?: number;
  /** When their terminal first said hello. */
  joined: number;
  /** When their server last said how their VM is. */
  seen: number;
  /** The lab server that holds their VM (its id, for a workshop of several). */
  server: string;
  /** The last reset the instructor asked for, and the answer. */
  resetAsk?: ResetAsk;
}

/** A learner is stuck after this long without progress while their VM is up. */
export const DEFAULT_STUCK_AFTER_MS = 5 * 60_000;

/**
 * Whether the instructor should look at this learner: a panicked kernel, a
 * lab that was full for them, or a VM up with no progress for
 * `stuckAfterMs` (counted from when they joined if they have none).
 */
export function isStuck(row: Pick<LearnerRow, 'vm' | 'lastProgress' | 'joined'>, now: number, stuckAfterMs: number): boolean {
  if (row.vm === 'panic' || row.vm === 'full') return true;
  if (row.vm !== 'ready' && row.vm !== 'booting') return false;
  return now - (row.lastProgress ?? row.joined) >= stuckAfterMs;
}

// Frames, instructor to server.

/** Show me this learner's console 0, read-only, live (one learner at a time: a new watch ends the last). */
export interface WatchRequest {
  type: 'watch';
  learner: string;
}
export interface Unwatch {
  type: 'unwatch';
}
/** Ask this learner whether their VM may be reset; their page asks them. */
export interface ResetRequest {
  type: 'reset';
  learner: string;
}
/** A short message, shown on every learner's page. */
export interface Broadcast {
  type: 'message';
  text: string;
}
export type InstructorFrame = WatchRequest | Unwatch | ResetRequest | Broadcast;

// Frames, server to instructor.

export interface RosterFrame {
  type: 'roster';
  /** The server's clock, so the page counts "since" from the same time. */
  now: number;
  stuckAfterMs: number;
  learners: LearnerRow[];
}
/** About the watched terminal: it started (output follows), or ended and why. */
export interface WatchFrame {
  type: 'watch';
  learner: string;
  state: 'watching' | 'ended';
  message?: string;
}
/** The watched terminal's output, as the learner's terminal got it. */
export interface WatchOutput {
  type: 'output';
  data: string;
}
/** What the server did with a request, for the instructor to read. */
export interface NoticeFrame {
  type: 'notice';
  text: string;
}
export type InstructorServerFrame = RosterFrame | WatchFrame | WatchOutput | NoticeFrame;

type Json = Record<string, unknown>;

function learnerOf(f: Json): string {
  if (typeof f.learner !== 'string' || !LEARNER_ID.test(f.learner)) throw new ProtocolError("'learner' is missing or not valid");
  return f.learner;
}

function only(f: Json, keys: readonly string[]): void {
  for (const k of Object.keys(f)) if (!keys.includes(k)) throw new ProtocolError(`unknown field '${k}'`);
}

/** One frame from the instructor's page, or a ProtocolError. There is no input frame: a watched terminal is read-only. */
export function parseInstructorFrame(raw: string): InstructorFrame {
  const o = jsonObject(raw);
  switch (o.type) {
    case 'watch':
      only(o, ['type', 'learner']);
      return { type: 'watch', learner: learnerOf(o) };
    case 'unwatch':
      only(o, ['type']);
      return { type: 'unwatch' };
    case 'reset':
      only(o, ['type', 'learner']);
      return { type: 'reset', learner: learnerOf(o) };
    case 'message': {
      only(o, ['type', 'text']);
      const text = typeof o.text === 'string' ? o.text.trim() : '';
      if (text === '' || text.length > MAX_MESSAGE_CHARS) throw new ProtocolError(`'text' must be 1 to ${MAX_MESSAGE_CHARS} characters`);
      return { type: 'message', text };
    }
    default:
      throw new ProtocolError('unknown frame type');
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function learnerRow(v: unknown): LearnerRow | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Json;
  const vm = LEARNER_VMS.find((s) => s === o.vm);
  const learner = text(o.learner);
  const joined = num(o.joined);
  if (!learner || !vm || joined === undefined) return undefined;
  const resetAsk = (['asked', 'allowed', 'declined'] as const).find((a) => a === o.resetAsk);
  const row: LearnerRow = {
    learner,
    vm,
    stepsRun: num(o.stepsRun) ?? 0,
    checksPassed: num(o.checksPassed) ?? 0,
    joined,
    seen: num(o.seen) ?? joined,
    server: text(o.server) ?? '',
  };
  const name = text(o.name);
  if (name !== undefined) row.name = name;
  const lesson = text(o.lesson);
  if (lesson !== undefined) row.lesson = lesson;
  const lastStep = text(o.lastStep);
  if (lastStep !== undefined) row.lastStep = lastStep;
  const lastStepLesson = text(o.lastStepLesson);
  if (lastStepLesson !== undefined) row.lastStepLesson = lastStepLesson;
  const lastProgress = num(o.lastProgress);
  if (lastProgress !== undefined) row.lastProgress = lastProgress;
  if (resetAsk) row.resetAsk = resetAsk;
  return row;
}

/** A server frame as the instructor's page reads it, or undefined for anything of the wrong shape. */
export function parseInstructorServerFrame(raw: string): InstructorServerFrame | undefined {
  let o: Json;
  try {
    o = jsonObject(raw);
  } catch {
    return undefined;
  }
  switch (o.type) {
    case 'roster': {
      const now = num(o.now);
      const stuckAfterMs = num(o.stuckAfterMs);
      if (now === undefined || stuckAfterMs === undefined || !Array.isArray(o.learners)) return undefined;
      const learners = o.learners.map(learnerRow).filter((r): r is LearnerRow => r !== undefined);
      return { type: 'roster', now, stuckAfterMs, learners };
    }
    case 'watch': {
      const learner = text(o.learner);
      if (!learner || (o.state !== 'watching' && o.state !== 'ended')) return undefined;
      const message = text(o.message);
      return { type: 'watch', learner, state: o.state, ...(message !== undefined ? { message } : {}) };
    }
    case 'output':
      return typeof o.data === 'string' ? { type: 'output', data: o.data } : undefined;
    case 'notice':
      return typeof o.text === 'string' ? { type: 'notice', text: o.text } : undefined;
    default:
      return undefined;
  }
}
