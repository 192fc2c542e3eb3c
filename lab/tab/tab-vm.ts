/*
 * A tab lab VM driven like LabVM drives a QEMU one (lab/vm/lab-vm.ts):
 * scripted commands with their output and exit status cut out of the
 * console, and the second console as a stream. What the tests and the
 * benchmark use to run the lessons in v86 under Node; the page uses
 * TabMachine through its transport instead.
 */
import {ConsoleTail, CommandFrame, PROMPT_AT_END} from '../vm/console.ts';
import type {MachineEvent, TabMachine} from './tab-machine.ts';

export interface TabCommandResult {
  output: string;
  status: number;
}

type DataListener = (data: string) => void;

/** Console 1 of the VM, shaped like the GuestConsole the literate tests read. */
export class TabConsole {
  private readonly listeners = new Set<DataListener>();

  constructor(private readonly send: (data: string) => void) {}

  on(_event: 'data', fn: DataListener): this {
    this.listeners.add(fn);
    return this;
  }

  write(data: string): void {
    this.send(data);
  }

  /** @internal */
  push(data: string): void {
    for (const fn of Array.from(this.listeners)) fn(data);
  }
}

let frames = 0;

export class TabVM {
  readonly extraConsoles: TabConsole[];
  private readonly tail = new ConsoleTail();
  private capture = '';
  private waiters = new Set<() => void>();
  private execChain: Promise<unknown> = Promise.resolve();
  private panicked = false;
  private ended = false;
  private readonly off: () => void;

  constructor(readonly machine: TabMachine) {
    const second = new TabConsole((d) => machine.input(1, d));
    this.extraConsoles = [second];
    this.off = machine.on((e: MachineEvent) => {
      if (e.type === 'output' && e.console === 0) {
        this.tail.push(e.data);
        this.capture += e.data;
      } else if (e.type === 'output') {
        second.push(e.data);
      } else if (e.type === 'panic') {
        this.panicked = true;
      } else if (e.type === 'exit') {
        this.ended = true;
      } else {
        return;
      }
      for (const w of Array.from(this.waiters)) w();
    });
  }

  /** The console's recent text. */
  get console(): string {
    return this.tail.get();
  }

  get hasPanicked(): boolean {
    return this.panicked;
  }

  /** The main shell ended (exit, poweroff) and the machine with it. */
  get hasEnded(): boolean {
    return this.ended;
  }

  private until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (done()) {
          finish();
          resolve();
        } else if (this.panicked) {
          finish();
          reject(new Error(`tab lab: the guest kernel panicked while ${what}:\n${this.tail.lines(20)}`));
        } else if (this.ended) {
          finish();
          reject(new Error(`tab lab: the VM ended while ${what}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`tab lab: ${what} took more than ${timeoutMs} ms; the console said:\n${this.tail.lines(20)}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** After a restore: enter `lesson` and wait for the shell's prompt. */
  async enter(lesson: string, {cols = 80, rows = 24, timeoutMs = 30_000} = {}): Promise<void> {
    this.machine.enterLesson(lesson, cols, rows);
    await this.until(() => PROMPT_AT_END.test(this.tail.get(256)), timeoutMs, 'waiting for the first prompt');
  }

  /** Run one shell command line on console 0; commands run one after another. */
  exec(command: string, {timeoutMs = 30_000} = {}): Promise<TabCommandResult> {
    const run = async (): Promise<TabCommandResult> => {
      const frame = new CommandFrame(`t${(frames++).toString(16)}`);
      this.capture = '';
      let result: TabCommandResult | undefined;
      this.machine.input(0, frame.line(command));
      await this.until(() => (result = frame.parse(this.capture)) !== undefined, timeoutMs, `running '${command}'`);
      this.capture = '';
      return result as unknown as TabCommandResult;
    };
    const result = this.execChain.then(run, run);
    this.execChain = result.catch(() => undefined);
    return result;
  }

  async stop(): Promise<void> {
    this.off();
    for (const w of Array.from(this.waiters)) w();
    await this.machine.destroy();
  }
}
