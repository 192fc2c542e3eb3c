// A learner presses Build: their sources are checked, built in their turn
// (build-queue.ts) or taken from the cache (lesson-build.ts), and what the
// build made goes into their running VM through its control channel. Each
// step is reported as a `build` frame (lab/protocol.ts). Nothing here
// throws at the caller: every outcome, a compiler error or a dead VM, is a
// frame.
import type { BuildFrame, DeliveredFile, SourceFile } from '../protocol.ts';
import { putPayload, type PutFile } from '../vm/control.ts';
import { BusyError, type BuildQueue } from './build-queue.ts';
import type { LessonBuilder, LessonBuildResult } from './lesson-build.ts';

/** A `build` frame without its type and id: what the service reports. */
export type BuildReport = Omit<BuildFrame, 'type' | 'id'>;

/** The VM a build goes into: the session's, while it runs. */
export interface BuildDestination {
  /** Put files into the guest, those it does not have already; resolves with the paths sent, rejects when the guest does not take them. */
  put(files: { file: PutFile; sha256: string }[], timeoutMs: number): Promise<string[]>;
}

export interface BuildJob {
  /** Whose build: one at a time each (a session id). */
  owner: string;
  lesson: string;
  files: SourceFile[];
  /**
   * The session's VM now, if it has one running; 'page' for a VM in the
   * learner's tab, which the page fills itself from the `done` frame's files.
   */
  destination: () => BuildDestination | 'page' | undefined;
}

export interface BuildServiceOptions {
  /** How long a VM may take to take a build's files. */
  putTimeoutMs?: number;
}

/** The guest folder of a lesson's files. */
export function guestLessonPath(lesson: string, name: string): string {
  return `/lab/${lesson}/${name}`;
}

export class BuildService {
  constructor(
    private readonly builder: Pick<LessonBuilder, 'refusal' | 'known' | 'build'>,
    private readonly queue: BuildQueue,
    private readonly opts: BuildServiceOptions = {},
  ) {}

  get stats(): { running: number; queued: number } {
    return this.queue.stats;
  }

  async request(req: BuildJob, report: (r: BuildReport) => void): Promise<void> {
    const why = this.builder.refusal(req.lesson, req.files);
    if (why) return report({ state: 'refused', reason: 'bad-files', message: why });
    if (!req.destination()) return report({ state: 'refused', reason: 'no-vm', message: 'your lab VM is not running: start it (or reset it), then build again' });
    let result: LessonBuildResult;
    try {
      const known = this.builder.known(req.lesson, req.files);
      result = known
        ? await this.queue.runWithoutSlot(req.owner, () => known)
        : await this.queue.run(
            req.owner,
            () => {
              report({ state: 'building' });
              return this.builder.build(req.lesson, req.files);
            },
            (position) => report({ state: 'queued', position }),
          );
    } catch (e) {
      if (e instanceof BusyError) return report({ state: 'refused', reason: 'busy', message: e.message });
      return report({ state: 'refused', reason: 'build-error', message: `the build could not run: ${(e as Error).message}` });
    }
    const common = { diagnostics: result.diagnostics, log: result.log, cached: result.cached };
    if (result.limit) return report({ state: 'refused', reason: 'build-error', message: result.limit, ...common });
    if (!result.ok) return report({ state: 'failed', message: 'the build failed; your VM is unchanged', ...common });

    // The VM may have ended or been reset while the build ran.
    const destination = req.destination();
    if (!destination) return report({ state: 'refused', reason: 'no-vm', message: 'your lab VM stopped during the build; start it and build again', ...common });
    const puts = result.artefacts.map((a) => ({
      file: { path: guestLessonPath(req.lesson, a.name), data: a.data, mode: a.executable ? 0o755 : 0o644 },
      sha256: a.sha256,
    }));
    if (destination === 'page') return report({ state: 'done', files: puts.map((p) => putPayload(p.file, p.sha256)), ...common });
    let sent: string[];
    try {
      sent = await destination.put(puts, this.opts.putTimeoutMs ?? 30_000);
    } catch (e) {
      return report({ state: 'refused', reason: 'delivery-failed', message: `built, but your VM did not take the files: ${(e as Error).message}`, ...common });
    }
    const delivered: DeliveredFile[] = puts.map((p) => ({ path: p.file.path, size: p.file.data.length, sha256: p.sha256, changed: sent.includes(p.file.path) }));
    report({ state: 'done', delivered, ...common });
  }
}
