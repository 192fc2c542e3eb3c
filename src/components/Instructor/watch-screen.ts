/*
 * What the watched terminal shows: the client's output, into a terminal
 * once one is there. It listens from the moment the client exists, not
 * from when React has mounted a terminal (xterm.js loads on the first
 * watch): the server sends the learner's recent screen right after it says
 * "watching", and that would be lost. A new watch starts a fresh screen
 * before its first output is written. Input goes nowhere: nothing here
 * listens to the terminal.
 */
import type {TerminalLike} from '../LabTerminal/terminal.ts';
import type {InstructorClient, Watching} from './client.ts';

/** Output kept while no terminal is attached; the oldest goes first (the recent screen fits). */
export const MAX_PENDING_CHARS = 1 << 20;

type Screen = Pick<TerminalLike, 'write' | 'reset'>;

const done = (): void => undefined;

export class WatchScreen {
  private term?: Screen;
  private pending = '';
  private last?: Watching;
  private readonly stop: (() => void)[];

  constructor(client: Pick<InstructorClient, 'subscribe' | 'getSnapshot' | 'onOutput'>) {
    this.last = client.getSnapshot().watching;
    this.stop = [
      // Called as each frame is read, so before the next frame's output.
      client.subscribe(() => {
        const w = client.getSnapshot().watching;
        if (w === this.last) return;
        this.last = w;
        if (w?.state === 'watching' || w === undefined) this.clear();
      }),
      client.onOutput((data) => this.write(data)),
    ];
  }

  private clear(): void {
    this.pending = '';
    this.term?.reset();
  }

  private write(data: string): void {
    if (this.term) return this.term.write(data, done);
    this.pending = (this.pending + data).slice(-MAX_PENDING_CHARS);
  }

  /** Shows the output so far in `term`, and what follows. */
  attach(term: Screen): void {
    this.term = term;
    term.reset();
    if (this.pending) term.write(this.pending, done);
    this.pending = '';
  }

  detach(term: Screen): void {
    if (this.term === term) this.term = undefined;
  }

  dispose(): void {
    for (const s of this.stop) s();
    this.term = undefined;
    this.pending = '';
  }
}
