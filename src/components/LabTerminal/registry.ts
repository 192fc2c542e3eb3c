/*
 * The page's lab terminal sessions, in one place: the lessons' Run buttons
 * find the terminal to type into here, without a React context to thread
 * through MDX, and a second terminal finds the first one's VM. Each mounted
 * <LabTerminal> registers its session by lesson and console.
 */
import type {BuildFrame, ConsoleIndex, StepProgress, SourceFile} from '../../../lab/protocol.ts';
import type {SessionSnapshot} from './session.ts';
import type {LabTransport} from './transport.ts';

/** What the page needs of a terminal's session: a LabTerminalSession, or the stand-in that loads one (lazy-session.ts). */
export interface PageSession {
  readonly lesson: string;
  readonly console: ConsoleIndex;
  /** The transport to its VM, once it has one: for a second terminal. */
  readonly lab: LabTransport | undefined;
  run(text: string): void;
  focus(): void;
  /** Build into this lab's VM; false when it cannot now (LabTerminalSession.build). */
  build(files: SourceFile[], report: (frame: BuildFrame) => void, lesson?: string): boolean;
  /** What the learner did on the page, for a lab server that keeps a workshop's progress. */
  reportProgress(e: StepProgress): void;
  /** The VM's output as it comes; returns how to stop watching. */
  watchOutput(watcher: (data: string) => void): () => void;
  /** The session's state, for a part of the page that follows it (the editor's Build button). */
  readonly subscribe: (listener: () => void) => () => void;
  readonly getSnapshot: () => SessionSnapshot;
}

const sessions = new Map<string, PageSession>();
const listeners = new Set<() => void>();

const key = (lesson: string, consoleIndex: ConsoleIndex): string => `${lesson}#${consoleIndex}`;

function notify(): void {
  // Array.from, not a spread: the site's Babel (loose mode) spreads a Set as if it were an array.
  for (const l of Array.from(listeners)) l();
}

/** Register a mounted terminal's session; returns how to unregister it. */
export function registerSession(session: PageSession): () => void {
  const k = key(session.lesson, session.console);
  sessions.set(k, session);
  notify();
  return () => {
    if (sessions.get(k) === session) sessions.delete(k);
    notify();
  };
}

export function findSession(lesson: string, consoleIndex: ConsoleIndex = 0): PageSession | undefined {
  return sessions.get(key(lesson, consoleIndex));
}

/**
 * A lesson page has one terminal, and maybe a second one into the same VM
 * (site/AUTHORING.md), so its steps need not name their lab: a step runs on
 * the page's console 0 or 1.
 */
function pageSession(consoleIndex: ConsoleIndex): PageSession | undefined {
  for (const s of sessions.values()) if (s.console === consoleIndex) return s;
  return undefined;
}

function runIn(session: PageSession | undefined, text: string): boolean {
  if (!session) return false;
  session.run(text);
  session.focus();
  return true;
}

/** Run `text` (commands, one per line) in the page's terminal on `consoleIndex`; false when there is none. */
export function runInPageConsole(text: string, consoleIndex: ConsoleIndex = 0): boolean {
  return runIn(pageSession(consoleIndex), text);
}

/** Tell the lab server of the page's terminal on `consoleIndex` what the learner did, if it has one. */
export function reportPageProgress(consoleIndex: ConsoleIndex, e: StepProgress): void {
  pageSession(consoleIndex)?.reportProgress(e);
}

/** Watch the output of the page's terminal on `consoleIndex`; undefined when there is none. */
export function watchPageConsole(consoleIndex: ConsoleIndex, watcher: (data: string) => void): (() => void) | undefined {
  return pageSession(consoleIndex)?.watchOutput(watcher);
}

export function hasPageConsole(consoleIndex: ConsoleIndex = 0): boolean {
  return pageSession(consoleIndex) !== undefined;
}

/** Run `command` in the terminal of `lesson` on this page; false when the page has none. */
export function runInLabTerminal(lesson: string, command: string): boolean {
  return runIn(findSession(lesson), command);
}

/** For components that show a Run button only when a terminal is there. */
export function subscribeSessions(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
