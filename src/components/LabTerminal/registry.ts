/*
 * Lets other components (the lessons' "Run" buttons) send a command to a
 * lesson's terminal on the same page, without a React context to thread
 * through MDX: each mounted <LabTerminal> registers itself by lesson.
 */

export interface LabTerminalHandle {
  /** Start the lab if needed, then type `command` and Enter once the prompt is up. */
  run(command: string): void;
  focus(): void;
}

// Keyed by lesson, then `lesson#1` for a second terminal into the same VM.
const terminals = new Map<string, LabTerminalHandle>();
const listeners = new Set<() => void>();

const key = (lesson: string, consoleIndex: number): string => (consoleIndex ? `${lesson}#${consoleIndex}` : lesson);

export function registerLabTerminal(lesson: string, handle: LabTerminalHandle, consoleIndex = 0): () => void {
  const k = key(lesson, consoleIndex);
  terminals.set(k, handle);
  listeners.forEach((l) => l());
  return () => {
    if (terminals.get(k) === handle) terminals.delete(k);
    listeners.forEach((l) => l());
  };
}

/**
 * Run `command` in the terminal of `lesson` on this page. Returns false
 * when the page has no terminal for that lesson.
 */
export function runInLabTerminal(lesson: string, command: string): boolean {
  const t = terminals.get(lesson);
  if (!t) return false;
  t.run(command);
  t.focus();
  return true;
}

export function hasLabTerminal(lesson: string): boolean {
  return terminals.has(lesson);
}

/*
 * A lesson page has one terminal, and maybe a second one into the same VM
 * (site/AUTHORING.md), so its steps need not name their lab: a step runs in
 * the page's terminal 1 or 2.
 */
function pageTerminal(terminal: 1 | 2): LabTerminalHandle | undefined {
  for (const [k, handle] of terminals) if (k.endsWith('#1') === (terminal === 2)) return handle;
  return undefined;
}

export function runInPageTerminal(text: string, terminal: 1 | 2 = 1): boolean {
  const t = pageTerminal(terminal);
  if (!t) return false;
  t.run(text);
  t.focus();
  return true;
}

export function hasPageTerminal(terminal: 1 | 2 = 1): boolean {
  return pageTerminal(terminal) !== undefined;
}

/** For components that show a Run button only when a terminal is there. */
export function subscribeLabTerminals(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
