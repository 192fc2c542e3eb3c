/*
 * The lab protocol: what a lesson page and the lab server say to each other
 * over a WebSocket (lab/server/PROTOCOL.md documents it), and the names of
 * a lab's life cycle that every layer uses, from the VM up to the page.
 *
 * Pure on purpose, with no Node and no DOM imports: the server
 * (lab/server/) and the page (src/components/LabTerminal/) both import this
 * one module, so nothing here is declared twice and the two cannot drift.
 */

/** Bumped when a frame changes meaning; a page and a server of different versions refuse each other. */
export const PROTOCOL_VERSION = 6;

/** Where the server listens for labs, on the page's own origin. */
export const LAB_SOCKET_PATH = '/lab/ws';

/** The lab's WebSocket URL on a page's own origin (ws: or wss: like the page). */
export function labSocketUrl(loc: { protocol: string; host: string }): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${LAB_SOCKET_PATH}`;
}
/** Session counts and lessons, as JSON, for the same origin only. */
export const LAB_STATUS_PATH = '/lab/status';

/**
 * Whether the lessons' reference solutions show. A workshop's server hides
 * them for the whole class (its status says `solutions: 'hidden'`); a
 * syllabus link hides them with `?solutions=hidden` (`shown` undoes that).
 */
export type SolutionsVisibility = 'shown' | 'hidden';
/** The URL parameter that sets SolutionsVisibility for a reader. */
export const SOLUTIONS_PARAM = 'solutions';

/** What LAB_STATUS_PATH answers (the parts a page reads). */
export interface LabStatus {
  readonly sessions: number;
  readonly lessons: readonly string[];
  /** Present when the server's operator decided; absent from servers before it existed. */
  readonly solutions?: SolutionsVisibility;
  /** The server has a workshop's instructor: the page offers the learner to give a name for their view. */
  readonly instructor?: boolean;
}

/** A lab server's status, or undefined for anything else (a static host's 404 or fallback page). */
export function parseLabStatus(body: unknown): LabStatus | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const {sessions, lessons, solutions, instructor} = body as Record<string, unknown>;
  if (typeof sessions !== 'number' || !Array.isArray(lessons)) return undefined;
  return {
    sessions,
    lessons: lessons.filter((l): l is string => typeof l === 'string'),
    ...(solutions === 'hidden' || solutions === 'shown' ? {solutions} : {}),
    ...(instructor === true ? {instructor} : {}),
  };
}

/** Largest client frame in bytes; the server closes the connection (1009) above it. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Largest `input` payload, in characters. */
export const MAX_INPUT_CHARS = 16 * 1024;
/**
 * What a page puts in one `input` frame. Half the limit: a character the
 * JSON encoding escapes takes six bytes (\u001b), so 8 Ki of them still fit
 * in MAX_FRAME_BYTES.
 */
export const INPUT_CHUNK_CHARS = 8 * 1024;
/**
 * Input a page has sent that the guest has not taken yet (`taken` frames
 * say what it took): past this the page holds the rest, so that a Ctrl-C
 * typed after a big paste has little ahead of it. At most the server's
 * input queue, so that the server never has to stop reading a page.
 */
export const INPUT_WINDOW_CHARS = 32 * 1024;
/**
 * Ctrl-C. A terminal's line discipline throws away unread input when it
 * sees it; the page and the server do the same with the input they still
 * hold, so that it is the next thing the guest reads.
 */
export const INTERRUPT = '\x03';

/** Where to cut `text` to take at most `max` characters without splitting a surrogate pair (at least one character). */
export function cutAt(text: string, max: number): number {
  if (text.length <= max) return text.length;
  const n = Math.max(1, max);
  const code = text.charCodeAt(n);
  // A low surrogate there: its high half would be cut off from it.
  if (code >= 0xdc00 && code <= 0xdfff) return n > 1 ? n - 1 : 2;
  return n;
}

/** The page acknowledges output in batches: at this many characters, or ACK_DELAY_MS after the first. */
export const ACK_BATCH_CHARS = 8 * 1024;
export const ACK_DELAY_MS = 100;
export const MIN_COLS = 2;
export const MAX_COLS = 1000;
export const MIN_ROWS = 1;
export const MAX_ROWS = 500;
/** A user-chosen access token shorter than this is refused when the server starts. */
export const MIN_TOKEN_LENGTH = 16;

/*
 * Consoles. One VM has CONSOLE_COUNT of them, known everywhere by their
 * index: console 0 is the lab's terminal, console 1 a second shell into the
 * same VM (`<LabTerminal console={1}>` on a page, `console=1` on a step,
 * `console: 1` in a hello). Only lab/vm/qemu.ts knows which guest UART
 * carries each one.
 */
export const CONSOLE_COUNT = 2;
export type ConsoleIndex = 0 | 1;

/*
 * The life cycle, once. A VM is booting, ready or exited; a session reports
 * its VM's state and tells a panic apart from other exits; the server may
 * refuse a terminal instead (full, error); the page adds its own states
 * before and between connections. Each layer uses a subset of these names.
 */

/** How a VM came up: booted from its kernel's first instruction, or restored from a saved state of a booted VM. */
export type StartKind = 'boot' | 'restore';
/** A VM's own life (lab/vm/lab-vm.ts). */
export type VMState = 'booting' | 'ready' | 'exited';
/** How a VM ended. */
export type VMExitReason = 'poweroff' | 'panic' | 'killed' | 'boot-timeout' | 'failed';
/** Why the server stopped a session's VM while keeping the session (a reset may start another). */
export type StopReason = 'idle' | 'time-limit' | 'start-failed';
export type ExitReason = VMExitReason | StopReason;

/** A session as its status frames report it (lab/server/session.ts). */
export type SessionState = 'booting' | 'ready' | 'exited' | 'panic';
/** The server could not give this terminal a session: `full` (the connection may stay) or `error` (it closes). */
export type RefusalState = 'full' | 'error';
export type StatusState = SessionState | RefusalState;
/** What the page's terminal shows (src/components/LabTerminal/). */
export type TerminalState = 'idle' | 'connecting' | StatusState | 'disconnected';

/** The session state a VM's end leads to. */
export function stateAfterExit(reason: ExitReason): SessionState {
  return reason === 'panic' ? 'panic' : 'exited';
}

/**
 * Why the server refused or closed a terminal: in `reason` of an `error` or
 * `full` status, and as the first word of the WebSocket close reason. The
 * page acts on these codes, never on the wording of `message`.
 */
export type RefusalReason =
  /** The server needs an access token and the hello had none. */
  | 'token-required'
  /** The hello's token is wrong. */
  | 'token-bad'
  /** Too many wrong tokens from this address: wait before trying again. */
  | 'token-throttled'
  /** The page speaks another protocol version: it is older or newer than the server. */
  | 'version-mismatch'
  | 'unknown-lesson'
  /** Console 1 asked to join a session that is over. */
  | 'no-session'
  /** No room for another VM. */
  | 'full'
  | 'bad-frame'
  | 'hello-timeout'
  /** The learner's time with this lab is used up. */
  | 'time-limit'
  | 'server-error'
  /** Another terminal took over this console. */
  | 'replaced'
  /** The session ended (grace period over, server shutting down). */
  | 'session-over';

export type Reason = ExitReason | RefusalReason;

/** WebSocket close codes the server uses. */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  /** Malformed, out-of-order or forbidden frame; bad token. */
  policy: 1008,
  tooBig: 1009,
  /** The server failed. */
  internal: 1011,
  /** Lab full or busy: try again later. */
  tryAgain: 1013,
} as const;

/** A close reason: the code, then what exactly was wrong. At most 123 bytes on the wire. */
export function closeReason(reason: RefusalReason, detail?: string): string {
  return detail ? `${reason}: ${detail}` : reason;
}

const REFUSALS: ReadonlySet<string> = new Set<RefusalReason>([
  'token-required', 'token-bad', 'token-throttled', 'version-mismatch', 'unknown-lesson', 'no-session', 'full',
  'bad-frame', 'hello-timeout', 'time-limit', 'server-error', 'replaced', 'session-over',
]);

/** The refusal code at the start of a close reason, if it has one. */
export function refusalOfClose(reason: string): RefusalReason | undefined {
  const code = /^[a-z-]+/.exec(reason)?.[0];
  return code !== undefined && REFUSALS.has(code) ? (code as RefusalReason) : undefined;
}

/** Refusals a token typed by the learner may cure. */
export function wantsToken(reason: string | undefined): boolean {
  return reason === 'token-required' || reason === 'token-bad';
}

// Frames, client to server.

export interface Hello {
  type: 'hello';
  v: number;
  lesson: string;
  token?: string;
  /** A session id from an earlier `ready`: reattach to that VM if it still exists. */
  resume?: string;
  console: ConsoleIndex;
  cols: number;
  rows: number;
  /**
   * 'tab': the learner's VM runs in their browser tab (v86, i386), not
   * here. The connection only builds: no VM is started, the builds are of
   * the i386 lab, and a `done` frame carries the built files for the page
   * to put into its own VM.
   */
  target?: 'tab';
  /**
   * The learner, as a random id their browser keeps (LEARNER_ID): a server
   * that keeps a workshop's progress files this connection's `progress`
   * frames under it. Nothing else; a server that keeps none ignores it.
   */
  learner?: string;
  /**
   * The name the learner gave for a workshop's instructor (cleanName):
   * shown in the instructor's view, never required.
   */
  name?: string;
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
/** Build the lesson with these sources and put the results into this session's VM (lab/build/). */
export interface BuildRequest {
  type: 'build';
  /** The page's number for this build, echoed in every `build` frame about it. */
  id: number;
  /** The lesson whose files these are, when not the session's own (a page of two lessons: procfs and sysfs). */
  lesson?: string;
  /** The learner's version of some of the lesson's sources; the others stay the lesson's own. */
  files: SourceFile[];
}
/** What the learner did on the page, for a server that keeps a workshop's progress (lab/server/workshop-store.ts). */
export interface StepProgress {
  /** The lesson's doc id (both locales share it). */
  lesson: string;
  /** The step's anchor: step-…, exercise-N-check or exercise-N-solution. */
  step: string;
  /** `ran`: its Run button; `passed` / `not-yet`: a check's verdict, after its run. */
  event: 'ran' | 'passed' | 'not-yet';
}
export interface ProgressFrame extends StepProgress {
  type: 'progress';
}
/** The learner's answer to an instructor's `ask-reset`: given, the VM is reset as by a `reset`. */
export interface Consent {
  type: 'consent';
  given: boolean;
}
export type ClientFrame = Hello | Input | Resize | Reset | Ack | BuildRequest | ProgressFrame | Consent;

/** A learner's display name: what they typed, on one line, at most this long. */
export const MAX_NAME_CHARS = 40;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** A display name as a learner typed it, made safe to keep and show; undefined when nothing is left. */
export function cleanName(raw: string): string | undefined {
  const name = raw.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim().slice(0, MAX_NAME_CHARS).trim();
  return name === '' ? undefined : name;
}

/*
 * Builds. A learner's sources go to the server in one `build` frame, larger
 * than the others may be; the server builds them in a sandbox and answers
 * with `build` frames: queued (with the place in the queue), building, then
 * one that ends it.
 */
export interface SourceFile {
  /** A file name of the lesson's (`ioctl_example.c`): no folder, no path. */
  name: string;
  text: string;
}
/** Largest source file a build takes, in bytes of UTF-8. */
export const MAX_SOURCE_BYTES = 256 * 1024;
/** Most files in one build. */
export const MAX_BUILD_FILES = 8;
/** All of one build's sources together, in bytes of UTF-8. */
export const MAX_BUILD_BYTES = 512 * 1024;
/**
 * Largest `build` frame: JSON escapes a newline or a quote in two bytes, so
 * twice the sources, and room for the rest. Every other frame still has
 * MAX_FRAME_BYTES.
 */
export const MAX_BUILD_FRAME_BYTES = 2 * MAX_BUILD_BYTES + 16 * 1024;
/** A file name a build may carry: C sources and headers only. */
export const SOURCE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}\.[ch]$/;

export type DiagnosticSeverity = 'error' | 'warning' | 'note';
/** One compiler or linker message; `file` and `line` when it points into a file. */
export interface BuildDiagnostic {
  file?: string;
  line?: number;
  column?: number;
  severity: DiagnosticSeverity;
  message: string;
}
/** A file the build put into the VM, as the guest checked it. */
export interface DeliveredFile {
  /** Its path in the guest (`/lab/ioctl/ioctl_example.ko`). */
  path: string;
  size: number;
  sha256: string;
  /** false: the VM had this very file already, and it was not sent. */
  changed: boolean;
}
/** A built file for the page's own VM: the payload of a put (lab/vm/control-format.ts). */
export interface BuiltFile {
  /** Its path in the guest (`/lab/ioctl/ioctl_example.ko`). */
  path: string;
  size: number;
  sha256: string;
  mode: number;
  base64: string;
}
export type BuildState =
  /** Waiting for a free build slot; `position` 1 is next. */
  | 'queued'
  | 'building'
  /** Built and delivered: `delivered` says what the VM has now. */
  | 'done'
  /** The compiler or linker refused the code: `diagnostics` and `log` say why; the VM is untouched. */
  | 'failed'
  /** Not built: `reason` and `message` say why (a bad file, a busy learner, no VM). */
  | 'refused';
export type BuildRefusal =
  | 'bad-files'
  /** This learner has a build queued or running. */
  | 'busy'
  /** The session has no running VM to deliver to. */
  | 'no-vm'
  /** The build went past a limit (time, memory, output) or the sandbox failed. */
  | 'build-error'
  /** Built, but the VM did not take the files. */
  | 'delivery-failed'
  /** This server cannot build (no sandbox, no kernel tree). */
  | 'unavailable';
export interface BuildFrame {
  type: 'build';
  id: number;
  state: BuildState;
  position?: number;
  reason?: BuildRefusal;
  message?: string;
  diagnostics?: BuildDiagnostic[];
  /** The build's output, cut to a size. */
  log?: string;
  delivered?: DeliveredFile[];
  /** A build for a VM in the tab (Hello.target): the built files, for the page to put into that VM. */
  files?: BuiltFile[];
  /** The same sources were built before: nothing was compiled. */
  cached?: boolean;
}

// Frames, server to client.

export interface StatusFrame {
  type: 'status';
  state: StatusState;
  /** booting: 0..1, an estimate from recent boot times. */
  progress?: number;
  /** ready: the session id to send as `resume` after a disconnect. */
  session?: string;
  console?: ConsoleIndex;
  /** ready: true when this is the same VM as before the disconnect. */
  resumed?: boolean;
  /** ready: how the VM came up, booted or restored from the server's snapshot. */
  started?: StartKind;
  /** exited, panic: why the VM ended; full, error: why the terminal was refused. */
  reason?: Reason;
  /** For people: what happened, in English. Never parsed. */
  message?: string;
  /** exited, panic: the last lines of the console, plain text. */
  tail?: string;
  /** full, token-throttled: when it is worth trying again. */
  retryAfterMs?: number;
}
export interface OutputFrame {
  type: 'output';
  data: string;
}
/** The guest has taken (or Ctrl-C has thrown away) this many more characters of this connection's input. */
export interface TakenFrame {
  type: 'taken';
  chars: number;
}
/**
 * From the workshop's instructor (lab/server/classroom.ts): they started or
 * stopped watching this terminal, read-only; a message to the class; or
 * they ask to reset this learner's VM, which the page asks the learner
 * (who answers with `consent`).
 */
export interface InstructorNotice {
  type: 'instructor';
  event: 'watching' | 'not-watching' | 'message' | 'ask-reset';
  /** message: the instructor's words. */
  text?: string;
}
export type ServerFrame = StatusFrame | OutputFrame | TakenFrame | BuildFrame | InstructorNotice;
/** A status without its `type`, as the layers below the connection build it. */
export type Status = Omit<StatusFrame, 'type'>;

export class ProtocolError extends Error {}

const LESSON_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const SESSION_ID = /^[A-Za-z0-9_-]{16,64}$/;
/** A learner's id: random, made and kept by their browser. */
export const LEARNER_ID = /^[A-Za-z0-9_-]{16,64}$/;
const DOC_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const STEP_ANCHOR = /^(?:step-[a-z0-9][a-z0-9-]{0,79}|exercise-\d{1,3}-(?:check|solution))$/;
const PROGRESS_EVENTS: ReadonlySet<string> = new Set<StepProgress['event']>(['ran', 'passed', 'not-yet']);

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

function onlyKeys(o: Json, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new ProtocolError(`unknown field '${k}'`);
}

/** A frame's JSON object, or a ProtocolError saying why it is none (both protocols read frames so). */
export function jsonObject(raw: string): Record<string, unknown> {
  let o: unknown;
  try {
    o = JSON.parse(raw);
  } catch {
    throw new ProtocolError('frame is not JSON');
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ProtocolError('frame is not a JSON object');
  return o as Json;
}

const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

/** The files of a `build` frame, checked for shape and size (which names a lesson takes is the server's to say). */
function sourceFiles(v: unknown): SourceFile[] {
  if (!Array.isArray(v) || v.length < 1 || v.length > MAX_BUILD_FILES) {
    throw new ProtocolError(`'files' must list 1 to ${MAX_BUILD_FILES} files`);
  }
  const names = new Set<string>();
  let total = 0;
  return v.map((item: unknown) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new ProtocolError('a file must be an object');
    const o = item as Json;
    onlyKeys(o, ['name', 'text']);
    const name = str(o, 'name', SOURCE_NAME, 64);
    if (names.has(name)) throw new ProtocolError(`'${name}' is given twice`);
    names.add(name);
    const text = str(o, 'text', undefined, MAX_SOURCE_BYTES);
    const bytes = utf8Bytes(text);
    if (bytes > MAX_SOURCE_BYTES) throw new ProtocolError(`'${name}' is larger than ${MAX_SOURCE_BYTES / 1024} KiB`);
    total += bytes;
    if (total > MAX_BUILD_BYTES) throw new ProtocolError(`the files are larger than ${MAX_BUILD_BYTES / 1024} KiB together`);
    return { name, text };
  });
}

/**
 * A well-formed build frame whose files cannot be built (a bad name, too
 * large): the server answers it with a refused build, and the connection
 * stays.
 */
export class BadSourceFiles extends ProtocolError {
  constructor(
    readonly id: number,
    message: string,
  ) {
    super(message);
  }
}

/** The version error gets its own type: the page says "reload" rather than "bug". */
export class VersionMismatch extends ProtocolError {}

/** One client frame, from the raw WebSocket message, or a ProtocolError saying what is wrong. */
export function parseClientFrame(raw: string, consoles: number = CONSOLE_COUNT): ClientFrame {
  const f = jsonObject(raw);
  switch (f.type) {
    case 'hello':
      onlyKeys(f, ['type', 'v', 'lesson', 'token', 'resume', 'console', 'cols', 'rows', 'target', 'learner', 'name']);
      if (f.target !== undefined && f.target !== 'tab') throw new ProtocolError("'target' must be 'tab' when given");
      if (f.v !== PROTOCOL_VERSION) throw new VersionMismatch(`protocol version must be ${PROTOCOL_VERSION}`);
      return {
        type: 'hello',
        v: PROTOCOL_VERSION,
        lesson: str(f, 'lesson', LESSON_NAME, 64),
        token: str(f, 'token', undefined, 256, true),
        resume: str(f, 'resume', SESSION_ID, 64, true),
        console: int(f, 'console', 0, Math.min(consoles, CONSOLE_COUNT) - 1, 0) as ConsoleIndex,
        cols: int(f, 'cols', MIN_COLS, MAX_COLS),
        rows: int(f, 'rows', MIN_ROWS, MAX_ROWS),
        ...(f.target === 'tab' ? { target: 'tab' as const } : {}),
        ...(f.learner !== undefined ? { learner: str(f, 'learner', LEARNER_ID, 64) } : {}),
        ...(f.name !== undefined ? { name: displayName(f) } : {}),
      };
    case 'input':
      onlyKeys(f, ['type', 'data']);
      return { type: 'input', data: str(f, 'data', undefined, MAX_INPUT_CHARS) };
    case 'resize':
      onlyKeys(f, ['type', 'cols', 'rows']);
      return { type: 'resize', cols: int(f, 'cols', MIN_COLS, MAX_COLS), rows: int(f, 'rows', MIN_ROWS, MAX_ROWS) };
    case 'reset':
      onlyKeys(f, ['type']);
      return { type: 'reset' };
    case 'ack':
      onlyKeys(f, ['type', 'chars']);
      return { type: 'ack', chars: int(f, 'chars', 1, Number.MAX_SAFE_INTEGER) };
    case 'build': {
      onlyKeys(f, ['type', 'id', 'lesson', 'files']);
      const id = int(f, 'id', 0, Number.MAX_SAFE_INTEGER);
      const lesson = str(f, 'lesson', LESSON_NAME, 64, true);
      try {
        return { type: 'build', id, ...(lesson !== undefined ? { lesson } : {}), files: sourceFiles(f.files) };
      } catch (e) {
        throw e instanceof ProtocolError ? new BadSourceFiles(id, e.message) : e;
      }
    }
    case 'progress': {
      onlyKeys(f, ['type', 'lesson', 'step', 'event']);
      const event = str(f, 'event', undefined, 16);
      if (!PROGRESS_EVENTS.has(event)) throw new ProtocolError("'event' must be ran, passed or not-yet");
      return { type: 'progress', lesson: str(f, 'lesson', DOC_ID, 64), step: str(f, 'step', STEP_ANCHOR, 96), event: event as StepProgress['event'] };
    }
    case 'consent':
      onlyKeys(f, ['type', 'given']);
      if (typeof f.given !== 'boolean') throw new ProtocolError("'given' must be true or false");
      return { type: 'consent', given: f.given };
    default:
      throw new ProtocolError('unknown frame type');
  }
}

function displayName(f: Json): string {
  const name = str(f, 'name', undefined, MAX_NAME_CHARS);
  if (cleanName(name) !== name) throw new ProtocolError("'name' must be a clean display name (cleanName)");
  return name;
}

const INSTRUCTOR_EVENTS: ReadonlySet<string> = new Set<InstructorNotice['event']>(['watching', 'not-watching', 'message', 'ask-reset']);

const STATUS_STATES: ReadonlySet<string> = new Set<StatusState>(['booting', 'ready', 'exited', 'panic', 'full', 'error']);

/**
 * One server frame, as the page reads it, or undefined for anything else.
 * The page does not trust the server's frames more than it must: a frame of
 * the wrong shape is dropped, and output only ever reaches the terminal.
 */
export function parseServerFrame(raw: string): ServerFrame | undefined {
  let f: Json;
  try {
    f = jsonObject(raw);
  } catch {
    return undefined;
  }
  if (f.type === 'output') return typeof f.data === 'string' ? { type: 'output', data: f.data } : undefined;
  if (f.type === 'taken') return Number.isSafeInteger(f.chars) && (f.chars as number) > 0 ? { type: 'taken', chars: f.chars as number } : undefined;
  if (f.type === 'build') return buildFrame(f);
  if (f.type === 'instructor') {
    if (typeof f.event !== 'string' || !INSTRUCTOR_EVENTS.has(f.event)) return undefined;
    const event = f.event as InstructorNotice['event'];
    return typeof f.text === 'string' ? { type: 'instructor', event, text: f.text } : { type: 'instructor', event };
  }
  if (f.type !== 'status' || typeof f.state !== 'string' || !STATUS_STATES.has(f.state)) return undefined;
  const opt = <T>(key: string, kind: 'string' | 'number' | 'boolean'): T | undefined => (typeof f[key] === kind ? (f[key] as T) : undefined);
  const status: StatusFrame = { type: 'status', state: f.state as StatusState };
  const progress = opt<number>('progress', 'number');
  const session = opt<string>('session', 'string');
  const consoleIndex = opt<number>('console', 'number');
  const resumed = opt<boolean>('resumed', 'boolean');
  const reason = opt<Reason>('reason', 'string');
  const message = opt<string>('message', 'string');
  const tail = opt<string>('tail', 'string');
  const retryAfterMs = opt<number>('retryAfterMs', 'number');
  if (progress !== undefined) status.progress = Math.min(1, Math.max(0, progress));
  if (session !== undefined && SESSION_ID.test(session)) status.session = session;
  if (consoleIndex === 0 || consoleIndex === 1) status.console = consoleIndex;
  if (resumed !== undefined) status.resumed = resumed;
  if (reason !== undefined) status.reason = reason;
  if (message !== undefined) status.message = message;
  if (tail !== undefined) status.tail = tail;
  if (retryAfterMs !== undefined) status.retryAfterMs = retryAfterMs;
  return status;
}

const BUILD_STATES: ReadonlySet<string> = new Set<BuildState>(['queued', 'building', 'done', 'failed', 'refused']);
const SEVERITIES: ReadonlySet<string> = new Set<DiagnosticSeverity>(['error', 'warning', 'note']);

/** A `build` frame as the page reads it: fields of the wrong type are dropped, as in a status. */
function buildFrame(f: Json): BuildFrame | undefined {
  if (!Number.isSafeInteger(f.id) || typeof f.state !== 'string' || !BUILD_STATES.has(f.state)) return undefined;
  const frame: BuildFrame = { type: 'build', id: f.id as number, state: f.state as BuildState };
  if (Number.isSafeInteger(f.position)) frame.position = f.position as number;
  if (typeof f.reason === 'string') frame.reason = f.reason as BuildRefusal;
  if (typeof f.message === 'string') frame.message = f.message;
  if (typeof f.log === 'string') frame.log = f.log;
  if (typeof f.cached === 'boolean') frame.cached = f.cached;
  const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x): x is Json => typeof x === 'object' && x !== null) : []);
  if (Array.isArray(f.diagnostics)) {
    frame.diagnostics = list(f.diagnostics)
      .filter((d) => typeof d.message === 'string' && typeof d.severity === 'string' && SEVERITIES.has(d.severity))
      .map((d) => ({
        severity: d.severity as DiagnosticSeverity,
        message: d.message as string,
        ...(typeof d.file === 'string' ? { file: d.file } : {}),
        ...(Number.isSafeInteger(d.line) ? { line: d.line as number } : {}),
        ...(Number.isSafeInteger(d.column) ? { column: d.column as number } : {}),
      }));
  }
  if (Array.isArray(f.delivered)) {
    frame.delivered = list(f.delivered)
      .filter((d) => typeof d.path === 'string' && Number.isSafeInteger(d.size) && typeof d.sha256 === 'string')
      .map((d) => ({ path: d.path as string, size: d.size as number, sha256: d.sha256 as string, changed: d.changed === true }));
  }
  if (Array.isArray(f.files)) {
    frame.files = list(f.files)
      .filter(
        (d) =>
          typeof d.path === 'string' &&
          Number.isSafeInteger(d.size) &&
          typeof d.sha256 === 'string' &&
          Number.isSafeInteger(d.mode) &&
          typeof d.base64 === 'string',
      )
      .map((d) => ({ path: d.path as string, size: d.size as number, sha256: d.sha256 as string, mode: d.mode as number, base64: d.base64 as string }));
  }
  return frame;
}

export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame);
}
