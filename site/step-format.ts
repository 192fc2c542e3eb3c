/*
 * The runnable-step format: a `console` fence that a lesson shows with a Run
 * button and that test/lessons/literate.test.ts runs in the lab VM, and what
 * the lines under its commands match (site/AUTHORING.md describes it for
 * authors).
 *
 *   ```console step=load status=1 timeout=60000
 *   $ insmod ioctl_example.ko
 *   $ ./user_program
 *   Data from kernel: 42
 *   ```
 *
 * One parser for the page (site/shiki.ts gives the fence its anchor and Run
 * text, site/page-steps.ts collects a page's steps) and for the tests
 * (site/steps.ts), so what the reader is shown is what the test runs. A
 * pure module: the site build loads it with its config.
 */
import type {ConsoleIndex} from '../lab/protocol.ts';

/**
 * Where the lab VM runs: on the lab server (x86-64, QEMU) or in the
 * reader's tab (i386, v86). The page shows a step's output for the one in use.
 */
export type Backend = 'server' | 'tab';
export const BACKENDS: readonly Backend[] = ['server', 'tab'];

export interface Command {
  /** What is typed, without the `$ `. */
  readonly command: string;
  /** The lines it prints on the lab server, each ending in "\n" ('' when it prints nothing). */
  readonly output: string;
  /**
   * Set when the two labs print different lines (`[tab] `/`[server] `
   * lines, see outputLineLab): the output on each.
   */
  readonly outputs?: Readonly<Record<Backend, string>>;
}

/**
 * An output line only one lab prints starts with `[tab] ` or `[server] `
 * (`… T __ia32_sys_my_syscall` on the i386 lab): the lab it belongs to and
 * the line without the marker. Other lines are printed by both.
 */
export function outputLineLab(line: string): {lab?: Backend; text: string} {
  const m = /^\[(server|tab)\] /.exec(line);
  return m ? {lab: m[1] as Backend, text: line.slice(m[0].length)} : {text: line};
}

export type StepRole =
  | {readonly kind: 'step'; readonly name: string}
  | {readonly kind: 'check'; readonly exercise: number}
  | {readonly kind: 'solution'; readonly exercise: number};

export interface Step {
  readonly role: StepRole;
  readonly commands: readonly Command[];
  /** Expected exit status of the last command; the others must exit 0. */
  readonly status: number;
  readonly timeoutMs: number;
  /**
   * The console of the lab VM it is typed into, as in the lab protocol: 0,
   * the page's terminal, or 1, its second terminal into the same VM
   * (`<LabTerminal lesson="…" console={1} />`). A console 1 step is typed and
   * left running, like `sleep 600` waiting for a signal; what it shows is
   * checked once later steps have had their effect.
   */
  readonly console: ConsoleIndex;
}

export const DEFAULT_STEP_TIMEOUT_MS = 30_000;

/** The anchor a step gets on the page, so a syllabus can link to it. */
export function stepAnchor(role: StepRole): string {
  switch (role.kind) {
    case 'step':
      return `step-${role.name}`;
    case 'check':
      return `exercise-${role.exercise}-check`;
    case 'solution':
      return `exercise-${role.exercise}-solution`;
  }
}

function metaValue(meta: string, key: string): string | undefined {
  return new RegExp(`(?:^|\\s)${key}=(\\S+)`).exec(meta)?.[1];
}

function metaNumber(meta: string, key: string): number | undefined {
  const v = metaValue(meta, key);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new Error(`${key}=${v} is not a whole number`);
  return Number(v);
}

/** The step a fence declares in its meta, or undefined for an ordinary fence. */
export function parseStepRole(meta: string): StepRole | undefined {
  const name = metaValue(meta, 'step');
  const check = metaNumber(meta, 'check');
  const solution = metaNumber(meta, 'solution');
  const given = [name, check, solution].filter((v) => v !== undefined).length;
  if (given === 0) return undefined;
  if (given > 1) throw new Error(`a fence is one of step=, check= or solution=, not several: ${meta}`);
  if (name !== undefined) {
    if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(name)) {
      throw new Error(`step=${name}: a step name is lowercase words joined by dashes`);
    }
    return {kind: 'step', name};
  }
  if (check !== undefined) return {kind: 'check', exercise: check};
  return {kind: 'solution', exercise: solution as number};
}

/** Splits a transcript into commands (`$ ` lines) and what each prints. */
export function parseTranscript(code: string): Command[] {
  const commands: {command: string; output: string[]}[] = [];
  const lines = code.replace(/\n$/, '').split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.startsWith('$ ')) {
      commands.push({command: line.slice(2), output: []});
    } else if (line === '$') {
      throw new Error(`line ${i + 1} of a step is a prompt with no command`);
    } else {
      const current = commands.at(-1);
      if (!current) throw new Error(`a step must start with a "$ " command line, not "${line}"`);
      current.output.push(line);
    }
  }
  if (commands.length === 0) throw new Error('a step has no "$ " command line');
  return commands.map(({command, output}) => {
    const lines = output.map(outputLineLab);
    const on = (backend: Backend): string =>
      lines
        .filter((l) => l.lab === undefined || l.lab === backend)
        .map((l) => `${l.text}\n`)
        .join('');
    if (lines.every((l) => l.lab === undefined)) return {command, output: on('server')};
    return {command, output: on('server'), outputs: {server: on('server'), tab: on('tab')}};
  });
}

/** The step a fence describes, or undefined when it is not a step. */
export function parseStep(lang: string | null | undefined, meta: string, code: string): Step | undefined {
  const role = parseStepRole(meta);
  if (!role) return undefined;
  if (lang !== 'console') throw new Error(`a runnable step is a console fence, not ${lang ?? 'a bare one'}`);
  // The site build sees a fence after site/include-code.ts has filled it in,
  // extractSteps before: a step is written on the page so both see one text.
  if (metaValue(meta, 'file') !== undefined) throw new Error('a step is a transcript written on the page, not code included with file=');
  // The key's old name: silently ignored, it would run the step on console 0.
  if (metaValue(meta, 'terminal') !== undefined) throw new Error('terminal= is now console= (console=1 for the second terminal)');
  const n = metaNumber(meta, 'console') ?? 0;
  if (n !== 0 && n !== 1) throw new Error(`console=${n}: a page has console 0 and console 1`);
  if (n === 1 && role.kind !== 'step') throw new Error('checks and solutions run on console 0');
  return {
    role,
    commands: parseTranscript(code),
    status: metaNumber(meta, 'status') ?? 0,
    timeoutMs: metaNumber(meta, 'timeout') ?? DEFAULT_STEP_TIMEOUT_MS,
    console: n,
  };
}

/** What the Run button types: the commands, one per line. */
export function typedText(step: Step): string {
  return step.commands.map((c) => c.command).join('\n');
}

/*
 * Kernel log timestamps differ on every boot: `[    2.596127] ` becomes
 * `[T] `. So does the start of a line of the kernel's trace buffer
 * (`cat /sys/kernel/tracing/trace`): the task's name right-aligned, its
 * `-PID` padded to 7, the CPU, the flags (`.N...` when a reschedule
 * happened to be pending) and the time:
 *
 *       user_program-93      [000] .....     2.466315: sys_ioctl(fd: 3, …)
 *
 * becomes `    user_program-P [000] F T: sys_ioctl(fd: 3, …)`. A page's
 * lines and the guest's output go through this, here and in the kernel
 * tests (test/helpers/guest.ts), so either may show a real line.
 */
export function normaliseTimestamps(text: string): string {
  return text
    .replace(/^\[\s*(?:\d+\.\d+|T)\] /gm, '[T] ')
    .replace(/^( *\S[^\n]*?)-\d+ +(\[\d{3}\]) \S+ +\d+\.\d{6}: /gm, '$1-P $2 F T: ');
}

/**
 * Does `actual` (what the guest printed) match `expected` (the page's lines)?
 * `…` in the page matches any text within a line; nothing else varies.
 */
export function outputMatches(expected: string, actual: string): boolean {
  const want = normaliseTimestamps(expected);
  const got = normaliseTimestamps(actual);
  if (!want.includes('…')) return want === got;
  const pattern = want
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^\\n]*');
  return new RegExp(`^${pattern}$`).test(got);
}
