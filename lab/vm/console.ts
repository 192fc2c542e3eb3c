// Reading the guest's serial console: when the shell is ready, what a panic
// said, and where a scripted command's output starts and ends.
// Pure string handling, so it is unit-tested without a VM.

/** The lab shell's prompt (PS1 in lab/image/profile), at the very end of the output. */
export const PROMPT_AT_END = /lab:[^\r\n]*[#$] (?:\x1b\[6n)?$/;
const PANIC_LINES = /Kernel panic - not syncing: ([^\r\n]*)/g;

/**
 * The reason on the console's last panic line ("Kernel panic - not
 * syncing: REASON", the first line of every x86 kernel panic), for display.
 * Only ever read after QEMU exited (LabVM decides whether the kernel
 * panicked from QEMU's exit, not from this text, which any program in the
 * guest can print), so a line cut short by the exit still counts.
 */
export function lastPanicReason(text: string): string | undefined {
  let reason: string | undefined;
  for (const m of text.matchAll(PANIC_LINES)) reason = m[1]?.trim();
  return reason;
}

/**
 * Whether the console's last panic line came after its last prompt. For a
 * kernel that cannot report a panic to QEMU (see LabVM's `panicDevice`), a
 * panic looks like a reboot, so only the text can tell.
 */
export function panicAfterLastPrompt(text: string): boolean {
  const panic = text.lastIndexOf('Kernel panic - not syncing: ');
  if (panic < 0) return false;
  const prompts = [...text.matchAll(/lab:[^\r\n]*[#$] /g)];
  return (prompts.at(-1)?.index ?? -1) < panic;
}

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
