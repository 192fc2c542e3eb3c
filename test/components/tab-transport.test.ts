// The lab in the reader's tab without a browser: the tab transport against a
// fake v86 (an emulator whose "guest" answers the lab's control channel and
// consoles like lab/image/init does), a fake fetch of the tab lab's files,
// and the page's choice of where the lab runs. test/e2e/tab.test.ts runs the
// real v86 in Chromium.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { EXIT_LINE, PANIC_PORT, snapshotLine, TAB_ASSETS, TAB_KERNEL_COMMAND_LINE, TAB_MACHINE, TAB_UARTS, type TabAsset, type TabManifest } from '../../lab/tab/layout.ts';
import type { Emulator } from '../../lab/tab/tab-machine.ts';
import { hasLabServer, pickBackend } from '../../src/components/LabTerminal/backend.ts';
import { IDLE, LazySession } from '../../src/components/LabTerminal/lazy-session.ts';
import { LabTerminalSession } from '../../src/components/LabTerminal/session.ts';
import { downloadGzipped } from '../../src/components/LabTerminal/download.ts';
import { kitFor, type KitShelf } from '../../src/components/LabTerminal/tab-kit.ts';
import { TabTransport, tabAssetUrl, type EmulatorOptions, type FetchLike, type ResponseLike } from '../../src/components/LabTerminal/tab-transport.ts';
import type { TerminalFactory, TerminalLike } from '../../src/components/LabTerminal/terminal.ts';
import type { LabStatus, LabTransport, TransportEvents } from '../../src/components/LabTerminal/transport.ts';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const text = (s: string): ArrayBuffer => new TextEncoder().encode(s).buffer as ArrayBuffer;
const decode = (b: ArrayBuffer): string => new TextDecoder().decode(b);

/** A fake v86: records what the transport does and plays a lab guest on its serial ports. */
class FakeEmulator implements Emulator {
  static all: FakeEmulator[] = [];
  private readonly listeners = new Map<string, Set<(v: never) => void>>();
  readonly sent: Record<number, string> = { [TAB_UARTS.console0]: '', [TAB_UARTS.control]: '', [TAB_UARTS.console1]: '' };
  readonly controlLines: string[] = [];
  /** Seconds the host set the guest's clock to. */
  readonly clock: number[] = [];
  restored: string[] = [];
  running = false;
  destroyed = false;
  private panicWrite?: (value: number) => void;
  private crashNext = false;
  private line: Record<number, string> = { [TAB_UARTS.console0]: '', [TAB_UARTS.console1]: '' };
  /** Each console's shell waits in /etc/profile for the lesson line, typed unechoed (lab/image/profile). */
  private waiting: Record<number, boolean> = { [TAB_UARTS.console0]: true, [TAB_UARTS.console1]: true };
  readonly v86;

  constructor(readonly options: EmulatorOptions) {
    FakeEmulator.all.push(this);
    const self = this;
    this.v86 = {
      cpu: {
        io: {
          register_read: () => undefined,
          register_write: (port: number, _device: object, w8: (value: number) => void) => {
            if (port === PANIC_PORT) self.panicWrite = w8;
          },
        },
      },
      // v86's main loop (src/main.js), as far as the transport wraps it.
      stopping: false,
      do_tick(this: { stopping: boolean }) {
        if (this.stopping) {
          self.running = false;
          this.stopping = false;
          return;
        }
        if (self.crashNext) throw new Error('RuntimeError: unreachable (Unimplemented: #GP handler)');
      },
      next_tick(this: { do_tick: () => void }) {
        setImmediate(() => this.do_tick());
      },
      stop(this: { stopping: boolean }) {
        this.stopping = true;
      },
    };
    // v86 compiles its wasm and loads its files first.
    setImmediate(() => this.emit('emulator-loaded', undefined));
  }

  get cold(): boolean {
    return this.options.bzimage !== undefined;
  }

  add_listener(event: string, listener: (value: never) => void): void {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(listener);
  }

  remove_listener(event: string, listener: (value: never) => void): void {
    this.listeners.get(event)?.delete(listener);
  }

  private emit(event: string, value: unknown): void {
    for (const l of Array.from(this.listeners.get(event) ?? [])) (l as (v: unknown) => void)(value);
  }

  /** The guest writes `s` on serial port `port`, a byte an event as v86 does. */
  out(port: number, s: string): void {
    for (const b of new TextEncoder().encode(s)) this.emit(`serial${port}-output-byte`, b);
  }

  serial_send_bytes(serial: number, data: Uint8Array): void {
    let s = new TextDecoder().decode(data);
    if (serial === TAB_UARTS.control) {
      this.sent[serial] = (this.sent[serial] ?? '') + s;
      for (const line of s.split('\n').filter(Boolean)) this.onControl(line);
      return;
    }
    // A shell: echo, and on Enter say what was typed and prompt again.
    const port = serial;
    if (this.waiting[port]) {
      const nl = s.indexOf('\n');
      if (nl < 0) return;
      this.waiting[port] = false;
      this.onLesson(port, s.slice(0, nl));
      s = s.slice(nl + 1);
    }
    // What a learner typed: the lesson line is the page's, not theirs.
    this.sent[serial] = (this.sent[serial] ?? '') + s;
    for (const ch of s) {
      if (ch === '\r') {
        const typed = this.line[port] ?? '';
        this.line[port] = '';
        setImmediate(() => this.out(port, `\r\n${typed ? `ran: ${typed}\r\n` : ''}lab:~# `));
      } else {
        this.line[port] += ch;
        setImmediate(() => this.out(port, ch));
      }
    }
  }

  private onControl(line: string): void {
    // The guest's clock (lab/image/labctl.c), kept apart from the lines the tests compare.
    const time = /^time (\d+)$/.exec(line);
    if (time) this.clock.push(Number(time[1]));
    else this.controlLines.push(line);
  }

  /**
   * A console's shell is told the lesson: console 0's prints the banner and
   * its prompt in the lesson's folder, console 1's its prompt. Console 0's
   * line is recorded with the control lines as `lesson …`, in the order the
   * guest learns things.
   */
  private onLesson(port: number, line: string): void {
    const m = /^(\S+) (\d+) (\d+)$/.exec(line);
    if (!m) return;
    if (port === TAB_UARTS.console0) {
      this.controlLines.push(`lesson ${line}`);
      setImmediate(() => this.out(TAB_UARTS.console0, `\r\nUser <-> Kernel Lab -- Linux 6.1\r\n\r\nlab:/lab/${m[1]}# \x1b[6n`));
    } else {
      setImmediate(() => this.out(TAB_UARTS.console1, `lab:/lab/${m[1]}# `));
    }
  }

  restore_state(state: ArrayBuffer): Promise<void> {
    const s = decode(state);
    this.restored.push(s);
    if (s.startsWith('corrupt')) return Promise.reject(new Error('StateLoadError: Invalid header: 0x21'));
    return Promise.resolve();
  }

  save_state(): Promise<ArrayBuffer> {
    return Promise.resolve(text('state-of-a-cold-boot'));
  }

  run(): void {
    const first = !this.running && this.cold && this.restored.length === 0 && !this.booted;
    this.running = true;
    if (first) {
      this.booted = true;
      // The kernel boots, /init says it can be saved.
      setImmediate(() => {
        this.out(TAB_UARTS.console0, '[    0.000000] Linux version 6.1\r\n');
        this.out(TAB_UARTS.control, `${snapshotLine(0)}\n${snapshotLine(1)}\n`);
      });
    }
  }
  private booted = false;

  stop(): void {
    this.running = false;
  }

  destroy(): void {
    this.destroyed = true;
    this.running = false;
  }

  /** The kernel panics: its notifier writes PANICKED to the pvpanic port. */
  panic(): void {
    this.out(TAB_UARTS.console0, 'Kernel panic - not syncing: sysrq triggered crash\r\n');
    setImmediate(() => this.panicWrite?.(1));
  }

  /** The main shell exited: /init says so on the control channel (and then reboots). */
  exit(): void {
    this.out(TAB_UARTS.control, `${EXIT_LINE}\n`);
  }

  /** The guest reboots by a triple fault, which v86 cannot emulate: it throws out of its main loop. */
  crash(): void {
    this.crashNext = true;
    (this.v86 as unknown as { do_tick: () => void }).do_tick();
  }
}

const MANIFEST: TabManifest = {
  v86: '0.5.462',
  release: '6.1',
  wasm: { file: 'v86.aaaa.wasm', bytes: 0 },
  bios: { file: 'seabios.bbbb.bin', bytes: 0 },
  state: { file: 'lab.cccc.state.gz', bytes: 0, unpacked: 0 },
  kernel: { file: 'bzImage.dddd', bytes: 0 },
  initrd: { file: 'initramfs.eeee.cpio', bytes: 0 },
};

interface Site {
  fetch: FetchLike;
  fetched: string[];
  files: Map<string, ArrayBuffer>;
  fail: Set<string>;
}

/**
 * The tab lab's files on a site under `base`, served in a few chunks each
 * (for the progress), the state gzipped as the build writes it; or
 * `stateAs` 'unpacked' (a server that sent it with Content-Encoding: gzip,
 * undone by the browser) or 'truncated'.
 */
function site(base = '/', { state = 'the-saved-lab', stateAs = 'gzipped' }: { state?: string; stateAs?: 'gzipped' | 'unpacked' | 'truncated' } = {}): Site {
  const files = new Map<string, ArrayBuffer>();
  const contents: Record<TabAsset, string> = {
    wasm: 'wasm-bytes'.repeat(10),
    bios: 'bios-bytes',
    state,
    kernel: 'bzImage-bytes',
    initrd: 'initrd-bytes',
  };
  const manifest = structuredClone(MANIFEST);
  for (const [asset, body] of Object.entries(contents)) {
    const entry = manifest[asset as TabAsset];
    entry.bytes = body.length;
    files.set(tabAssetUrl(base, entry.file), text(body));
  }
  const packed = gzipSync(state);
  manifest.state.bytes = packed.length;
  manifest.state.unpacked = Buffer.byteLength(state);
  const served = stateAs === 'unpacked' ? Buffer.from(state) : stateAs === 'truncated' ? packed.subarray(0, packed.length - 9) : packed;
  if (stateAs === 'truncated') manifest.state.bytes = served.length;
  files.set(tabAssetUrl(base, manifest.state.file), served.buffer.slice(served.byteOffset, served.byteOffset + served.length) as ArrayBuffer);
  files.set(tabAssetUrl(base, TAB_ASSETS.manifest), text(JSON.stringify(manifest)));
  const s: Site = {
    fetched: [],
    files,
    fail: new Set(),
    fetch: (url) => {
      s.fetched.push(url);
      const body = s.fail.has(url) ? undefined : files.get(url);
      if (!body) return Promise.resolve(new Response('not found', { status: 404 }) as ResponseLike);
      const bytes = new Uint8Array(body);
      const half = Math.ceil(bytes.length / 2);
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(bytes.slice(0, half));
          c.enqueue(bytes.slice(half));
          c.close();
        },
      });
      return Promise.resolve(new Response(stream, { status: 200 }) as ResponseLike);
    },
  };
  return s;
}

/** What a transport said to one console's terminal. */
class Events implements TransportEvents {
  statuses: LabStatus[] = [];
  out = '';
  private waiters: (() => void)[] = [];
  output(data: string): void {
    this.out += data;
    this.wake();
  }
  status(s: LabStatus): void {
    this.statuses.push(s);
    this.wake();
  }
  get state(): string | undefined {
    return this.statuses.at(-1)?.state;
  }
  get last(): LabStatus | undefined {
    return this.statuses.at(-1);
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  /** Resolves once `done()` holds; fails the test after `ms`. */
  async until(done: () => boolean, what: string, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!done()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; statuses: ${JSON.stringify(this.statuses)}; output: ${JSON.stringify(this.out)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 20);
      });
    }
  }
  untilState(state: string, ms?: number): Promise<void> {
    return this.until(() => this.state === state, `state ${state}`, ms);
  }
}

interface Rig {
  transport: TabTransport;
  events: Events;
  site: Site;
  kits: KitShelf;
  emulators: () => FakeEmulator[];
  /** Another lab on the same page (another lesson's, after a navigation): same site, same kits. */
  another(lesson: string): { transport: TabTransport; events: Events };
}

function rig({
  base = '/',
  state,
  stateAs,
  wasm = true,
  lesson = 'syscall',
  stateGate,
}: { base?: string; state?: string; stateAs?: 'gzipped' | 'unpacked' | 'truncated'; wasm?: boolean; lesson?: string; stateGate?: Promise<void> } = {}): Rig {
  const s = site(base, { ...(state === undefined ? {} : { state }), ...(stateAs === undefined ? {} : { stateAs }) });
  const before = FakeEmulator.all.length;
  const kits: KitShelf = new Map();
  const make = (lesson: string): { transport: TabTransport; events: Events } => {
    const events = new Events();
    const transport = new TabTransport({
      lesson,
      events,
      baseUrl: base,
      fetch: s.fetch,
      loadEmulator: () => Promise.resolve((options) => new FakeEmulator(options)),
      compileWasm: () => Promise.resolve({} as WebAssembly.Module),
      // The state held back until `stateGate`, when given.
      stateDownloader: () => ({ download: async (url, expected, onBytes) => (await stateGate, downloadGzipped(s.fetch, url, expected, onBytes)), stop: () => undefined }),
      kits,
      hasWebAssembly: () => wasm,
      promptTimeoutMs: 5000,
    });
    return { transport, events };
  };
  return { ...make(lesson), site: s, kits, emulators: () => FakeEmulator.all.slice(before), another: make };
}

async function started(r: Rig, cols = 80, rows = 24): Promise<FakeEmulator> {
  r.transport.open(cols, rows);
  await r.events.untilState('ready');
  const e = r.emulators().at(-1);
  assert.ok(e, 'an emulator was made');
  return e;
}

describe('the tab transport', () => {
  test('starts from the saved state: booting with progress, the lesson on the control channel, ready at the prompt', async () => {
    const r = rig({ base: '/user-kernel-lab/' });
    const e = await started(r, 100, 30);
    const states = r.events.statuses.map((s) => s.state);
    assert.equal(states[0], 'booting');
    assert.equal(states.at(-1), 'ready');
    assert.ok(states.slice(0, -1).every((s) => s === 'booting'), `only booting before ready: ${states.join(',')}`);
    const progress = r.events.statuses.flatMap((s) => (s.progress === undefined ? [] : [s.progress]));
    assert.ok(progress.some((p) => p > 0 && p < 1), `progress on the way: ${progress.join(',')}`);
    assert.equal(progress.at(-1), 1);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]! >= progress[i - 1]!, 'progress only grows');

    // Every file from under the site's base URL.
    assert.ok(r.site.fetched.every((u) => u.startsWith('/user-kernel-lab/tab-lab/')), r.site.fetched.join(' '));
    assert.deepEqual(
      r.site.fetched.map((u) => u.split('/').at(-1)).sort(),
      [TAB_ASSETS.manifest, MANIFEST.bios.file, MANIFEST.state.file, MANIFEST.wasm.file].sort(),
      'no kernel or initrd for a restore',
    );
    // The machine both sides agree on, with the BIOS and the compiled wasm.
    for (const [k, v] of Object.entries(TAB_MACHINE)) assert.equal((e.options as Record<string, unknown>)[k], v, k);
    assert.equal(decode(e.options.bios.buffer), 'bios-bytes');
    assert.equal(typeof e.options.wasm_fn, 'function');
    assert.equal(e.options.bzimage, undefined);
    assert.deepEqual(e.restored, ['the-saved-lab']);
    assert.ok(e.running);
    assert.deepEqual(e.controlLines, ['lesson syscall 30 100'], 'the lesson and the terminal size, once');
    assert.equal(e.clock.length, 1, "the guest's clock is set after the restore, once");
    assert.ok(Math.abs(e.clock[0]! - Date.now() / 1000) < 5, `to the host's: ${e.clock[0]}`);
    assert.match(r.events.out, /User <-> Kernel Lab[\s\S]*lab:\/lab\/syscall# /);
    r.transport.close();
    await tick();
    assert.ok(e.destroyed, 'close() destroys the emulator');
  });

  test('input and output on console 0, and on console 1 of the same machine', async () => {
    const r = rig();
    const e = await started(r);
    r.transport.input('ls\r');
    await r.events.until(() => r.events.out.includes('ran: ls'), 'console 0 output');
    assert.equal(e.sent[TAB_UARTS.console0], 'ls\r');

    const second = new Events();
    const t1 = r.transport.openConsole(1, second);
    assert.ok(t1, 'a second console of a started lab');
    t1.open(70, 20);
    await second.untilState('ready');
    // Its prompt came before it was opened: it was kept for it.
    assert.match(second.out, /lab:\/lab\/syscall# /);
    t1.input('sleep 600\r');
    await second.until(() => second.out.includes('ran: sleep 600'), 'console 1 output');
    assert.equal(e.sent[TAB_UARTS.console1], 'sleep 600\r', "console 1 is its UART's");
    assert.ok(!r.events.out.includes('sleep 600'), 'console 1 output stays on console 1');
    assert.ok(!second.out.includes('ran: ls'), 'console 0 output stays on console 0');
    assert.ok(e.controlLines.includes('20 70 1'), `console 1 got its size: ${e.controlLines.join(' | ')}`);
    t1.close();
    t1.input('lost\r');
    assert.ok(!e.sent[TAB_UARTS.console1]!.includes('lost'), 'a closed console 1 sends nothing');
    assert.equal(e.destroyed, false, "console 1's close leaves the machine to console 0");
    r.transport.close();
  });

  test('no second console before the first one started', () => {
    const r = rig();
    assert.equal(r.transport.openConsole(1, new Events()), undefined);
    r.transport.close();
  });

  test('resize sends the control line of the console', async () => {
    const r = rig();
    const e = await started(r);
    r.transport.resize(120, 40);
    assert.equal(e.controlLines.at(-1), '40 120 0');
    assert.ok(e.sent[TAB_UARTS.control]!.endsWith('40 120 0\n'));
    r.transport.close();
  });

  test('a size before the lesson line goes with it', async () => {
    const r = rig();
    r.transport.open(80, 24);
    r.transport.resize(132, 43);
    await r.events.untilState('ready');
    const e = r.emulators().at(-1)!;
    assert.deepEqual(e.controlLines, ['lesson syscall 43 132']);
    r.transport.close();
  });

  test('reset: a new emulator restored from the same state, without downloading it again', async () => {
    const r = rig();
    const first = await started(r);
    const second = new Events();
    const t1 = r.transport.openConsole(1, second)!;
    t1.open(80, 24);
    await second.untilState('ready');
    const fetches = r.site.fetched.length;
    r.events.statuses = [];
    second.statuses = [];
    r.transport.reset();
    assert.equal(r.events.state, 'booting', 'booting at once: the terminal clears');
    await r.events.untilState('ready');
    await second.untilState('ready');
    assert.equal(second.statuses[0]?.state, 'booting', 'console 1 saw the reset too');
    const emulators = r.emulators();
    assert.equal(emulators.length, 2);
    const fresh = emulators[1]!;
    assert.notEqual(fresh, first);
    assert.ok(first.destroyed, 'the old emulator is destroyed');
    assert.deepEqual(fresh.restored, ['the-saved-lab']);
    assert.equal(r.site.fetched.length, fetches, 'nothing fetched again');
    assert.ok(fresh.controlLines[0]?.startsWith('lesson syscall '), 'the lesson again');
    assert.ok(fresh.controlLines.includes('24 80 1'), "console 1's size again");
    r.transport.input('id\r');
    await r.events.until(() => r.events.out.includes('ran: id'), 'output of the new machine');
    assert.equal(first.sent[TAB_UARTS.console0], '', 'nothing typed into the old one');
    r.transport.close();
  });

  test('panic: a panic status with the console tail, the machine stopped, and reset works after it', async () => {
    const r = rig();
    const e = await started(r);
    const second = new Events();
    r.transport.openConsole(1, second)!.open(80, 24);
    await second.untilState('ready');
    e.panic();
    await r.events.untilState('panic');
    const s = r.events.last!;
    assert.equal(s.reason, 'panic');
    assert.match(s.tail ?? '', /Kernel panic - not syncing: sysrq triggered crash/);
    assert.match(s.message ?? '', /sysrq triggered crash/);
    assert.equal(e.running, false, 'v86 stopped where the kernel fell');
    assert.equal(second.state, 'panic', 'the second terminal is told too');
    r.transport.input('ls\r');
    assert.equal(e.sent[TAB_UARTS.console0], '', 'no input into a panicked machine');

    r.transport.reset();
    await r.events.untilState('ready');
    const fresh = r.emulators().at(-1)!;
    assert.notEqual(fresh, e);
    assert.deepEqual(fresh.restored, ['the-saved-lab']);
    r.transport.close();
  });

  test('the shell exits: exited, the machine gone, and reset works', async () => {
    const r = rig();
    const e = await started(r);
    e.exit();
    await r.events.untilState('exited');
    assert.equal(r.events.last?.reason, 'poweroff');
    await r.events.until(() => e.destroyed, 'the ended emulator destroyed');
    r.transport.reset();
    await r.events.untilState('ready');
    assert.equal(r.emulators().length, 2);
    r.transport.close();
  });

  test('v86 gives up on a reboot (throws out of its loop): exited, and reset works', async () => {
    const r = rig();
    const e = await started(r);
    e.crash();
    await r.events.untilState('exited');
    assert.equal(r.events.last?.reason, 'poweroff');
    await r.events.until(() => e.destroyed, 'the dead emulator destroyed');
    r.transport.reset();
    await r.events.untilState('ready');
    assert.equal(r.emulators().length, 2);
    r.transport.close();
  });

  test('a corrupt state: say so, boot the kernel cold, and keep its state for the resets', async () => {
    const r = rig({ state: 'corrupt-state-bytes' });
    r.transport.open(80, 24);
    await r.events.untilState('ready');
    const [bad, cold] = r.emulators();
    assert.ok(bad && cold, 'two emulators: the failed restore, the cold boot');
    assert.deepEqual(bad.restored, ['corrupt-state-bytes']);
    assert.ok(bad.destroyed);
    assert.ok(cold.cold);
    assert.equal(decode(cold.options.bzimage!.buffer), 'bzImage-bytes');
    assert.equal(decode(cold.options.initrd!.buffer), 'initrd-bytes');
    assert.equal(cold.options.cmdline, TAB_KERNEL_COMMAND_LINE);
    const said = r.events.statuses.find((s) => s.reason === 'cold-boot');
    assert.ok(said, 'a status says the lab boots cold');
    assert.match(said.message ?? '', /did not restore \(StateLoadError: Invalid header/);
    assert.match(r.events.out, /\[lab\] the saved lab could not be used/, 'and the terminal says so');
    assert.deepEqual(cold.controlLines, ['lesson syscall 24 80'], 'the lesson after /init is ready');
    assert.ok(r.site.fetched.some((u) => u.endsWith(MANIFEST.kernel.file)));

    // A reset restores the cold boot's own state: fast, and no kernel to fetch again.
    const fetches = r.site.fetched.length;
    r.transport.reset();
    await r.events.untilState('booting');
    await r.events.untilState('ready');
    const fresh = r.emulators().at(-1)!;
    assert.equal(fresh.cold, false);
    assert.deepEqual(fresh.restored, ['state-of-a-cold-boot']);
    assert.equal(r.site.fetched.length, fetches);
    r.transport.close();
  });

  test("another lesson's lab on the page starts from the same kit: nothing is fetched again", async () => {
    const r = rig();
    await started(r);
    const fetches = r.site.fetched.length;
    r.transport.close();
    const next = r.another('ioctl');
    next.transport.open(80, 24);
    await next.events.untilState('ready');
    assert.equal(r.site.fetched.length, fetches);
    assert.deepEqual(r.emulators().at(-1)?.restored, ['the-saved-lab']);
    assert.deepEqual(r.emulators().at(-1)?.controlLines, ['lesson ioctl 24 80']);
    next.transport.close();
  });

  test('a kit fetched ahead (the pointer on Start) is the one the start uses, its progress told', async () => {
    const r = rig();
    const ahead = kitFor({ baseUrl: '/', fetch: r.site.fetch, kits: r.kits, loadEmulator: () => Promise.resolve((o) => new FakeEmulator(o)), compileWasm: () => Promise.resolve({} as WebAssembly.Module), stateDownloader: () => ({ download: (url, expected, onBytes) => downloadGzipped(r.site.fetch, url, expected, onBytes), stop: () => undefined }) });
    await ahead.kit;
    const fetches = r.site.fetched.length;
    assert.ok(fetches >= 3, 'the manifest, the wasm and the BIOS');
    await started(r);
    assert.equal(r.site.fetched.length, fetches);
    assert.ok(r.events.statuses.some((st) => st.state === 'booting' && st.progress === 1), 'the kit is all there');
    r.transport.close();
  });

  test('the state is unpacked as it downloads; one a server sent unpacked already is taken as it is', async () => {
    for (const stateAs of ['gzipped', 'unpacked'] as const) {
      const r = rig({ stateAs });
      const e = await started(r);
      assert.deepEqual(e.restored, ['the-saved-lab'], stateAs);
      r.transport.close();
    }
  });

  test('a state that does not unpack: say so, and the same cold boot', async () => {
    const r = rig({ stateAs: 'truncated' });
    r.transport.open(80, 24);
    await r.events.untilState('ready');
    // The emulator made while the state downloaded is thrown away unused.
    assert.deepEqual(r.emulators().map((e) => [e.cold, e.restored.length, e.destroyed]), [[false, 0, true], [true, 0, false]]);
    const said = r.events.statuses.find((s) => s.reason === 'cold-boot');
    assert.match(said?.message ?? '', /lab\.cccc\.state\.gz: it could not be unpacked/);
    r.transport.close();
  });

  test('a state that does not download: the same cold boot', async () => {
    const r = rig();
    r.site.fail.add(tabAssetUrl('/', MANIFEST.state.file));
    r.transport.open(80, 24);
    await r.events.untilState('ready');
    // The emulator made while the state downloaded is thrown away unused.
    assert.deepEqual(r.emulators().map((e) => [e.cold, e.restored.length, e.destroyed]), [[false, 0, true], [true, 0, false]]);
    const said = r.events.statuses.find((s) => s.reason === 'cold-boot');
    assert.match(said?.message ?? '', /could not be downloaded \(.*HTTP 404\)/);
    r.transport.close();
  });

  test('no WebAssembly: an error that says so, and nothing loaded', async () => {
    const r = rig({ wasm: false });
    r.transport.open(80, 24);
    await r.events.untilState('error');
    assert.equal(r.events.last?.reason, 'no-webassembly');
    assert.equal(r.events.last?.message, 'this browser cannot run the lab: no WebAssembly');
    assert.deepEqual(r.site.fetched, []);
    assert.equal(r.emulators().length, 0);
    r.transport.close();
  });

  test("the lab's files missing: an error, and open() tries again", async () => {
    const r = rig();
    const manifest = tabAssetUrl('/', TAB_ASSETS.manifest);
    r.site.fail.add(manifest);
    r.transport.open(80, 24);
    await r.events.untilState('error');
    assert.equal(r.events.last?.reason, 'load-failed');
    assert.match(r.events.last?.message ?? '', /HTTP 404/);
    r.site.fail.delete(manifest);
    r.transport.open(80, 24);
    await r.events.untilState('ready');
    r.transport.close();
  });

  test('a reset while the state is on its way: the emulator made meanwhile is destroyed, the next one restored', async () => {
    let release = (): void => undefined;
    const r = rig({ stateGate: new Promise<void>((res) => (release = res)) });
    r.transport.open(80, 24);
    await r.events.until(() => r.emulators().length === 1, 'an emulator made while the state downloads');
    await tick();
    r.transport.reset();
    release();
    await r.events.untilState('ready');
    const [early, used] = r.emulators();
    assert.ok(early?.destroyed, 'the first one destroyed');
    assert.deepEqual(early?.restored, []);
    assert.deepEqual(used?.restored, ['the-saved-lab']);
    assert.equal(r.emulators().length, 2);
    r.transport.close();
  });

  test('close during the start: the emulator made afterwards is destroyed, nothing more is said', async () => {
    const r = rig();
    r.transport.open(80, 24);
    await r.events.until(() => r.site.fetched.length > 0, 'the first fetch');
    r.transport.close();
    const said = r.events.statuses.length;
    await new Promise((res) => setTimeout(res, 100));
    for (const e of r.emulators()) assert.ok(e.destroyed);
    assert.equal(r.events.statuses.length, said);
  });
});

/** The terminal the session writes to, as in lab-terminal.test.ts. */
class FakeTerminal implements TerminalLike {
  cols = 90;
  rows = 25;
  written = '';
  resets = 0;
  private dataListeners: ((d: string) => void)[] = [];
  write(data: string, done: () => void): void {
    this.written += data;
    setImmediate(done);
  }
  onData(l: (d: string) => void) {
    this.dataListeners.push(l);
    return { dispose: () => undefined };
  }
  onResize() {
    return { dispose: () => undefined };
  }
  fit(): void {}
  reset(): void {
    this.resets++;
  }
  focus(): void {}
  paste(): void {}
  selection(): string | undefined {
    return undefined;
  }
  setDark(): void {}
  dispose(): void {}
}

describe('a terminal session on the tab transport', () => {
  test('Run types the commands once the prompt is up; reset clears the screen; the second terminal joins', async () => {
    const s = site();
    const element = { clientWidth: 840, scrollIntoView: () => undefined } as unknown as HTMLElement;
    const terminals: FakeTerminal[] = [];
    const loadTerminal = (): Promise<TerminalFactory> =>
      Promise.resolve(() => {
        const t = new FakeTerminal();
        terminals.push(t);
        return t;
      });
    let transport: LabTransport | undefined;
    const first = new LabTerminalSession({
      lesson: 'signal',
      console: 0,
      connect: (events) =>
        (transport = new TabTransport({
          lesson: 'signal',
          events,
          baseUrl: '/',
          fetch: s.fetch,
          loadEmulator: () => Promise.resolve((o) => new FakeEmulator(o)),
          compileWasm: () => Promise.resolve({} as WebAssembly.Module),
          stateDownloader: () => ({ download: (url, expected, onBytes) => downloadGzipped(s.fetch, url, expected, onBytes), stop: () => undefined }),
          kits: new Map(),
          hasWebAssembly: () => true,
        })),
      loadTerminal,
      watchSize: () => () => undefined,
    });
    first.mount(element);
    const waitFor = async (f: () => boolean, what: string): Promise<void> => {
      const end = Date.now() + 5000;
      while (!f()) {
        if (Date.now() > end) throw new Error(`timed out: ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    first.run('./user_program');
    await waitFor(() => first.getSnapshot().status.state === 'ready', 'ready');
    const emulator = FakeEmulator.all.at(-1)!;
    await waitFor(() => terminals[0]?.written.includes('ran: ./user_program') ?? false, 'the Run command ran');
    assert.equal(emulator.sent[TAB_UARTS.console0], './user_program\r');
    // The guessed size went first; the guest ends up with the terminal's.
    const sizes = emulator.controlLines.filter((l) => /^lesson |^\d+ \d+ 0$/.test(l));
    assert.match(sizes[0] ?? '', /^lesson signal \d+ \d+$/);
    assert.match(sizes.at(-1) ?? '', /(^lesson signal 25 90$)|(^25 90 0$)/, sizes.join(' | '));

    const second = new LabTerminalSession({ lesson: 'signal', console: 1, connect: () => transport!, first: () => first, loadTerminal, watchSize: () => () => undefined });
    second.mount(element);
    second.run('sleep 600');
    await waitFor(() => terminals[1]?.written.includes('ran: sleep 600') ?? false, 'the second terminal ran its command');
    assert.equal(emulator.sent[TAB_UARTS.console1], 'sleep 600\r');

    first.reset();
    await waitFor(() => FakeEmulator.all.at(-1) !== emulator && first.getSnapshot().status.state === 'ready', 'ready after the reset');
    assert.equal(terminals[0]!.resets, 1, 'a fresh screen for a fresh VM');
    first.dispose();
    second.dispose();
    await tick();
    assert.ok(FakeEmulator.all.at(-1)!.destroyed, 'disposing the page stops the VM');
  });
});

describe('where the lab runs', () => {
  test('the reader’s choice where it can run, else the server when there is one, else the tab', () => {
    assert.equal(pickBackend(undefined, undefined, true), undefined, 'not known while the origin is asked');
    assert.equal(pickBackend('tab', undefined, true), 'tab', 'a choice of the tab needs no answer');
    assert.equal(pickBackend(undefined, true, true), 'server');
    assert.equal(pickBackend(undefined, false, true), 'tab');
    assert.equal(pickBackend('tab', true, true), 'tab');
    assert.equal(pickBackend('server', false, true), 'tab', 'no server to choose');
    assert.equal(pickBackend('tab', true, false), 'server', 'no WebAssembly: the server');
    assert.equal(pickBackend(undefined, false, false), 'tab', 'neither: the tab, which says why it cannot run');
  });

  test('a lab server answers its status path with JSON; a static host does not', async () => {
    const answer = (status: number, body: string, type = 'application/json') => () => Promise.resolve(new Response(body, { status, headers: { 'content-type': type } }));
    assert.equal(await hasLabServer(answer(200, '{"sessions":0,"lessons":[]}')), true);
    assert.equal(await hasLabServer(answer(404, '<!doctype html>Not found', 'text/html')), false);
    assert.equal(await hasLabServer(answer(200, '<!doctype html><title>the site</title>', 'text/html')), false, "a host's fallback page");
    assert.equal(await hasLabServer(() => Promise.reject(new TypeError('offline'))), false);
  });
});

describe('the stand-in session that loads the real one', () => {
  function fakeSession(log: string[]) {
    let snapshot = { ...IDLE, started: true, status: { state: 'booting' } as LabStatus };
    const listeners = new Set<() => void>();
    const watchers = new Set<(data: string) => void>();
    return {
      /** The VM's output reaching the real session. */
      output(data: string) {
        for (const w of watchers) w(data);
      },
      session: {
        watchOutput: (w: (data: string) => void) => (watchers.add(w), () => watchers.delete(w)),
        lab: undefined,
        subscribe: (l: () => void) => (listeners.add(l), () => listeners.delete(l)),
        getSnapshot: () => snapshot,
        mount: () => log.push('mount'),
        start: () => (log.push('start'), Promise.resolve()),
        run: (t: string) => log.push(`run ${t}`),
        focus: () => log.push('focus'),
        reset: () => log.push('reset'),
        dispose: () => log.push('dispose'),
      } as unknown as LabTerminalSession,
      become(state: LabStatus['state']) {
        snapshot = { ...snapshot, status: { state } };
        for (const l of listeners) l();
      },
    };
  }

  test('idle and registered before any code is loaded; Run loads it, then runs', async () => {
    const log: string[] = [];
    const fake = fakeSession(log);
    let loads = 0;
    let loaded!: () => void;
    const lazy = new LazySession('signal', 0, () => (loads++, new Promise((r) => (loaded = () => r(fake.session)))));
    assert.equal(lazy.getSnapshot(), IDLE);
    assert.equal(lazy.lab, undefined);
    assert.equal(loads, 0, 'nothing loaded by making it');
    let changes = 0;
    lazy.subscribe(() => changes++);
    lazy.mount({} as HTMLElement);
    const seen: string[] = [];
    const unwatch = lazy.watchOutput((d) => seen.push(d));
    lazy.run('ls');
    assert.equal(lazy.getSnapshot().status.state, 'connecting', 'the terminal shows something at once');
    assert.equal(lazy.getSnapshot().started, true);
    lazy.run('id');
    assert.equal(loads, 1, 'loaded once');
    loaded();
    await tick();
    assert.deepEqual(log, ['mount', 'run ls', 'run id']);
    fake.output('PASS: watched before the load');
    unwatch();
    fake.output('not after');
    assert.deepEqual(seen, ['PASS: watched before the load'], 'output watched before the code loaded comes from the real session');
    assert.equal(lazy.getSnapshot().status.state, 'booting', "the real session's snapshot from then on");
    const before = changes;
    fake.become('ready');
    assert.equal(lazy.getSnapshot().status.state, 'ready');
    assert.ok(changes > before, "the real session's changes reach the page");
    lazy.reset();
    lazy.dispose();
    assert.deepEqual(log.slice(-2), ['reset', 'dispose']);
  });

  test('a failed load: an error, Start shown again, and the next start tries again', async () => {
    const log: string[] = [];
    const fake = fakeSession(log);
    let loads = 0;
    const lazy = new LazySession('ioctl', 0, () => (++loads === 1 ? Promise.reject(new Error('Loading chunk 501 failed')) : Promise.resolve(fake.session)));
    lazy.start();
    await tick();
    const s = lazy.getSnapshot();
    assert.equal(s.status.state, 'error');
    assert.equal(s.status.reason, 'terminal-load-failed');
    assert.equal(s.started, false);
    lazy.start();
    await tick();
    assert.equal(loads, 2);
    assert.deepEqual(log, ['start']);
  });

  test('disposed while loading: the session that arrives is disposed at once', async () => {
    const log: string[] = [];
    const fake = fakeSession(log);
    let loaded!: () => void;
    const lazy = new LazySession('ioctl', 0, () => new Promise((r) => (loaded = () => r(fake.session))));
    lazy.start();
    lazy.dispose();
    loaded();
    await tick();
    assert.deepEqual(log, ['dispose']);
  });
});
