// The page's lab terminal without a browser: the session object with a fake
// transport and a fake terminal, and the WebSocket transport with a fake
// socket. (test/server/page-transport.test.ts runs the same transport
// against the real server; test/e2e/ runs the whole page in Chromium.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ACK_BATCH_CHARS, ACK_DELAY_MS, INPUT_CHUNK_CHARS, INPUT_WINDOW_CHARS, INTERRUPT, PROTOCOL_VERSION, type BuildFrame, type ClientFrame, type SourceFile } from '../../lab/protocol.ts';
import { findSession, hasPageConsole, registerSession, runInPageConsole } from '../../src/components/LabTerminal/registry.ts';
import { LabTerminalSession, type SessionOptions } from '../../src/components/LabTerminal/session.ts';
import type { TerminalFactory, TerminalLike } from '../../src/components/LabTerminal/terminal.ts';
import type { LabStatus, LabTransport, TransportEvents } from '../../src/components/LabTerminal/transport.ts';
import { labSocketUrl, WebSocketTransport } from '../../src/components/LabTerminal/websocket-transport.ts';
import { TabBuildClient } from '../../src/components/LabTerminal/tab-builds.ts';
import { FakeSocket as SharedFakeSocket } from '../helpers/fake-socket.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A transport that records what the session asks of it and lets the test play the lab. */
class FakeTransport implements LabTransport {
  opens: { cols: number; rows: number }[] = [];
  inputs: string[] = [];
  resizes: string[] = [];
  acks: number[] = [];
  resets = 0;
  closed = false;
  joined: FakeTransport[] = [];
  builds: { id: number; files: SourceFile[]; lesson?: string }[] = [];
  /** A lab server's transport builds; set to undefined for one that cannot (the tab's). */
  build?: (id: number, files: SourceFile[], lesson?: string) => boolean = (id, files, lesson) => {
    this.builds.push({ id, files, ...(lesson ? { lesson } : {}) });
    return true;
  };
  constructor(readonly events: TransportEvents) {}
  open(cols: number, rows: number): void {
    this.opens.push({ cols, rows });
    this.events.status({ state: 'connecting' });
  }
  input(data: string): void {
    this.inputs.push(data);
  }
  resize(cols: number, rows: number): void {
    this.resizes.push(`${cols}x${rows}`);
  }
  reset(): void {
    this.resets++;
  }
  ack(chars: number): void {
    this.acks.push(chars);
  }
  openConsole(_index: 0 | 1, events: TransportEvents): LabTransport {
    const t = new FakeTransport(events);
    this.joined.push(t);
    return t;
  }
  close(): void {
    this.closed = true;
  }
  // The lab's side:
  status(s: LabStatus): void {
    this.events.status(s);
  }
  output(d: string): void {
    this.events.output(d);
  }
  buildFrame(f: Omit<BuildFrame, 'type'>): void {
    this.events.build?.({ type: 'build', ...f });
  }
}

/** A terminal that "processes" each write on the next turn of the event loop. */
class FakeTerminal implements TerminalLike {
  cols = 100;
  rows = 30;
  written = '';
  resets = 0;
  disposed = false;
  focused = 0;
  private dataListeners: ((d: string) => void)[] = [];
  private resizeListeners: ((s: { cols: number; rows: number }) => void)[] = [];
  write(data: string, done: () => void): void {
    this.written += data;
    setImmediate(done);
  }
  onData(l: (d: string) => void) {
    this.dataListeners.push(l);
    return { dispose: () => (this.dataListeners = this.dataListeners.filter((x) => x !== l)) };
  }
  onResize(l: (s: { cols: number; rows: number }) => void) {
    this.resizeListeners.push(l);
    return { dispose: () => (this.resizeListeners = this.resizeListeners.filter((x) => x !== l)) };
  }
  fit(): void {}
  reset(): void {
    this.resets++;
  }
  focus(): void {
    this.focused++;
  }
  paste(text: string): void {
    this.type(text);
  }
  selection(): string | undefined {
    return undefined;
  }
  setDark(): void {}
  dispose(): void {
    this.disposed = true;
  }
  type(d: string): void {
    for (const l of this.dataListeners) l(d);
  }
  resizeTo(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    for (const l of this.resizeListeners) l({ cols, rows });
  }
}

const element = { clientWidth: 840, scrollIntoView: () => undefined } as unknown as HTMLElement;

interface Rig {
  session: LabTerminalSession;
  transport: () => FakeTransport;
  terminal: FakeTerminal;
  loaded: () => void;
  watchers: { stopped: boolean }[];
}

/** A session whose terminal loads when the test says so (`loaded()`). */
function rig(over: Partial<SessionOptions> = {}): Rig {
  let transport: FakeTransport | undefined;
  const terminal = new FakeTerminal();
  let release: (f: TerminalFactory) => void = () => undefined;
  const watchers: { stopped: boolean }[] = [];
  const session = new LabTerminalSession({
    lesson: 'ioctl',
    console: 0,
    connect: (events) => (transport = new FakeTransport(events)),
    loadTerminal: () => new Promise<TerminalFactory>((r) => (release = r)),
    watchSize: () => {
      const w = { stopped: false };
      watchers.push(w);
      return () => (w.stopped = true);
    },
    ...over,
  });
  session.mount(element);
  return {
    session,
    transport: () => {
      assert.ok(transport, 'the session opened a transport');
      return transport;
    },
    terminal,
    loaded: () => release(() => terminal),
    watchers,
  };
}

/** A started session with its terminal loaded, and its lab ready unless told otherwise. */
async function readyRig(ready = true): Promise<{ r: Rig; t: FakeTransport }> {
  const r = rig();
  const starting = r.session.start();
  r.loaded();
  await starting;
  const t = r.transport();
  if (ready) t.status({ state: 'ready' });
  return { r, t };
}

describe('a lab terminal session', () => {
  test('connects while the terminal loads, and keeps early output for it, in order', async () => {
    const r = rig();
    const starting = r.session.start();
    const t = r.transport();
    assert.deepEqual(t.opens, [{ cols: 100, rows: 24 }], 'opened at once, with a size guessed from the box (840 px)');
    t.status({ state: 'booting', progress: 0.5 });
    t.output('banner\r\n');
    t.status({ state: 'ready' });
    t.output('lab:/lab/ioctl# ');
    assert.equal(r.session.getSnapshot().status.state, 'ready');
    assert.equal(r.session.getSnapshot().hasTerminal, false);
    r.loaded();
    await starting;
    assert.equal(r.terminal.written, 'banner\r\nlab:/lab/ioctl# ');
    assert.deepEqual(t.resizes, ['100x30'], 'the real size follows the guess');
    assert.equal(r.session.getSnapshot().hasTerminal, true);
    r.session.dispose();
  });

  test('acknowledges output in batches, once the terminal has processed it', async () => {
    const { r, t } = await readyRig();
    for (let i = 0; i < 3; i++) t.output('x'.repeat(100));
    await tick();
    assert.deepEqual(t.acks, [], 'small amounts wait for the batch');
    await sleep(ACK_DELAY_MS + 20);
    assert.deepEqual(t.acks, [300]);
    t.output('y'.repeat(ACK_BATCH_CHARS + 1));
    await tick();
    assert.deepEqual(t.acks, [300, ACK_BATCH_CHARS + 1], 'a full batch is acknowledged at once');
    r.session.dispose();
  });

  test('output written for a connection is not acknowledged to the next one', async () => {
    const { r, t } = await readyRig();
    t.output('z'.repeat(500));
    t.status({ state: 'disconnected' });
    r.session.reconnect();
    await sleep(ACK_DELAY_MS + 20);
    assert.deepEqual(t.acks, [], 'the server would take it for more than it sent');
    r.session.dispose();
  });

  test('follows the terminal size, and types and reconnects through the transport', async () => {
    const { r, t } = await readyRig();
    r.terminal.resizeTo(120, 40);
    assert.equal(t.resizes.at(-1), '120x40');
    r.terminal.type('ls\r');
    assert.deepEqual(t.inputs, ['ls\r']);
    t.status({ state: 'disconnected' });
    assert.equal(r.session.getSnapshot().canReconnect, true);
    r.session.reconnect();
    assert.deepEqual(t.opens.at(-1), { cols: 120, rows: 40 }, 'reconnects with the current size');
    r.session.dispose();
  });

  test('a Run before the lab is up starts it and types once the prompt is there', async () => {
    const r = rig();
    r.session.run('insmod ioctl_example.ko\n./user_program');
    const t = r.transport();
    r.loaded();
    await tick();
    t.status({ state: 'booting' });
    assert.deepEqual(t.inputs, [], 'nothing typed while booting');
    t.status({ state: 'ready' });
    await tick();
    assert.deepEqual(t.inputs, ['insmod ioctl_example.ko\r', './user_program\r']);
    r.session.dispose();
  });

  test('a reset clears the screen when the fresh VM boots', async () => {
    const { r, t } = await readyRig();
    r.session.reset();
    assert.equal(t.resets, 1);
    t.status({ state: 'booting', progress: 0 });
    assert.equal(r.terminal.resets, 1);
    // The boot's progress, and what the transport says while it boots, stay on the fresh screen.
    t.output('[lab] booting the VM from scratch\r\n');
    t.status({ state: 'booting', progress: 0.5 });
    assert.equal(r.terminal.resets, 1);
    t.status({ state: 'ready' });
    t.status({ state: 'booting', progress: 0 });
    assert.equal(r.terminal.resets, 2, 'the next reset clears it again');
    r.session.dispose();
  });

  test('asks for a token on the reason code, whatever the message says', async () => {
    const { r, t } = await readyRig(false);
    t.status({ state: 'error', reason: 'token-bad', message: 'Zugriffstoken falsch' });
    assert.equal(r.session.getSnapshot().needsToken, true);
    assert.equal(r.session.getSnapshot().canReconnect, false, 'the form is the way to retry');
    t.status({ state: 'error', reason: 'token-required' });
    assert.equal(r.session.getSnapshot().needsToken, true);
    // The old page matched the words "access token"; a message is not a reason.
    t.status({ state: 'error', reason: 'unknown-lesson', message: 'bad or missing access token' });
    assert.equal(r.session.getSnapshot().needsToken, false);
    t.status({ state: 'error', message: 'bad or missing access token' });
    assert.equal(r.session.getSnapshot().needsToken, false);
    r.session.dispose();
  });

  test('a terminal that fails to load: the transport is closed and Start works again', async () => {
    let fail = true;
    const r = rig({
      loadTerminal: async () => {
        if (fail) throw new Error('Loading chunk 42 failed');
        return () => new FakeTerminal();
      },
    });
    await r.session.start();
    const first = r.transport();
    assert.equal(first.closed, true);
    const snap = r.session.getSnapshot();
    assert.equal(snap.status.reason, 'terminal-load-failed');
    assert.equal(snap.started, false);
    fail = false;
    await r.session.start();
    assert.notEqual(r.transport(), first, 'a new connection');
    assert.equal(r.session.getSnapshot().hasTerminal, true);
    r.session.dispose();
  });

  test('dispose undoes everything: connection, terminal, size watcher, timers', async () => {
    const { r, t } = await readyRig();
    t.output('some output');
    r.session.dispose();
    assert.ok(t.closed);
    assert.ok(r.terminal.disposed);
    assert.ok(r.watchers.every((w) => w.stopped));
    await sleep(ACK_DELAY_MS + 20);
    assert.deepEqual(t.acks, [], 'no timer fired after dispose');
  });

  test("a second terminal joins the first one's VM, and says so when there is none", async () => {
    const first = rig();
    const second = rig({ console: 1, first: () => first.session });
    await second.session.start();
    assert.equal(second.session.getSnapshot().status.reason, 'needs-console-0');
    const starting = first.session.start();
    first.loaded();
    await starting;
    const s2 = second.session.start();
    second.loaded();
    await s2;
    assert.equal(first.transport().joined.length, 1, 'console 1 opened through console 0');
    first.session.dispose();
    second.session.dispose();
  });
});

describe("a session's builds", () => {
  const files: SourceFile[] = [{ name: 'ioctl_example.c', text: 'int x;' }];

  test('a build goes out with an id of its own; its frames reach the caller, and the terminal says what arrived, unacknowledged', async () => {
    const { r, t } = await readyRig();
    assert.equal(r.session.getSnapshot().canBuild, true);
    const heard: BuildFrame[] = [];
    assert.equal(r.session.build(files, (f) => heard.push(f)), true);
    assert.deepEqual(t.builds, [{ id: 1, files }]);
    t.buildFrame({ id: 1, state: 'building' });
    t.buildFrame({ id: 7, state: 'done' });
    t.buildFrame({ id: 1, state: 'done', delivered: [{ path: '/lab/ioctl/ioctl_example.ko', size: 9, sha256: 'a', changed: true }, { path: '/lab/ioctl/user_program', size: 9, sha256: 'b', changed: false }] });
    assert.deepEqual(heard.map((f) => f.state), ['building', 'done'], 'only its own frames, and the end');
    assert.match(r.terminal.written, /\[build\] in \/lab\/ioctl: ioctl_example\.ko, user_program \(unchanged\)/);
    await sleep(ACK_DELAY_MS + 50);
    assert.deepEqual(t.acks, [], "the page's own line is not the guest's output");
    t.buildFrame({ id: 1, state: 'done' });
    assert.equal(heard.length, 2, 'an ended build hears nothing more');
    // Another lesson's files name their lesson; the terminal's own do not need to.
    r.session.build(files, () => undefined, 'sysfs');
    r.session.build(files, () => undefined, 'ioctl');
    assert.deepEqual(t.builds.slice(1).map((b) => b.lesson), ['sysfs', undefined]);
  });

  test('no build before the lab is ready, nor on a lab that cannot build (the tab)', async () => {
    const { r, t } = await readyRig(false);
    assert.equal(r.session.getSnapshot().canBuild, false);
    assert.equal(r.session.build(files, () => undefined), false);
    t.build = undefined;
    t.status({ state: 'ready' });
    assert.equal(r.session.getSnapshot().canBuild, false);
    assert.equal(r.session.build(files, () => undefined), false);
    assert.deepEqual(t.builds, []);
  });

  test('a build under way when the connection drops ends, refused, instead of waiting for ever', async () => {
    const { r, t } = await readyRig();
    const heard: BuildFrame[] = [];
    r.session.build(files, (f) => heard.push(f));
    t.status({ state: 'disconnected' });
    assert.deepEqual(heard.map((f) => [f.state, f.reason]), [['refused', 'no-vm']]);
  });
});

describe('the page registry', () => {
  test('Run buttons find the page terminal by console', () => {
    const a = rig();
    const b = rig({ console: 1 });
    const offA = registerSession(a.session);
    const offB = registerSession(b.session);
    assert.equal(findSession('ioctl', 0), a.session);
    assert.ok(hasPageConsole(1));
    assert.ok(runInPageConsole('echo hi', 0));
    assert.ok(a.session.getSnapshot().started, 'a Run starts the lab');
    offA();
    offB();
    assert.ok(!hasPageConsole(0));
    assert.equal(runInPageConsole('echo hi'), false);
    a.session.dispose();
    b.session.dispose();
  });
});

/** A socket that records what the transport sends, as JSON, and lets the test play the server. */
class FakeSocket extends SharedFakeSocket<ClientFrame> {
  constructor(url: string) {
    super(url, (raw) => JSON.parse(raw) as ClientFrame);
  }
}

describe('the WebSocket transport', () => {
  function transport(opts: { token?: string; console?: 0 | 1 } = {}) {
    const sockets: FakeSocket[] = [];
    const statuses: LabStatus[] = [];
    let output = '';
    const t = new WebSocketTransport({
      lesson: 'ioctl',
      console: opts.console ?? 0,
      url: labSocketUrl({ protocol: 'https:', host: 'lab.example.org' }),
      token: () => opts.token,
      events: { output: (d) => (output += d), status: (s) => statuses.push(s) },
      socket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
    });
    return { t, sockets, statuses, output: () => output };
  }

  test('says hello in the current protocol, with the token, on the page origin', () => {
    const { t, sockets } = transport({ token: 'tok-123456789012345' });
    t.open(80, 24);
    const s = sockets[0]!;
    assert.equal(s.url, 'wss://lab.example.org/lab/ws');
    s.accept();
    assert.deepEqual(s.sent, [{ type: 'hello', v: PROTOCOL_VERSION, lesson: 'ioctl', console: 0, cols: 80, rows: 24, token: 'tok-123456789012345' }]);
  });

  test('reconnects with resume to the session it had', () => {
    const { t, sockets, statuses } = transport();
    t.open(80, 24);
    sockets[0]!.accept();
    sockets[0]!.frame({ type: 'status', state: 'ready', session: 'S'.repeat(24), console: 0, resumed: false });
    sockets[0]!.drop(1006, '');
    assert.equal(statuses.at(-1)?.state, 'disconnected');
    t.open(90, 30);
    sockets[1]!.accept();
    assert.equal((sockets[1]!.sent[0] as { resume?: string }).resume, 'S'.repeat(24));
  });

  test('cuts a big paste into frames the server takes', () => {
    const { t, sockets } = transport();
    t.open(80, 24);
    sockets[0]!.accept();
    t.input('p'.repeat(2 * INPUT_CHUNK_CHARS + 5));
    const inputs = sockets[0]!.sent.filter((f) => f.type === 'input') as { data: string }[];
    assert.deepEqual(inputs.map((f) => f.data.length), [INPUT_CHUNK_CHARS, INPUT_CHUNK_CHARS, 5]);
  });

  test('a refusal is one status with its reason; the close after it adds nothing', () => {
    const { t, sockets, statuses } = transport();
    t.open(80, 24);
    sockets[0]!.accept();
    sockets[0]!.frame({ type: 'status', state: 'error', reason: 'token-bad', message: 'wrong access token' });
    sockets[0]!.drop(1008, 'token-bad');
    assert.deepEqual(statuses.slice(1), [{ state: 'error', reason: 'token-bad', message: 'wrong access token' }]);
  });

  test('a close without a status gives disconnected, with the reason code of the close', () => {
    const { t, sockets, statuses } = transport();
    t.open(80, 24);
    sockets[0]!.accept();
    sockets[0]!.drop(1008, 'bad-frame: hello sent twice');
    assert.deepEqual(statuses.at(-1), { state: 'disconnected', reason: 'bad-frame', message: 'bad-frame: hello sent twice' });
  });

  test('drops frames of the wrong shape', () => {
    const { t, sockets, statuses, output } = transport();
    t.open(80, 24);
    sockets[0]!.accept();
    for (const f of ['not json', '[]', { type: 'output', data: 5 }, { type: 'status', state: 'pwned' }, { type: 'x' }]) sockets[0]!.frame(f);
    sockets[0]!.frame({ type: 'output', data: 'ok' });
    assert.equal(output(), 'ok');
    assert.equal(statuses.length, 1, 'only the connecting status');
  });

  test('keeps at most a window of input on its way, and a Ctrl-C throws away the rest and goes first', () => {
    const { t, sockets } = transport();
    t.open(80, 24);
    const s = sockets[0]!;
    s.accept();
    const inputs = (): string[] => s.sent.filter((f) => f.type === 'input').map((f) => (f as { data: string }).data);
    t.input('p'.repeat(100 * 1024));
    assert.equal(inputs().join('').length, INPUT_WINDOW_CHARS, 'a window, no more');
    s.frame({ type: 'taken', chars: 1000 });
    assert.equal(inputs().join('').length, INPUT_WINDOW_CHARS + 1000, 'more as the guest takes it');
    t.input(`${INTERRUPT}`);
    assert.equal(inputs().at(-1), INTERRUPT, 'Ctrl-C goes out into a full window');
    s.frame({ type: 'taken', chars: INPUT_WINDOW_CHARS });
    assert.deepEqual(inputs().slice(-1), [INTERRUPT], 'what was held is gone');
  });

  test('a second console needs the session of the first, and joins it', () => {
    const { t, sockets } = transport();
    const events = { output: () => undefined, status: () => undefined };
    assert.equal(t.openConsole(1, events), undefined);
    t.open(80, 24);
    sockets[0]!.accept();
    sockets[0]!.frame({ type: 'status', state: 'ready', session: 'Q'.repeat(24) });
    const second = t.openConsole(1, events)!;
    second.open(70, 20);
    sockets[1]!.accept();
    assert.deepEqual(sockets[1]!.sent[0], { type: 'hello', v: PROTOCOL_VERSION, lesson: 'ioctl', console: 1, cols: 70, rows: 20, resume: 'Q'.repeat(24) });
  });
});

describe("the tab's build client (its lab server builds, the tab's VM takes the files)", () => {
  const files: SourceFile[] = [{ name: 'ioctl_example.c', text: 'int x;' }];
  const client = (token?: string): { sockets: FakeSocket[]; c: TabBuildClient } => {
    const sockets: FakeSocket[] = [];
    const c = new TabBuildClient({
      url: 'ws://lab.test/lab/ws',
      token: () => token,
      available: () => true,
      socket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
    });
    return { sockets, c };
  };

  test('one connection per build: a hello for the tab with the token, the build, frames relayed until the end, then closed', () => {
    const { sockets, c } = client('tok-123456789012345');
    const got: BuildFrame[] = [];
    c.request('ioctl', 7, files, (f) => got.push(f));
    const s = sockets[0]!;
    s.accept();
    assert.deepEqual(s.sent, [
      { type: 'hello', v: PROTOCOL_VERSION, lesson: 'ioctl', console: 0, cols: 80, rows: 24, target: 'tab', token: 'tok-123456789012345' },
      { type: 'build', id: 7, lesson: 'ioctl', files },
    ]);
    s.frame({ type: 'build', id: 7, state: 'building' });
    s.frame({ type: 'build', id: 8, state: 'done' }); // not this build's
    assert.equal(s.closedWith, undefined);
    const file = { path: '/lab/ioctl/ioctl_example.ko', size: 1, sha256: 'a'.repeat(64), mode: 0o644, base64: 'eA==' };
    s.frame({ type: 'build', id: 7, state: 'done', files: [file] });
    assert.deepEqual(got.map((f) => f.state), ['building', 'done']);
    assert.deepEqual(got[1]?.files, [file]);
    assert.ok(s.closedWith !== undefined, 'closed after the end');
    s.drop(1000, '');
    assert.equal(got.length, 2, 'the close after the end says nothing more');
  });

  test('a refused hello or a dropped connection ends the build refused, with why', () => {
    const { sockets, c } = client();
    const got: BuildFrame[] = [];
    c.request('ioctl', 1, files, (f) => got.push(f));
    sockets[0]!.accept();
    sockets[0]!.frame({ type: 'status', state: 'error', reason: 'token-required', message: 'this lab server needs an access token' });
    c.request('ioctl', 2, files, (f) => got.push(f));
    sockets[1]!.drop(1006, '');
    assert.deepEqual(
      got.map((f) => [f.id, f.state, f.reason, f.message]),
      [
        [1, 'refused', 'unavailable', 'this lab server needs an access token'],
        [2, 'refused', 'unavailable', 'the lab server closed the connection'],
      ],
    );
  });
});
