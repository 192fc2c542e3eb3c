// Runs one build command with its output going to a log file, not the
// terminal: a kernel build prints thousands of lines, which would bury the
// progress line. On failure the log's tail is shown, so nothing is lost.
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';

export interface StepOptions {
  cwd: string;
  log: string;
  env?: NodeJS.ProcessEnv;
  /** Called for every output line, e.g. to count compiled files. */
  onLine?: (line: string) => void;
}

export class StepError extends Error {}

export function runStep(argv: readonly string[], opts: StepOptions): Promise<void> {
  const [cmd, ...args] = argv as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const log = createWriteStream(opts.log, { flags: 'a' });
    log.write(`$ ${argv.join(' ')}\n`);
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    const onData = (chunk: Buffer): void => {
      log.write(chunk);
      if (!opts.onLine) return;
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) opts.onLine(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => {
      log.end();
      reject(new StepError(`could not run ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      log.end(() => {
        if (code === 0) return resolve();
        const tail = readFileSync(opts.log, 'utf8').trimEnd().split('\n').slice(-25).join('\n');
        reject(
          new StepError(
            `'${argv.join(' ')}' failed (${signal ?? `exit ${code}`}); last lines of ${opts.log}:\n${tail}`,
          ),
        );
      });
    });
  });
}

/** A progress line redrawn in place on a terminal, printed every few seconds otherwise. */
export class Progress {
  private last = 0;
  private readonly start = Date.now();
  private readonly tty = Boolean(process.stdout.isTTY);

  constructor(private readonly label: string) {}

  elapsed(): string {
    const s = Math.round((Date.now() - this.start) / 1000);
    return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  }

  update(text: string, force = false): void {
    const now = Date.now();
    // Logs (CI) get a line every 10 s; a terminal gets a live line.
    if (!force && now - this.last < (this.tty ? 250 : 10_000)) return;
    this.last = now;
    const line = `${this.label}: ${text} [${this.elapsed()}]`;
    if (this.tty) process.stdout.write(`\r\x1b[K${line}`);
    else console.log(line);
  }

  done(text: string): void {
    const line = `${this.label}: ${text} [${this.elapsed()}]`;
    if (this.tty) process.stdout.write(`\r\x1b[K${line}\n`);
    else console.log(line);
  }
}
