/*
 * The lab VM in the reader's own tab: v86 runs the i386 lab
 * (lab/tab/layout.ts) on the page, and this transport carries its consoles
 * the way the WebSocket transport carries a lab server's. Nothing is loaded
 * until open(): then the tab lab's manifest, v86 (a chunk of its own), its
 * wasm, the BIOS and the saved machine are fetched, the machine is restored
 * and told the lesson, and the shell's prompt makes the lab ready. A reset
 * restores the same state into a new emulator; a state that cannot be had
 * (download failed, restore threw) means a cold boot of the kernel instead,
 * whose own state then serves the resets.
 *
 * No React and no DOM here, and v86, fetch and the wasm compiler are passed
 * in, so the tests run it in Node with a fake emulator.
 */
import type {BuildFrame, ConsoleIndex, SourceFile} from '../../../lab/protocol.ts';
import {TAB_KERNEL_COMMAND_LINE, TAB_MACHINE, type TabAsset} from '../../../lab/tab/layout.ts';
import {TabMachine, type Emulator, type MachineEvent, type TabMachineOptions} from '../../../lab/tab/tab-machine.ts';
import {ConsoleTail, lastPanicReason, PROMPT_AT_END} from '../../../lab/vm/console.ts';
import {download, type FetchLike, type ResponseLike} from './download.ts';
import {browserFetch, firstLine, kitFor, tabAssetUrl, type EmulatorOptions, type Kit, type KitOptions, type Saved} from './tab-kit.ts';
import type {LabStatus, LabTransport, TransportEvents} from './transport.ts';
import type {TabBuilds} from './tab-builds.ts';

export type {EmulatorFactory, EmulatorFile, EmulatorOptions} from './tab-kit.ts';
export {loadV86, prefetchTabLab, tabAssetUrl} from './tab-kit.ts';
export {TabBuildClient} from './tab-builds.ts';
export {labSocketUrl} from '../../../lab/protocol.ts';
export type {FetchLike, ResponseLike};

export interface TabTransportOptions extends KitOptions {
  lesson: string;
  events: TransportEvents;
  /** Whether this browser has WebAssembly, without which v86 cannot run. */
  hasWebAssembly?: () => boolean;
  /** When the machine's output is handed on (TabMachine's schedule). */
  schedule?: TabMachineOptions['schedule'];
  /** How long a restored machine may take to show its prompt. */
  promptTimeoutMs?: number;
  /** How long a cold boot may take to reach /init's wait. */
  bootTimeoutMs?: number;
  /** Where learners' code is built for this VM: the page's lab server, if it has one. */
  builds?: TabBuilds;
}

function browserHasWebAssembly(): boolean {
  return typeof WebAssembly === 'object' && typeof WebAssembly.instantiate === 'function';
}

const NO_WEBASSEMBLY = 'this browser cannot run the lab: no WebAssembly';
const TAIL_LINES = 20;
/** Output of console 1 kept while no terminal shows it, as the server keeps it. */
const BACKLOG_CHARS = 64 * 1024;
/** From the constructor to v86's 'emulator-loaded' (the wasm is compiled by then). */
const LOAD_TIMEOUT_MS = 60_000;
/** About how long a cold boot takes, for its progress bar. */
const COLD_BOOT_GUESS_MS = 20_000;
/** How long the VM may take to take a build's files through its control UART. */
const PUT_TIMEOUT_MS = 60_000;

class Superseded extends Error {}

/**
 * One VM and its consoles: console 0's transport makes it and owns it,
 * console 1's joins it. Each console has at most one terminal (events).
 */
class TabLab {
  private readonly links: [TransportEvents | undefined, TransportEvents | undefined];
  private readonly sizes: [{cols: number; rows: number} | undefined, {cols: number; rows: number} | undefined] = [undefined, undefined];
  private readonly statuses: [LabStatus, LabStatus] = [{state: 'idle'}, {state: 'idle'}];
  private tails = [new ConsoleTail(), new ConsoleTail()] as const;
  private prompted: [boolean, boolean] = [false, false];
  private backlog = '';
  private machine?: TabMachine;
  /** The lesson line went to the machine: the control channel takes sizes now. */
  private lessonSent = false;
  private startTimer?: ReturnType<typeof setTimeout>;
  /** Ends the waits of the current start when another start or close() supersedes it. */
  private abort = new AbortController();
  /** Counts starts: whatever an earlier start still does is thrown away. */
  private generation = 0;
  private closed = false;
  private readonly fetch: FetchLike;

  constructor(
    private readonly opts: TabTransportOptions,
    console0: TransportEvents,
  ) {
    this.links = [console0, undefined];
    this.fetch = opts.fetch ?? browserFetch;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get isStarted(): boolean {
    return this.statuses[0].state !== 'idle';
  }

  /** Console 0's open(): start the lab, or say again where it is. */
  open(cols: number, rows: number): void {
    this.sizes[0] = {cols, rows};
    const {state} = this.statuses[0];
    if (state === 'idle' || state === 'error') {
      void this.start();
      return;
    }
    this.resize(0, cols, rows);
    this.links[0]?.status(this.statuses[0]);
  }

  attach(index: ConsoleIndex, events: TransportEvents | undefined, size?: {cols: number; rows: number}): void {
    this.links[index] = events;
    if (!events) return;
    if (size) this.resize(index, size.cols, size.rows);
    events.status(this.statuses[index]);
    if (index === 1 && this.backlog) {
      const held = this.backlog;
      this.backlog = '';
      events.output(held);
    }
  }

  detach(index: ConsoleIndex, events: TransportEvents): void {
    if (this.links[index] === events) this.links[index] = undefined;
  }

  private status(index: ConsoleIndex, status: LabStatus): void {
    this.statuses[index] = status;
    this.links[index]?.status(status);
  }

  private broadcast(status: LabStatus): void {
    this.status(0, status);
    this.status(1, status);
  }

  input(index: ConsoleIndex, data: string): void {
    if (this.statuses[index].state !== 'ready') return;
    this.machine?.input(index, data);
  }

  get canBuild(): boolean {
    return this.opts.builds?.available() ?? false;
  }

  /**
   * Build on the page's lab server and put what it built into this VM,
   * reporting to console 0's terminal as a lab server's own builds do:
   * `delivered` says what the VM has now. A VM reset meanwhile is a new
   * machine: the files were for the old one, and the put says it ended.
   */
  build(id: number, files: SourceFile[], lesson?: string): boolean {
    const {builds} = this.opts;
    const machine = this.machine;
    if (!builds?.available() || !machine || this.statuses[0].state !== 'ready') return false;
    const report = (frame: BuildFrame): void => this.links[0]?.build?.(frame);
    builds.request(lesson ?? this.opts.lesson, id, files, (frame) => {
      const built = frame.state === 'done' ? frame.files : undefined;
      if (!built) return report(frame);
      const {files: _files, ...rest} = frame;
      machine.put(built, PUT_TIMEOUT_MS).then(
        (sent) => report({...rest, delivered: built.map((f) => ({path: f.path, size: f.size, sha256: f.sha256, changed: sent.includes(f.path)}))}),
        (e: unknown) =>
          report({...rest, state: 'refused', reason: 'delivery-failed', message: `built, but your VM did not take the files: ${(e as Error).message}`}),
      );
    });
    return true;
  }

  resize(index: ConsoleIndex, cols: number, rows: number): void {
    this.sizes[index] = {cols, rows};
    // Before the lesson line, the size goes with it (console 0) or right after it (console 1).
    if (this.lessonSent) this.machine?.resize(index, cols, rows);
  }

  /** Throw the VM away and start another one from the kept state. */
  reset(): void {
    if (this.closed) return;
    void this.start();
  }

  private async dropMachine(): Promise<void> {
    const m = this.machine;
    this.machine = undefined;
    this.lessonSent = false;
    if (m) await m.destroy().catch(() => undefined);
  }

  private check(gen: number): void {
    if (gen !== this.generation || this.closed) throw new Superseded();
  }

  /** `p`, unless it takes more than `ms` or this start is superseded. */
  private wait<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    const signal = this.abort.signal;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(() => reject(new Error(`${what} in ${ms / 1000} s`))), ms);
      const aborted = (): void => finish(() => reject(new Superseded()));
      const finish = (f: () => void): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', aborted);
        f();
      };
      if (signal.aborted) return aborted();
      signal.addEventListener('abort', aborted);
      p.then(
        (v) => finish(() => resolve(v)),
        (e: unknown) => finish(() => reject(e)),
      );
    });
  }

  /** Whatever the current start still does is superseded. */
  private supersede(): number {
    this.abort.abort();
    this.abort = new AbortController();
    clearTimeout(this.startTimer);
    this.startTimer = undefined;
    return ++this.generation;
  }

  /** The page's kit (tab-kit.ts), its progress said while this start waits for it. */
  private async loadKit(): Promise<Kit> {
    const load = kitFor(this.opts);
    const unwatch = load.watch((progress) => {
      if (!this.closed && this.statuses[0].state === 'booting') this.broadcast({state: 'booting', progress});
    });
    try {
      return await load.kit;
    } finally {
      unwatch();
    }
  }

  /** A new emulator, once v86 says it is loaded; not running. */
  private async newEmulator(gen: number, kit: Kit, cold?: {kernel: ArrayBuffer; initrd: ArrayBuffer}): Promise<Emulator> {
    let failed: (e: unknown) => void = () => undefined;
    const failure = new Promise<never>((_, reject) => (failed = reject));
    const options: EmulatorOptions = {
      ...TAB_MACHINE,
      // The module compiled once, instantiated for each emulator: a reset compiles nothing.
      wasm_fn: (imports) =>
        WebAssembly.instantiate(kit.wasm, imports).then(
          (instance) => instance.exports,
          (e: unknown) => {
            failed(e);
            throw e;
          },
        ),
      bios: {buffer: kit.bios},
    };
    if (cold) {
      options.bzimage = {buffer: cold.kernel};
      options.initrd = {buffer: cold.initrd};
      options.cmdline = TAB_KERNEL_COMMAND_LINE;
    }
    const emulator = kit.create(options);
    const loaded = new Promise<Emulator>((resolve) => {
      const done = (): void => {
        emulator.remove_listener('emulator-loaded', done);
        resolve(emulator);
      };
      emulator.add_listener('emulator-loaded', done);
    });
    try {
      await this.wait(Promise.race([loaded, failure]), LOAD_TIMEOUT_MS, 'v86 did not load');
    } catch (e) {
      await Promise.resolve(emulator.destroy()).catch(() => undefined);
      throw e;
    }
    if (gen !== this.generation || this.closed) {
      await emulator.destroy();
      throw new Superseded();
    }
    return emulator;
  }

  /** A TabMachine on `emulator`, its events wired to this lab. */
  private adopt(gen: number, emulator: Emulator): TabMachine {
    const machine = new TabMachine(emulator, this.opts.schedule ? {schedule: this.opts.schedule} : {});
    machine.on((e) => this.onMachine(gen, e));
    watchCrash(emulator, () => this.ended(gen));
    this.machine = machine;
    return machine;
  }

  private async start(): Promise<void> {
    const gen = this.supersede();
    this.tails = [new ConsoleTail(), new ConsoleTail()];
    this.prompted = [false, false];
    this.backlog = '';
    this.broadcast({state: 'booting', progress: 0});
    await this.dropMachine();
    try {
      this.check(gen);
      if (!(this.opts.hasWebAssembly ?? browserHasWebAssembly)()) {
        this.broadcast({state: 'error', reason: 'no-webassembly', message: NO_WEBASSEMBLY});
        return;
      }
      let kit: Kit;
      try {
        kit = await this.loadKit();
      } catch (e) {
        this.check(gen);
        this.broadcast({state: 'error', reason: 'load-failed', message: `the lab's files could not be loaded: ${firstLine(e)}`});
        return;
      }
      this.check(gen);
      // The emulator is made while the state still downloads and unpacks.
      const made = this.newEmulator(gen, kit);
      made.catch(() => undefined);
      let saved: Saved;
      try {
        saved = await this.wait(kit.saved, LOAD_TIMEOUT_MS, 'the saved lab did not arrive');
      } catch (e) {
        // Superseded (or no state in time): the emulator made meanwhile is not wanted.
        void made.then((em) => em.destroy(), () => undefined);
        throw e;
      }
      const emulator = await made;
      if (saved.state) {
        const machine = this.adopt(gen, emulator);
        try {
          await machine.restore(saved.state);
        } catch (e) {
          this.check(gen);
          await this.dropMachine();
          kit.saved = Promise.resolve({error: `it did not restore (${firstLine(e)})`});
        }
      } else {
        await Promise.resolve(emulator.destroy()).catch(() => undefined);
      }
      this.check(gen);
      if (!this.machine) await this.coldBoot(gen, kit, (await kit.saved).error);
      this.check(gen);
      const machine = this.machine;
      if (!machine) return;
      const size = this.sizes[0] ?? {cols: 80, rows: 24};
      machine.enterLesson(this.opts.lesson, size.cols, size.rows);
      this.lessonSent = true;
      const second = this.sizes[1];
      if (second) machine.resize(1, second.cols, second.rows);
      this.watchStart(gen);
    } catch (e) {
      if (e instanceof Superseded) return;
      await this.dropMachine();
      if (gen !== this.generation || this.closed) return;
      this.broadcast({state: 'exited', reason: 'start-failed', message: `the lab VM did not start: ${firstLine(e)}`, tail: this.tails[0].lines(TAIL_LINES)});
    }
  }

  /**
   * No saved state to restore: boot the kernel (slow), and keep the state
   * of the booted machine for the resets, as the build saves it.
   */
  private async coldBoot(gen: number, kit: Kit, error: string | undefined): Promise<void> {
    const why = error ?? 'it could not be had';
    const message = `the saved lab could not be used (${why}); booting the VM from scratch, which takes longer`;
    this.broadcast({state: 'booting', progress: 0, reason: 'cold-boot', message});
    this.links[0]?.output(`\r\n[lab] ${message}.\r\n`);
    const total = kit.manifest.kernel.bytes + kit.manifest.initrd.bytes;
    let loaded = 0;
    const onBytes = (n: number): void => {
      loaded += n;
      if (gen === this.generation) this.broadcast({state: 'booting', progress: (0.5 * loaded) / total, reason: 'cold-boot', message});
    };
    const get = (asset: TabAsset): Promise<ArrayBuffer> =>
      download(this.fetch, tabAssetUrl(this.opts.baseUrl, kit.manifest[asset].file), kit.manifest[asset].bytes, onBytes);
    const [kernel, initrd] = await Promise.all([get('kernel'), get('initrd')]);
    this.check(gen);
    const emulator = await this.newEmulator(gen, kit, {kernel, initrd});
    const machine = this.adopt(gen, emulator);
    const ready = machine.snapshotReady();
    await machine.boot();
    // The boot's length is not known: the bar creeps on, slower and slower.
    const booted = Date.now();
    const creep = setInterval(() => {
      const p = 0.5 + 0.45 * (1 - Math.exp(-(Date.now() - booted) / COLD_BOOT_GUESS_MS));
      if (gen === this.generation) this.broadcast({state: 'booting', progress: p, reason: 'cold-boot', message});
    }, 1000);
    try {
      await this.wait(ready, this.opts.bootTimeoutMs ?? 300_000, 'the kernel did not boot to the lab');
    } finally {
      clearInterval(creep);
    }
    this.check(gen);
    const state = await machine.save();
    this.check(gen);
    kit.saved = Promise.resolve({state});
    await machine.boot();
    this.broadcast({state: 'booting', progress: 1});
  }

  /** Console 0 is ready at its prompt (onMachine); if it is not there in time, the start failed. */
  private watchStart(gen: number): void {
    const timeout = this.opts.promptTimeoutMs ?? 60_000;
    this.startTimer = setTimeout(() => {
      this.startTimer = undefined;
      if (gen !== this.generation || this.closed || this.statuses[0].state !== 'booting') return;
      void this.dropMachine();
      this.broadcast({
        state: 'exited',
        reason: 'start-failed',
        message: `the lab's shell did not answer in ${timeout / 1000} s`,
        tail: this.tails[0].lines(TAIL_LINES),
      });
    }, timeout);
  }

  private onMachine(gen: number, e: MachineEvent): void {
    if (gen !== this.generation || this.closed) return;
    if (e.type === 'output') {
      const index = e.console;
      this.tails[index].push(e.data);
      const link = this.links[index];
      if (link) link.output(e.data);
      else if (index === 1) this.backlog = (this.backlog + e.data).slice(-BACKLOG_CHARS);
      if (!this.prompted[index] && this.lessonSent && PROMPT_AT_END.test(this.tails[index].get(256))) {
        this.prompted[index] = true;
        // Console 1's shell may come up before console 0's: it waits for the machine to be ready.
        if (index === 0) {
          clearTimeout(this.startTimer);
          this.startTimer = undefined;
        }
        if (index === 0 || this.statuses[0].state === 'ready') this.status(index, {state: 'ready'});
        if (index === 0 && this.prompted[1]) this.status(1, {state: 'ready'});
      }
    } else if (e.type === 'panic') {
      // A start still waiting (a cold boot's /init) waits no more.
      this.abort.abort();
      const tail = this.tails[0].lines(TAIL_LINES);
      const reason = lastPanicReason(tail);
      this.broadcast({state: 'panic', reason: 'panic', message: reason ? `Kernel panic: ${reason}` : 'the kernel panicked', tail});
    } else if (e.type === 'exit') {
      this.ended(gen);
    }
  }

  /**
   * The VM is over: its main shell ended (exit, poweroff; /init says so and
   * the machine stops), or v86 could not go on (watchCrash). A reset gives
   * a new one.
   */
  private ended(gen: number): void {
    if (gen !== this.generation || this.closed) return;
    const {state} = this.statuses[0];
    if (state === 'panic' || state === 'exited') return;
    const tail = this.tails[0].lines(TAIL_LINES);
    this.abort.abort();
    clearTimeout(this.startTimer);
    void this.dropMachine();
    if (state === 'booting') {
      this.broadcast({state: 'exited', reason: 'start-failed', message: 'the lab VM stopped while starting', tail});
    } else {
      this.broadcast({state: 'exited', reason: 'poweroff', message: 'its shell exited', tail});
    }
  }

  /** Console 0's terminal is gone: so is the lab. */
  close(): void {
    this.closed = true;
    this.supersede();
    this.links[0] = this.links[1] = undefined;
    void this.dropMachine();
  }

  /** @internal for tests: the machine in use. */
  get currentMachine(): TabMachine | undefined {
    return this.machine;
  }
}

/** v86's main loop (src/main.js), as far as watchCrash needs it. */
interface MainLoop {
  do_tick?: () => void;
  next_tick?: (t: number) => void;
  stop?: () => void;
}

/**
 * v86 throws out of its main loop when the guest does what it cannot
 * emulate: a reboot by triple fault (reboot=t) makes it panic
 * ("Unimplemented: #GP handler"). /init says "exit" before the VM ends, and
 * TabMachine stops it then, but should the guest get there first, the loop
 * would never run again, and the emulator could neither go on nor stop.
 * Catch that, stop the loop cleanly (so destroy() can finish) and say so.
 */
function watchCrash(emulator: Emulator, crashed: (e: unknown) => void): void {
  const loop = emulator.v86 as unknown as MainLoop;
  const tick = loop.do_tick;
  if (typeof tick !== 'function' || typeof loop.next_tick !== 'function' || typeof loop.stop !== 'function') return;
  loop.do_tick = function (this: MainLoop) {
    try {
      tick.call(this);
    } catch (e) {
      // A stopping loop's next tick says "stopped" and ends.
      loop.stop?.();
      loop.next_tick?.(0);
      crashed(e);
    }
  };
}

/** Console 0 of a lab in this tab: it makes the VM, which console 1 then joins. */
export class TabTransport implements LabTransport {
  private readonly lab: TabLab;

  constructor(opts: TabTransportOptions) {
    this.lab = new TabLab(opts, opts.events);
  }

  open(cols: number, rows: number): void {
    if (this.lab.isClosed) return;
    this.lab.open(cols, rows);
  }

  input(data: string): void {
    this.lab.input(0, data);
  }

  resize(cols: number, rows: number): void {
    this.lab.resize(0, cols, rows);
  }

  reset(): void {
    this.lab.reset();
  }

  build(id: number, files: SourceFile[], lesson?: string): boolean {
    return this.lab.build(id, files, lesson);
  }

  canBuild(): boolean {
    return this.lab.canBuild;
  }

  /** Output needs no acknowledging: nothing is in flight between the VM and the terminal. */
  ack(): void {}

  openConsole(index: ConsoleIndex, events: TransportEvents): LabTransport | undefined {
    if (index === 0 || this.lab.isClosed || !this.lab.isStarted) return undefined;
    return new TabConsoleTransport(this.lab, index, events);
  }

  close(): void {
    this.lab.close();
  }

  /** @internal for tests. */
  get machine(): TabMachine | undefined {
    return this.lab.currentMachine;
  }
}

/** Another console of a tab lab's VM (the page's second terminal). */
class TabConsoleTransport implements LabTransport {
  private closed = false;

  constructor(
    private readonly lab: TabLab,
    private readonly index: ConsoleIndex,
    private readonly events: TransportEvents,
  ) {}

  open(cols: number, rows: number): void {
    if (this.closed) return;
    if (this.lab.isClosed) {
      this.events.status({state: 'disconnected', reason: 'session-over', message: 'the first terminal of this page was closed'});
      return;
    }
    this.lab.attach(this.index, this.events, {cols, rows});
  }

  input(data: string): void {
    if (!this.closed) this.lab.input(this.index, data);
  }

  resize(cols: number, rows: number): void {
    if (!this.closed) this.lab.resize(this.index, cols, rows);
  }

  /** The VM is console 0's to reset. */
  reset(): void {}

  ack(): void {}

  openConsole(): LabTransport | undefined {
    return undefined;
  }

  close(): void {
    this.closed = true;
    this.lab.detach(this.index, this.events);
  }
}
