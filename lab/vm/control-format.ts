/*
 * The lines of a VM's control channel (lab/image/init reads them) for both
 * ends that send them: the lab server's control socket (control.ts, QEMU)
 * and the page's v86 machine (lab/tab/tab-machine.ts). A console's size, the
 * clock, and a put (a file, with init's put and sum). Pure: no Node and no
 * DOM, the file travels as base64 already.
 */

/** Console `index`'s new window size. */
export function sizeLine(index: number, cols: number, rows: number): string {
  return `${rows} ${cols} ${index}\n`;
}

/** The host's clock: a VM started from a saved state wakes up with the clock of when it was saved. */
export function clockLine(now = Date.now()): string {
  return `time ${Math.floor(now / 1000)}\n`;
}

/** A file for the guest, as a put carries it. */
export interface PutPayload {
  /** Where it goes: /lab/<lesson>/<name>. */
  path: string;
  /** Its size in bytes and SHA-256 (hex), which the guest checks. */
  size: number;
  sha256: string;
  mode: number;
  base64: string;
}

export class PutError extends Error {}

/** Base64 line length: under the tty's 4 KiB canonical line, as the guest's `head -n` reads it line by line. */
const BASE64_LINE = 76;

const GUEST_PATH = /^\/lab\/[a-z][a-z0-9_-]*\/[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** The lines that put `f` into the guest, each ending in a newline. */
export function putLines(f: PutPayload): string[] {
  if (!GUEST_PATH.test(f.path)) throw new PutError(`put: bad guest path ${JSON.stringify(f.path)}`);
  if (!/^[0-9a-f]{64}$/.test(f.sha256)) throw new PutError(`put: bad SHA-256 for ${f.path}`);
  const lines: string[] = [];
  for (let i = 0; i < f.base64.length; i += BASE64_LINE) lines.push(`${f.base64.slice(i, i + BASE64_LINE)}\n`);
  return [`put ${f.path} ${f.size} ${f.sha256} ${(f.mode & 0o7777).toString(8)} ${lines.length}\n`, ...lines];
}

/** The question whose answer says whether the guest has that file already. */
export function sumLine(path: string): string {
  return `sum ${path}\n`;
}

export type PutReply = { kind: 'put'; path: string; why?: string } | { kind: 'sum'; path: string; sha256?: string };

/** The guest's answers: `put-ok PATH` or `put-WHY PATH` to a put, `sum HASH PATH` or `sum none PATH` to a sum. */
export function parseReply(line: string): PutReply | undefined {
  const t = line.trim();
  const put = /^put-([a-z]+) (\S+)$/.exec(t);
  if (put) return put[1] === 'ok' ? { kind: 'put', path: put[2] as string } : { kind: 'put', path: put[2] as string, why: put[1] as string };
  const sum = /^sum ([0-9a-f]{64}|none) (\S+)$/.exec(t);
  if (sum) return sum[1] === 'none' ? { kind: 'sum', path: sum[2] as string } : { kind: 'sum', path: sum[2] as string, sha256: sum[1] as string };
  return undefined;
}

const WHY: Record<string, string> = {
  path: 'the guest refused the path',
  damaged: 'the file arrived damaged (size or SHA-256 differ)',
  keep: 'the guest could not keep the lesson’s own copy',
  write: 'the guest could not write the file',
};

/** The error for a guest's refusal of a put. */
export function refusal(path: string, why: string): PutError {
  return new PutError(`put: ${path}: ${WHY[why] ?? why}`);
}

/**
 * The conversation of one delivery, whatever carries it: for each file,
 * ask the guest's SHA-256 and put the file only if it differs. `ask` sends
 * text and resolves with the first reply `matches` accepts. Resolves with
 * the paths sent; rejects with PutError on the first refusal.
 */
export async function deliver(
  files: readonly PutPayload[],
  ask: (lines: string[], matches: (r: PutReply) => boolean) => Promise<PutReply>,
): Promise<string[]> {
  const sent: string[] = [];
  for (const f of files) {
    const lines = putLines(f); // a bad path fails before anything is sent
    const has = await ask([sumLine(f.path)], (r) => r.kind === 'sum' && r.path === f.path);
    if (has.kind === 'sum' && has.sha256 === f.sha256) continue;
    const r = await ask(lines, (a) => a.kind === 'put' && a.path === f.path);
    if (r.kind === 'put' && r.why) throw refusal(f.path, r.why);
    sent.push(f.path);
  }
  return sent;
}
