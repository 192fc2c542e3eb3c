// The lab server's Prometheus metrics (prom-client, the Node client the
// Prometheus project lists): what the server is doing now, read from its
// parts at each scrape, and what has happened, counted from LabEvents.
// Durations are in seconds and metric names carry their unit, as
// Prometheus' naming rules ask. The registry is the server's own, not
// prom-client's global one, so two servers in one process (the tests')
// keep their counts apart.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SessionState, StartKind } from '../protocol.ts';
import type { LabEvents } from './events.ts';

const SESSION_STATES: readonly SessionState[] = ['booting', 'ready', 'exited', 'panic'];

/** What the metrics read at each scrape. */
export interface MetricsSources {
  sessions(): ReadonlyMap<SessionState, number>;
  maxSessions: number;
  pool(): { idle: number; booting: number; waiting: number };
  /** Sessions the server can still open: what /readyz answers from. */
  room(): number;
  connections(): { open: number; pending: number };
  /** Learners' builds waiting and running, or undefined when the server does not build. */
  builds(): { queued: number; running: number } | undefined;
}

/*
 * Buckets from the lab's own figures: a boot takes 0.5-1 s alone under TCG
 * and a restore from the snapshot a tenth of that,
 * and up to tens of seconds with 40 at once (npm run bench -- server);
 * an echo a few milliseconds, and hundreds when the host is overloaded; a
 * learner's build a few seconds.
 */
const BOOT_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];
const ECHO_BUCKETS = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2];
const BUILD_BUCKETS = [0.5, 1, 2, 4, 8, 15, 30, 60, 120];

export class LabMetrics implements LabEvents {
  readonly registry = new Registry();
  private readonly boots: Histogram<'outcome' | 'start'>;
  private readonly panics: Counter;
  private readonly refusals: Counter<'reason'>;
  private readonly buildTimes: Histogram<'outcome'>;
  private readonly echoes: Histogram;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'uklab_server_' });
    const sessions: Gauge<'state'> = new Gauge({
      name: 'uklab_sessions',
      help: "Learners' sessions by state: booting, ready, exited (the VM stopped: idle, time up, a failed start) or panic",
      labelNames: ['state'],
      registers,
      collect() {
        const now = sources.sessions();
        for (const state of SESSION_STATES) sessions.set({ state }, now.get(state) ?? 0);
      },
    });
    new Gauge({ name: 'uklab_sessions_max', help: 'Sessions with a VM the server allows at once (--max-sessions)', registers }).set(sources.maxSessions);
    const room: Gauge = new Gauge({
      name: 'uklab_sessions_room',
      help: 'Sessions the server can still open; /readyz is ready while this is above 0',
      registers,
      collect() {
        room.set(sources.room());
      },
    });
    const pool: Gauge<'state'> = new Gauge({
      name: 'uklab_pool_vms',
      help: 'VMs of the pool: idle (booted, waiting for a learner) or booting (refills and learners\' cold boots)',
      labelNames: ['state'],
      registers,
      collect() {
        const s = sources.pool();
        pool.set({ state: 'idle' }, s.idle);
        pool.set({ state: 'booting' }, s.booting);
      },
    });
    const waiting: Gauge = new Gauge({
      name: 'uklab_pool_waiting_learners',
      help: 'Learners waiting for a boot slot',
      registers,
      collect() {
        waiting.set(sources.pool().waiting);
      },
    });
    const connections: Gauge<'stage'> = new Gauge({
      name: 'uklab_connections',
      help: 'Open lab WebSocket connections, and those among them that have not said hello yet',
      labelNames: ['stage'],
      registers,
      collect() {
        const c = sources.connections();
        connections.set({ stage: 'open' }, c.open);
        connections.set({ stage: 'before-hello' }, c.pending);
      },
    });
    const builds: Gauge<'stage'> = new Gauge({
      name: 'uklab_builds',
      help: "Learners' builds queued and running (absent when the server does not build)",
      labelNames: ['stage'],
      registers,
      collect() {
        const b = sources.builds();
        builds.reset();
        if (!b) return;
        builds.set({ stage: 'queued' }, b.queued);
        builds.set({ stage: 'running' }, b.running);
      },
    });
    this.boots = new Histogram({
      name: 'uklab_vm_boot_seconds',
      help: "Lab VM starts, from QEMU's start to a shell that answers: ready, or failed; booted, or restored from the snapshot",
      labelNames: ['outcome', 'start'],
      buckets: BOOT_BUCKETS,
      registers,
    });
    this.panics = new Counter({ name: 'uklab_vm_panics_total', help: "Learners' VMs that ended in a kernel panic", registers });
    this.refusals = new Counter({
      name: 'uklab_refusals_total',
      help: 'Requests refused, by reason: full, token-bad, origin, connection-limit, ...',
      labelNames: ['reason'],
      registers,
    });
    this.buildTimes = new Histogram({
      name: 'uklab_build_seconds',
      help: "Learners' builds, from the request to the result: done, failed (the compiler said no) or refused",
      labelNames: ['outcome'],
      buckets: BUILD_BUCKETS,
      registers,
    });
    this.echoes = new Histogram({
      name: 'uklab_echo_seconds',
      help: "From a learner's input reaching the server to the VM's next output on that console",
      buckets: ECHO_BUCKETS,
      registers,
    });
  }

  boot(outcome: 'ready' | 'failed', ms: number, start: StartKind): void {
    this.boots.observe({ outcome, start }, ms / 1000);
  }

  panic(): void {
    this.panics.inc();
  }

  refused(reason: string): void {
    this.refusals.inc({ reason });
  }

  build(outcome: 'done' | 'failed' | 'refused', ms: number): void {
    this.buildTimes.observe({ outcome }, ms / 1000);
  }

  echo(ms: number): void {
    this.echoes.observe(ms / 1000);
  }

  /** The metrics in Prometheus' text format, and its content type. */
  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
