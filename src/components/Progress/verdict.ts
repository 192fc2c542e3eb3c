/*
 * A check's verdict, read from the terminal's output after its Run: every
 * check script (kernel/<lab>/check.sh) ends with a line that starts with
 * "PASS:" or "NOT YET:" (site/AUTHORING.md).
 */
import type {ConsoleIndex} from '../../../lab/protocol.ts';
import {watchPageConsole} from '../LabTerminal/registry.ts';

/** How long a check may take before the page stops waiting for its verdict. */
const VERDICT_TIMEOUT_MS = 120_000;

const TERMINAL_CODES = /\x1b\[[0-9;?]*[A-Za-z]|\r/g;

/** true for PASS, false for NOT YET, undefined while neither line has come. */
export function verdict(output: string): boolean | undefined {
  const text = output.replace(TERMINAL_CODES, '');
  const m = /^(PASS|NOT YET):/m.exec(text);
  return m ? m[1] === 'PASS' : undefined;
}

/** Call `done` with the verdict of the check just typed into the page's console; false when it has no terminal. */
export function watchVerdict(consoleIndex: ConsoleIndex, done: (pass: boolean) => void): boolean {
  let seen = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stop: (() => void) | undefined;
  const finish = (): void => {
    clearTimeout(timer);
    stop?.();
  };
  stop = watchPageConsole(consoleIndex, (data) => {
    // Only the tail matters: a verdict line is short.
    seen = (seen + data).slice(-4096);
    const v = verdict(seen);
    if (v === undefined) return;
    finish();
    done(v);
  });
  if (!stop) return false;
  timer = setTimeout(finish, VERDICT_TIMEOUT_MS);
  return true;
}
