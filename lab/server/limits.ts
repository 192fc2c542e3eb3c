// The server's limits and settings: defaults derived from this machine's
// cores and memory, each overridable by a flag or an environment variable
// (flag wins). Kept apart so the numbers are visible in one place.
import { availableParallelism, totalmem } from 'node:os';
import { MAX_INPUT_CHARS } from '../protocol.ts';

export interface Limits {
  /** Concurrent learner sessions (each one VM); past it a learner gets status "full". */
  maxSessions: number;
  /** Booted VMs kept waiting for the next learner. */
  poolSize: number;
  /** VMs booting at once (pool refills and cold starts share the CPU). */
  maxBooting: number;
  /** Guest memory per VM, MiB. */
  vmMemoryMib: number;
  /** Consoles per session besides the main one (0 or 1). */
  extraConsoles: number;
  /** A session with no client attached is kept this long for a resume. */
  graceMs: number;
  /** A session without any input for this long is stopped. */
  idleMs: number;
  /** A session is stopped after this long, whatever it does. */
  maxSessionMs: number;
  /** Output flow control, in characters not yet acknowledged by the terminal. */
  highWatermark: number;
  lowWatermark: number;
  /** Input rate per connection, characters per second (burst: one second's worth). */
  inputRate: number;
  /** Input characters queued per console for a guest that does not read; past it the client is pushed back. */
  inputQueue: number;
  /** Frames per second per connection of any kind (acks, resizes, input), burst two seconds' worth. */
  frameRate: number;
  /** Time for the first frame after the upgrade. */
  helloTimeoutMs: number;
  /** Connections at once, attached or not: bounds sockets, not VMs. */
  maxConnections: number;
  /** Connections from one address that have not said hello yet. */
  maxPendingPerAddress: number;
  /** Wrong access tokens per address and minute, after a burst of as many. */
  tokenFailuresPerMinute: number;
  /** Learners' builds compiling at once (lab/build/); 0: this server does not build. A build is mostly one compiler at a time. */
  buildSlots: number;
}

const MiB = 1024 * 1024;

export function defaultLimits(cores = availableParallelism(), memBytes = totalmem()): Limits {
  const vmMemoryMib = 128;
  // A TCG guest idles at a fraction of its memory; budget guest RAM plus
  // QEMU's own overhead, and leave half of the host to everything else.
  const perVmMiB = vmMemoryMib + 64;
  const byMemory = Math.floor((memBytes / MiB / 2) / perVmMiB);
  // An idle VM costs little CPU (NO_HZ guest), an active one a good part of a core.
  const byCores = cores * 24;
  const maxSessions = Math.max(1, Math.min(byMemory, byCores));
  return {
    maxSessions,
    poolSize: Math.max(1, Math.min(4, cores, maxSessions)),
    maxBooting: Math.max(1, Math.min(4, cores)),
    vmMemoryMib,
    extraConsoles: 1,
    graceMs: 60_000,
    idleMs: 30 * 60_000,
    maxSessionMs: 4 * 60 * 60_000,
    highWatermark: 128 * 1024,
    lowWatermark: 16 * 1024,
    inputRate: 256 * 1024,
    inputQueue: 32 * 1024,
    frameRate: 500,
    // A page sends its hello as soon as the socket opens.
    helloTimeoutMs: 3_000,
    maxConnections: maxSessions * 4 + 16,
    maxPendingPerAddress: 16,
    tokenFailuresPerMinute: 30,
    buildSlots: cores,
  };
}

/** Environment variable names: UKLAB_MAX_SESSIONS, UKLAB_POOL_SIZE, … */
export function envName(key: keyof Limits): string {
  return `UKLAB_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Flag names: --max-sessions, --pool-size, … */
export function flagName(key: keyof Limits): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Apply numeric overrides ("30000" or "30s", "15m", "2h" for the *Ms keys). */
export function applyOverrides(base: Limits, overrides: Partial<Record<keyof Limits, string | undefined>>): Limits {
  const out = { ...base };
  for (const key of Object.keys(base) as (keyof Limits)[]) {
    const raw = overrides[key];
    if (raw === undefined || raw === '') continue;
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
    if (!m) throw new Error(`lab server: ${flagName(key)} must be a number, not '${raw}'`);
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 'ms'] ?? 1;
    out[key] = Math.round(Number(m[1]) * (key.endsWith('Ms') ? unit : 1));
  }
  validate(out);
  return out;
}

export function validate(l: Limits): void {
  if (l.maxSessions < 1) throw new Error('lab server: max-sessions must be at least 1');
  if (l.extraConsoles < 0 || l.extraConsoles > 1) throw new Error('lab server: extra-consoles must be 0 or 1');
  if (l.lowWatermark >= l.highWatermark) throw new Error('lab server: low-watermark must be below high-watermark');
  if (l.vmMemoryMib < 32) throw new Error('lab server: vm-memory-mib must be at least 32');
  if (l.maxBooting < 1) throw new Error('lab server: max-booting must be at least 1');
  if (l.inputQueue < MAX_INPUT_CHARS) throw new Error(`lab server: input-queue must be at least ${MAX_INPUT_CHARS} (one input frame)`);
  if (l.frameRate < 10) throw new Error('lab server: frame-rate must be at least 10');
  if (l.maxPendingPerAddress < 1) throw new Error('lab server: max-pending-per-address must be at least 1');
  if (l.buildSlots < 0) throw new Error('lab server: build-slots must be 0 or more');
  if (l.tokenFailuresPerMinute <= 0) throw new Error('lab server: token-failures-per-minute must be above 0');
}
