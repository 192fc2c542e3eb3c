// What happens in the lab server that an operator counts: the parts that
// see it (the pool, the sessions, the connections) report it here, and
// lab/server/metrics.ts turns it into Prometheus metrics. A part given no
// listener reports to NO_EVENTS, so none of them depends on the metrics.
import type { BuildState, StartKind } from '../protocol.ts';

export interface LabEvents {
  /** A VM's start (a boot or a restore) ended: its shell answered (`ready`), or it did not (`failed`), after `ms`. */
  boot(outcome: 'ready' | 'failed', ms: number, start: StartKind): void;
  /** A learner's VM ended in a kernel panic. */
  panic(): void;
  /**
   * Something a learner asked for was refused: a connection (by origin or
   * the connection limits), a hello (a RefusalReason such as `full` or
   * `token-bad`), a reset when the lab is full.
   */
  refused(reason: string): void;
  /** A learner's build ended (`done`, `failed` or `refused`), `ms` after it was asked for. */
  build(outcome: Exclude<BuildState, 'queued' | 'building'>, ms: number): void;
  /** A learner typed, and the VM's next output on that console came `ms` later. */
  echo(ms: number): void;
}

export const NO_EVENTS: LabEvents = {
  boot: () => undefined,
  panic: () => undefined,
  refused: () => undefined,
  build: () => undefined,
  echo: () => undefined,
};
