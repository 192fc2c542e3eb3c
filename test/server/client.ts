// A lab terminal for tests: a real WebSocket client (ws) speaking the lab
// protocol like the browser component does, acknowledging output as a
// terminal would, and recording everything it gets.
import { WebSocket } from 'ws';
import type { Lab } from '../../lab/builder/lab.ts';
import { LAB_SOCKET_PATH, PROTOCOL_VERSION, type BuildFrame, type InstructorNotice, type SourceFile, type StatusFrame } from '../../lab/protocol.ts';
import { defaultLimits, type Limits } from '../../lab/server/limits.ts';
import { startLabServer, type LabServer } from '../../lab/server/server.ts';
import { stripTerminal } from '../../lab/vm/console.ts';
import { testLab, testTabLab } from '../helpers/lab.ts';

export interface ClientOptions {
  lesson?: string;
  token?: string;
  resume?: string;
  console?: number;
  cols?: number;
  rows?: number;
  origin?: string;
  /** 'tab': a connection that only builds, for a VM in the page (Hello.target). */
  target?: 'tab';
  /** Acknowledge output as it arrives (a well-behaved terminal); default true. */
  autoAck?: boolean;
  /** Keep only the last this many characters of output (a terminal's scrollback). */
  keep?: number;
  /** The learner's id (Hello.learner). */
  learner?: string;
  /** The learner's display name (Hello.name). */
  name?: string;
}

export class LabClient {
  readonly ws: WebSocket;
  readonly statuses: StatusFrame[] = [];
  readonly builds: BuildFrame[] = [];
  /** What the workshop's instructor did (watching, a message, a reset to consent to). */
  readonly notices: InstructorNotice[] = [];
  output = '';
  unacked = 0;
  autoAck: boolean;
  /** Characters of output received in all. */
  received = 0;
  private readonly keep: number;
  /** Characters cut from the front of `output` to keep it at `keep`. */
  private dropped = 0;
  closed?: { code: number; reason: string };
  readonly opened: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(url: string, opts: ClientOptions = {}) {
    this.autoAck = opts.autoAck ?? true;
    this.keep = opts.keep ?? Infinity;
    const origin = opts.origin ?? new URL(url).origin;
    this.ws = new WebSocket(`${url.replace(/^http/, 'ws')}${LAB_SOCKET_PATH}`, { origin });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    this.opened.catch(() => undefined);
    this.ws.on('open', () => {
      this.send({
        type: 'hello',
        v: PROTOCOL_VERSION,
        lesson: opts.lesson ?? 'hello',
        ...(opts.token !== undefined ? { token: opts.token } : {}),
        ...(opts.resume !== undefined ? { resume: opts.resume } : {}),
        ...(opts.learner !== undefined ? { learner: opts.learner } : {}),
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        console: opts.console ?? 0,
        cols: opts.cols ?? 80,
        rows: opts.rows ?? 24,
        ...(opts.target ? { target: opts.target } : {}),
      });
    });
    this.ws.on('message', (raw) => {
      const f = JSON.parse(String(raw)) as { type: 'output'; data: string } | StatusFrame | BuildFrame | InstructorNotice;
      if (f.type === 'output') {
        this.output += f.data;
        if (this.output.length > this.keep * 2) {
          this.dropped += this.output.length - this.keep;
          this.output = this.output.slice(-this.keep);
        }
        this.received += f.data.length;
        this.unacked += f.data.length;
        if (this.autoAck) this.ack();
      } else if (f.type === 'status') {
        this.statuses.push(f);
      } else if (f.type === 'build') {
        this.builds.push(f);
      } else if (f.type === 'instructor') {
        this.notices.push(f);
      }
      this.wake();
    });
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.wake();
    });
    this.ws.on('error', () => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  ack(): void {
    if (this.unacked > 0 && this.ws.readyState === WebSocket.OPEN) {
      this.send({ type: 'ack', chars: this.unacked });
      this.unacked = 0;
    }
  }

  input(data: string): void {
    this.send({ type: 'input', data });
  }

  private buildIds = 0;

  /** Send a build and wait for the frame that ends it (done, failed, refused); returns every frame about it. */
  async build(files: SourceFile[], ms = 60_000): Promise<BuildFrame[]> {
    const id = ++this.buildIds;
    this.send({ type: 'build', id, files });
    const end = await this.until(() => this.builds.find((b) => b.id === id && !['queued', 'building'].includes(b.state)), ms, `the end of build ${id}`);
    return [...this.builds.filter((b) => b.id === id && b !== end), end];
  }

  /** Wait until `pred` holds, re-checked on every frame. */
  async until<T>(pred: () => T | undefined | false, ms = 20_000, what = 'condition'): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = pred();
      if (v) return v;
      const left = end - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${what}; statuses: ${JSON.stringify(this.statuses.map((s) => s.state))}, closed: ${JSON.stringify(this.closed)}, output tail: ${JSON.stringify(this.output.slice(-300))}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  status(state: StatusFrame['state'], ms = 30_000): Promise<StatusFrame> {
    return this.until(() => this.statuses.find((s) => s.state === state), ms, `status ${state}`);
  }

  /** The latest status. */
  get state(): StatusFrame['state'] | undefined {
    return this.statuses.at(-1)?.state;
  }

  text(): string {
    return stripTerminal(this.output);
  }

  /** Type a command line and wait for its output, framed by markers; returns what it printed. */
  async run(command: string, ms = 20_000): Promise<string> {
    const id = Math.random().toString(36).slice(2, 8);
    // Where the answer starts, counted from the first character received:
    // `output` may be cut at the front while the command runs (`keep`).
    const from = this.dropped + this.output.length;
    // The markers are printed with escapes, so the echoed command line (even
    // wrapped, or echoed twice when typed ahead) never matches them.
    const mark = (m: string): string => `printf '\\055%s\\055\\n' ${id}${m}`;
    this.input(`${mark('b')}; ${command}; ${mark('e')}\n`);
    const re = new RegExp(`-${id}b-\\r?\\n([^]*?)-${id}e-`);
    const m = await this.until(() => re.exec(stripTerminal(this.output.slice(Math.max(0, from - this.dropped)))) ?? undefined, ms, `output of '${command}'`);
    return (m[1] ?? '').replace(/\n$/, '');
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** The lab for server tests; UKLAB_TEST_VM_FILES=kernel:initrd runs them against other files. */
export async function serverTestLab(): Promise<Lab> {
  const files = process.env.UKLAB_TEST_VM_FILES;
  if (!files) return testLab();
  const [vmlinux, initramfs] = files.split(':');
  return {
    kernel: { vmlinux, bootImage: vmlinux, info: { release: 'test' } },
    image: { initramfs, info: { lessons: ['hello', 'signals'] } },
  } as unknown as Lab;
}

export async function startTestServer(
  limits: Partial<Limits> = {},
  opts: {
    token?: string;
    siteRoot?: string;
    log?: (line: string) => void;
    tab?: boolean;
    hideSolutions?: boolean;
    snapshot?: boolean;
    progressDb?: string;
    instructorToken?: string;
    serverName?: string;
    peerUrl?: string;
  } = {},
): Promise<LabServer> {
  const lab = await serverTestLab();
  return startLabServer({
    lab,
    tabLab: opts.tab ? await testTabLab() : undefined,
    host: '127.0.0.1',
    port: 0,
    token: opts.token,
    hideSolutions: opts.hideSolutions,
    snapshot: opts.snapshot,
    progressDb: opts.progressDb,
    instructorToken: opts.instructorToken,
    serverName: opts.serverName,
    peerUrl: opts.peerUrl,
    limits: { ...defaultLimits(), poolSize: 1, maxBooting: 1, maxSessions: 4, ...limits },
    siteRoot: opts.siteRoot ?? '/nonexistent',
    log: opts.log ?? (() => undefined),
  });
}
