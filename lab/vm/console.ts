// Reading the guest's serial console: when the shell is ready, when the
// kernel panicked, and where a scripted command's output starts and ends.
// Pure string handling, so it is unit-tested without a VM.

/** The lab shell's prompt (PS1 in lab/image/profile), at the very end of the output. */
export const PROMPT_AT_END = /lab:[^\r\n]*[#$] (?:\x1b\[6n)?$/;
/**
 * The first line of every x86 kernel panic; the rest of the line says why.
 * Only a whole line counts: output arrives in chunks, and a chunk may end in
 * the middle of the reason.
 */
export const PANIC_LINE = /Kernel panic - not syncing: ([^\r\n]*)\r*\n/;
/** For a console that ended in the middle of the panic line. */
export const PANIC_LINE_CUT = /Kernel panic - not syncing: ([^\r\n]*)$/;

/** Keeps the last `limit` characters of the console: enough to show a panic, bounded for a long session. */
export class ConsoleTail {
  private text = '';

  constructor(private readonly limit = 16 * 1024) {}

  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > 2 * this.limit) this.text = this.text.slice(-this.limit);
  }

  get(maxChars = this.limit): string {
    return this.text.slice(-maxChars);
  }

  /** The last `n` lines, without terminal control sequences, for an error message. */
  lines(n: number): string {
    return stripTerminal(this.get())
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-n)
      .join('\n');
  }
}

/** Terminal output as plain text: CRLF to LF, colour and cursor sequences dropped. */
export function stripTerminal(s: string): string {
  return s
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .replace(/\r+\n/g, '\n')
    .replace(/\r/g, '');
}

/**
 * Wraps a shell command so its output and exit status can be cut out of the
 * console stream. The markers are printed with octal escapes (\036 is the
 * ASCII record separator), so the terminal's echo of the typed line, which
 * shows the escapes as text, can never be mistaken for them.
 */
export class CommandFrame {
  readonly begin: string;
  readonly end: RegExp;

  constructor(readonly id: string) {
    this.begin = `\x1eB${id}\x1e`;
    this.end = new RegExp(`\\x1eE${id}:(\\d+)\\x1e`);
  }

  /**
   * The line to type into the shell. One line, so the shell echoes all of it
   * before running anything and the echo never lands between the markers.
   */
  line(command: string): string {
    if (/[\r\n]/.test(command)) throw new Error('lab: a scripted command must be a single line');
    // `cmd &` already ends its list: another `;` after it is a syntax error.
    const end = /(?:^|[^&])&\s*$/.test(command) ? ' ' : '; ';
    return `printf '\\036B${this.id}\\036\\n'; ${command}${end}printf '\\036E${this.id}:%d\\036\\n' $?\n`;
  }

  /** If `buffer` holds the whole framed output: the output (plain text) and the exit status. */
  parse(buffer: string): { output: string; status: number } | undefined {
    const start = buffer.indexOf(this.begin);
    if (start < 0) return undefined;
    const body = buffer.slice(start + this.begin.length);
    const m = this.end.exec(body);
    if (!m) return undefined;
    const output = stripTerminal(body.slice(0, m.index)).replace(/^\n/, '');
    return { output, status: Number(m[1]) };
  }
}
