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

const terminals = new Map<string, LabTerminalHandle>();
const listeners = new Set<() => void>();

export function registerLabTerminal(lesson: string, handle: LabTerminalHandle): () => void {
  terminals.set(lesson, handle);
  listeners.forEach((l) => l());
  return () => {
    if (terminals.get(lesson) === handle) terminals.delete(lesson);
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
 * A lesson page has one terminal (site/AUTHORING.md), so its steps need not
 * name their lab: they run in whichever terminal the page has.
 */
export function runInPageTerminal(text: string): boolean {
  const first = terminals.values().next();
  if (first.done) return false;
  first.value.run(text);
  first.value.focus();
  return true;
}

export function hasPageTerminal(): boolean {
  return terminals.size > 0;
}

/** For components that show a Run button only when a terminal is there. */
export function subscribeLabTerminals(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
