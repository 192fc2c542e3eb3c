// The lab server: one HTTP server on one origin serving the built site and
// the lab WebSocket (/lab/ws), a pool of booted VMs, and the sessions.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { BuildQueue } from '../build/build-queue.ts';
import { BuildService } from '../build/build-service.ts';
import { LessonBuilder } from '../build/lesson-build.ts';
import { sandboxProblem } from '../build/sandbox.ts';
import { hostToolchain, type Toolchain } from '../builder/image.ts';
import type { LabKernel } from '../builder/kernel.ts';
import type { Lab } from '../builder/lab.ts';
import type { TabLab } from '../builder/tab-lab.ts';
import { handleConnection } from './connection.ts';
import { siteHandler } from './http.ts';
import type { Limits } from './limits.ts';
import { tryKvm } from '../vm/boot.ts';
import type { LabVM } from '../vm/lab-vm.ts';
import type { Accel } from '../vm/qemu.ts';
import { QemuMachine, QemuMachines, vmOptions, type MachineSpec } from './lab-machine.ts';
import { ensureSnapshot } from '../builder/snapshot.ts';
import type { SavedState } from '../vm/lab-vm.ts';
import { readableVMFiles, UNPRIVILEGED } from '../vm/unprivileged.ts';
import { clientAddress, isLoopback, originPolicy, refuseUpgrade, refuseHost } from './origin.ts';
import { LabMetrics } from './metrics.ts';
import { MachinePool } from './pool.ts';
import { probeHandler } from './probes.ts';
import { instructorHandler, isInstructor } from './instructor.ts';
import { handleInstructorConnection, PEER_HEADER } from './instructor-connection.ts';
import { WorkshopPeers } from './peers.ts';
import { Classroom, type ClassroomOptions } from './classroom.ts';
import { DEFAULT_STUCK_AFTER_MS, INSTRUCTOR_SOCKET_PATH } from '../instructor-protocol.ts';
import { openWorkshopStore } from './open-store.ts';
import { LAB_SOCKET_PATH, LAB_STATUS_PATH, MAX_BUILD_FRAME_BYTES, MIN_TOKEN_LENGTH, type SolutionsVisibility, type StartKind } from '../protocol.ts';
import { SessionRegistry } from './sessions.ts';
import { AuthThrottle, ConnectionGate } from './gate.ts';
import { quote, RateLimitedLog } from './log.ts';

export interface LabServerOptions {
  lab: Lab;
  /** The i386 lab the site's pages run in the tab: with it, the server builds learners' code for those VMs too. */
  tabLab?: Pick<TabLab, 'kernel' | 'toolchain'>;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Access token for the hello frame; required when not bound to loopback. */
  token?: string;
  /** More origins whose pages may open a lab (e.g. behind a reverse proxy). */
  allowOrigins?: string[];
  limits: Limits;
  siteRoot: string;
  /** kvm is an opt-in, probed once at start: TCG (the default) when it does not boot in time. */
  accel?: Accel;
  /** The site's pages hide the exercises' reference solutions (a workshop); its status says so. */
  hideSolutions?: boolean;
  /** A bearer token that opens /metrics to a scraper from any Host (lab/server/probes.ts). */
  metricsToken?: string;
  /**
   * Keep the workshop's progress, per learner, in this SQLite file or the
   * PostgreSQL database of this postgres:// URL (open-store.ts); none by default.
   */
  progressDb?: string;
  /**
   * The instructor's token, for /instructor (instructor.ts): not the
   * learners' `token`. Without progressDb, the workshop's progress is kept
   * in memory for the instructor's view.
   */
  instructorToken?: string;
  /** This server's name in a store shared by several (the pod's name); the host name by default. */
  serverName?: string;
  /**
   * Where the workshop's other servers reach this one, for an instructor on
   * one of them who watches, resets or messages a learner here (peers.ts):
   * http://<pod IP>:<port>; 'self' takes the server's own URL.
   */
  peerUrl?: string;
  /** The instructor's grid flags a learner with no progress for this long. */
  stuckAfterMs?: number;
  /**
   * Start VMs from a saved state of a booted one (lab/builder/snapshot.ts),
   * made at the first start and cached: true by default; false boots each.
   */
  snapshot?: boolean;
  /**
   * The server is behind a reverse proxy (an Ingress) that appends the
   * client's address to X-Forwarded-For: the per-address limits count that
   * address, not the proxy's. Never set it for a server clients reach directly.
   */
  trustProxy?: boolean;
  /** Run each QEMU as a user and group of its own (lab/vm/unprivileged.ts); the default when the server runs as root. */
  dropPrivileges?: boolean;
  log?: (message: string) => void;
}

export interface LabServer {
  url: string;
  port: number;
  registry: SessionRegistry;
  pool: MachinePool;
  metrics: LabMetrics;
  /** How the next VM comes up: restored from the snapshot, or booted. */
  readonly starts: StartKind;
  close(): Promise<void>;
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 1}\r\n\r\n${text}\n`);
}

/*
 * One KVM boot, exactly as the pool will start its VMs (same user, same
 * files), through the same probe as the CLI (lab/vm/boot.ts): either the
 * server says KVM works, or it says why every VM runs under TCG.
 */
/** The snapshot for the server's VMs, or undefined (and why, logged): they boot then. */
async function snapshotFor(spec: MachineSpec, log: (m: string) => void): Promise<SavedState | undefined> {
  try {
    return await ensureSnapshot(vmOptions(spec), { say: (m) => log(`lab server: ${m}`) });
  } catch (e) {
    log(`lab server: no snapshot to start VMs from (${(e as Error).message.split('\n')[0]}); each VM boots`);
    return undefined;
  }
}

async function probeKvm(spec: MachineSpec, log: (m: string) => void): Promise<Accel> {
  const start = (bootTimeoutMs: number): LabVM => new QemuMachine({ ...spec, accel: 'kvm', bootTimeoutMs }).vm;
  const vm = await tryKvm(start, (m) => log(`lab server: ${m}`));
  if (!vm) return 'tcg';
  await vm.stop();
  log('lab server: KVM works; every VM uses it');
  return 'kvm';
}

export async function startLabServer(opts: LabServerOptions): Promise<LabServer> {
  const log = opts.log ?? ((m: string) => console.error(m));
  if (!isLoopback(opts.host) && !opts.token) {
    throw new Error('lab server: binding to a non-loopback address needs an access token');
  }
  if (opts.token !== undefined && opts.token.length < MIN_TOKEN_LENGTH) {
    throw new Error(`lab server: an access token needs at least ${MIN_TOKEN_LENGTH} characters (a random one is made when none is given)`);
  }
  if (opts.metricsToken !== undefined && opts.metricsToken.length < MIN_TOKEN_LENGTH) {
    throw new Error(`lab server: a metrics token needs at least ${MIN_TOKEN_LENGTH} characters`);
  }
  if (opts.instructorToken !== undefined && opts.instructorToken.length < MIN_TOKEN_LENGTH) {
    throw new Error(`lab server: an instructor token needs at least ${MIN_TOKEN_LENGTH} characters`);
  }
  if (opts.instructorToken !== undefined && opts.instructorToken === opts.token) {
    throw new Error("lab server: the instructor token must not be the learners' access token");
  }
  const { limits } = opts;
  // Opened first: a file the server cannot open stops it before any VM starts.
  const progress =
    opts.progressDb !== undefined
      ? await openWorkshopStore(opts.progressDb, log)
      : opts.instructorToken !== undefined
        ? await openWorkshopStore(':memory:')
        : undefined;
  const drop = opts.dropPrivileges ?? process.getuid?.() === 0;
  const files = drop ? readableVMFiles({ kernel: opts.lab.kernel.bootImage, initrd: opts.lab.image.initramfs }) : undefined;
  const spec: MachineSpec = {
    kernel: files?.kernel ?? opts.lab.kernel.bootImage,
    initrd: files?.initrd ?? opts.lab.image.initramfs,
    memoryMib: limits.vmMemoryMib,
    extraConsoles: limits.extraConsoles,
    runAs: drop ? UNPRIVILEGED : undefined,
    channel: { marks: { high: limits.highWatermark, low: limits.lowWatermark }, inputLimit: limits.inputQueue },
    // Under load (many VMs on few cores) a boot takes longer than alone.
    bootTimeoutMs: 60_000,
  };
  if (opts.accel === 'kvm') spec.accel = await probeKvm(spec, log);
  // Read at each scrape, by when every part below exists.
  const metrics: LabMetrics = new LabMetrics({
    sessions: () => registry.byState(),
    maxSessions: limits.maxSessions,
    pool: () => pool.stats,
    room: () => registry.room,
    connections: () => gate.stats,
    builds: () => (typeof builds === 'string' ? undefined : queue.stats),
  });
  const machines = new QemuMachines(spec, opts.snapshot === false ? undefined : await snapshotFor(spec, log), log);
  const pool: MachinePool = new MachinePool(machines.make, { size: limits.poolSize, maxBooting: limits.maxBooting, events: metrics });
  const registry = new SessionRegistry(pool, limits, undefined, metrics);
  const serverName = opts.serverName ?? hostname();
  // The peer URL 'self' is known once the port is: set below, before the first tick.
  const classroomOptions: ClassroomOptions = { server: serverName, stuckAfterMs: opts.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS, tickMs: 1000, log };
  const peers = progress && opts.instructorToken !== undefined ? new WorkshopPeers(progress, serverName, opts.instructorToken) : undefined;
  const classroom = progress ? new Classroom(registry, progress, classroomOptions, peers) : undefined;
  // Learners' builds: against the lab kernel's tree with the image's
  // compiler, in a sandbox, under the same user scheme as QEMU.
  const noBuilds = limits.buildSlots === 0 ? 'this lab server does not build code (its build-slots is 0)' : sandboxProblem();
  if (noBuilds && limits.buildSlots > 0) log(`lab server: ${noBuilds}; the Build button will say so`);
  // One queue for both: a build for the tab takes a slot like any other.
  const queue = new BuildQueue(Math.max(1, limits.buildSlots));
  const service = (toolchain: Toolchain, kernel: LabKernel): BuildService =>
    new BuildService(new LessonBuilder({ toolchain, kdir: kernel.tree, kernelKey: kernel.key }, { runAs: drop ? UNPRIVILEGED : undefined }), queue);
  const builds = noBuilds ?? service(hostToolchain(), opts.lab.kernel);
  const tabBuilds = noBuilds ?? (opts.tabLab ? service(opts.tabLab.toolchain, opts.tabLab.kernel) : 'this lab server was started without the tab lab, so it cannot build for a VM in the browser');
  const lessons = new Set(opts.lab.image.info.lessons);

  let policy = originPolicy(opts.host, opts.port, opts.allowOrigins);
  const gate = new ConnectionGate(limits);
  const throttle = new AuthThrottle(limits.tokenFailuresPerMinute);
  const refusedLog = new RateLimitedLog('refused WebSocket upgrades', log);
  const tokenLog = new RateLimitedLog('wrong access tokens', log);

  const status = (req: IncomingMessage, res: ServerResponse): boolean => {
    if ((req.url ?? '').split('?')[0] !== LAB_STATUS_PATH) return false;
    // The same Host check as the upgrade: after DNS rebinding, a page on
    // another site could otherwise read the lab's counts and lessons.
    if (refuseHost(policy, req.headers.host)) {
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end('Forbidden\n');
      return true;
    }
    const solutions: SolutionsVisibility = opts.hideSolutions ? 'hidden' : 'shown';
    const body = JSON.stringify({
      sessions: registry.size,
      liveVMs: registry.liveVMs,
      maxSessions: limits.maxSessions,
      pool: pool.stats,
      connections: gate.stats,
      builds: typeof builds === 'string' ? undefined : queue.stats,
      lessons: [...lessons],
      solutions,
      starts: machines.starts,
      keepsProgress: progress !== undefined,
      instructor: opts.instructorToken !== undefined,
    });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(body);
    return true;
  };
  let shuttingDown = false;
  const probes = probeHandler({
    ready: () => !shuttingDown && registry.hasRoom(),
    metrics,
    metricsToken: opts.metricsToken,
    ownHost: (req) => !refuseHost(policy, req.headers.host),
  });
  const instructor = instructorHandler({
    token: opts.instructorToken,
    progress,
    throttle,
    address: (req) => clientAddress(req, opts.trustProxy === true),
    sameOrigin: (req) => !refuseHost(policy, req.headers.host) && (req.headers.origin === undefined || policy.origins.has(req.headers.origin.toLowerCase())),
    log,
  });
  const http = createServer(siteHandler(opts.siteRoot, (req, res) => probes(req, res) || instructor(req, res) || status(req, res)));
  // A build's sources are the largest frame; connection.ts holds every other to MAX_FRAME_BYTES.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BUILD_FRAME_BYTES, perMessageDeflate: false });

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const path = (req.url ?? '').split('?')[0];
    if (path !== LAB_SOCKET_PATH && path !== INSTRUCTOR_SOCKET_PATH) return reject(socket, 404, 'Not Found');
    const address = clientAddress(req, opts.trustProxy === true);
    const why = refuseUpgrade(policy, req.headers.origin, req.headers.host);
    if (why) {
      metrics.refused('origin');
      refusedLog.log(`lab server: refused a WebSocket upgrade from ${address}: ${why} (Origin: ${quote(req.headers.origin)}, Host: ${quote(req.headers.host)})`);
      return reject(socket, 403, 'Forbidden');
    }
    if (path === INSTRUCTOR_SOCKET_PATH) {
      if (!classroom || !isInstructor(req, opts.instructorToken)) {
        metrics.refused('instructor');
        return reject(socket, 403, 'Forbidden');
      }
      // A peer proves itself with the instructor's token, as a bearer token: a browser's cookie does not make a peer.
      const fromPeer = req.headers[PEER_HEADER] === '1' && req.headers.authorization !== undefined;
      wss.handleUpgrade(req, socket, head, (ws) => handleInstructorConnection(ws, classroom, log, fromPeer));
      return;
    }
    const admission = gate.admit(address);
    if (typeof admission === 'string') {
      metrics.refused('connection-limit');
      refusedLog.log(`lab server: refused a WebSocket upgrade from ${address}: ${admission}`);
      return reject(socket, 503, 'Service Unavailable');
    }
    // ws aborts a bad handshake itself without calling back: the slot is freed with the socket.
    let handedOver = false;
    socket.once('close', () => handedOver || admission.closed());
    wss.handleUpgrade(req, socket, head, (ws) => {
      handedOver = true;
      handleConnection(ws, { registry, limits, token: opts.token, lessons, address, admission, throttle, tokenLog, log, builds, tabBuilds, events: metrics, progress, classroom });
    });
  });
  http.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  // Port 0 became a real port: the policy must name it.
  policy = originPolicy(opts.host, port, opts.allowOrigins);
  pool.start();
  const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  const url = `http://${shownHost}:${port}`;
  if (opts.peerUrl !== undefined) classroomOptions.peerUrl = opts.peerUrl === 'self' ? url : opts.peerUrl;
  classroom?.start();

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    registry,
    pool,
    metrics,
    get starts() {
      return machines.starts;
    },
    close() {
      shuttingDown = true;
      closing ??= (async () => {
        http.close();
        for (const ws of wss.clients) ws.terminate();
        await Promise.all([registry.endAll('server shutting down'), pool.close()]);
        http.closeAllConnections();
        files?.cleanup();
        await classroom?.close();
        await progress?.close();
        refusedLog.flush();
        tokenLog.flush();
      })();
      return closing;
    },
  };
}
