// A learner's build of one lesson: their version of the lesson's sources,
// the lesson's own Makefile, the same steps and compiler as the image
// (lessonMakeSteps in lab/builder/image.ts), run in the sandbox
// (sandbox.ts). Builds are content-addressed: the same sources for the same
// kernel and toolchain give the same result, so it is built once and kept
// (the unchanged lesson built by a class of 40 costs one build).
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputHash } from '../builder/cache-entry.ts';
import { lessonMakeSteps, PROGRAM, PROGRAM_SOURCE, STRIP, type Toolchain } from '../builder/image.ts';
import { KERNEL_EXAMPLES_DIR } from '../paths.ts';
import type { BuildDiagnostic, SourceFile } from '../protocol.ts';
import type { RunAs } from '../vm/unprivileged.ts';
import { parseDiagnostics } from './diagnostics.ts';
import { memoArgs, probeTable, recordingArgs } from './kbuild-probes.ts';
import { lessonSourceNames } from './lesson-sources.ts';
import { BUILD_LIMITS, runSandboxed, type SandboxLimits, type SandboxResult, type SandboxSpec } from './sandbox.ts';

/** What a build is for: a kernel tree and the toolchain of its architecture. */
export interface BuildTarget {
  toolchain: Toolchain;
  /** The kernel tree the modules are built against (KDIR). */
  kdir: string;
  /** Identifies the kernel, for the content address. */
  kernelKey: string;
}

export interface Artefact {
  /** Its file name in the lesson's folder: a module or the user program. */
  name: string;
  data: Buffer;
  sha256: string;
  executable: boolean;
}

export interface LessonBuildResult {
  /** Built: `artefacts` holds what to deliver. */
  ok: boolean;
  /** The content address: every input of the build, hashed. */
  key: string;
  diagnostics: BuildDiagnostic[];
  log: string;
  artefacts: Artefact[];
  /** A limit the build went past (time, CPU, memory, output), in words; undefined when it ran its course. */
  limit?: string;
  /** Served from the cache, nothing built. */
  cached: boolean;
  ms: number;
}

export type RunSandbox = (spec: SandboxSpec, limits: SandboxLimits, runAs?: RunAs) => Promise<SandboxResult>;

export interface LessonBuilderOptions {
  runAs?: RunAs;
  limits?: SandboxLimits;
  /** The sandbox to run in (tests may pass a fake one; the real one by default). */
  sandbox?: RunSandbox;
  /** Where the lessons are (kernel/ by default). */
  lessonsDir?: string;
  /** Results kept in memory, newest used last out. */
  cacheSize?: number;
}

/** Bumped when a change to this file changes what a build makes (part of every content address). */
const REVISION = 1;
/** Where the build happens inside the sandbox: its work tmpfs, and the lessons' layout in kernel/. */
const WORK = '/build';
/** Kbuild's probe answers: the table a build reads, the log a recording writes (kbuild-probes.ts). */
const PROBE_TABLE = `${WORK}/kbuild-probes`;
const PROBE_LOG_NAME = 'kbuild-probes.log';
/** The largest artefact that may go to a VM (the ioctl lesson's stripped module is 7 KiB, its program 34 KiB). */
export const MAX_ARTEFACT_BYTES = 1024 * 1024;

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** One word of a POSIX shell command line. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./=:+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** What a result says in words when the build went past a limit. */
function limitOf(r: SandboxResult, limits: SandboxLimits): string | undefined {
  if (r.timedOut) return `the build took longer than ${limits.wallMs / 1000} s and was stopped`;
  if (r.signal === 'SIGXCPU' || /CPU time limit exceeded/.test(r.output)) return `the build used more than ${limits.cpuSeconds} s of CPU`;
  if (r.signal === 'SIGXFSZ' || /File size limit exceeded|File too large|No space left on device/.test(r.output)) {
    return `the build wrote a file larger than ${limits.fileSize / 1048576} MiB or filled its ${limits.tmpfsBytes / 1048576} MiB of space`;
  }
  if (/Resource temporarily unavailable|fork: retry|Cannot fork/.test(r.output)) return `the build started more than ${limits.processes} processes`;
  if (/virtual memory exhausted|Cannot allocate memory|out of memory/i.test(r.output)) return `the build needed more than ${limits.addressSpace / 1048576} MiB of memory`;
  if (r.signal) return `the build was killed by ${r.signal}`;
  return undefined;
}

export class LessonBuilder {
  private readonly limits: SandboxLimits;
  private readonly sandbox: RunSandbox;
  private readonly lessonsDir: string;
  private readonly cacheSize: number;
  private readonly kdir: string;
  /** Content address → the build, finished or running: the same sources asked for twice are built once. */
  private readonly results = new Map<string, Promise<LessonBuildResult>>();
  /**
   * The user program's own address (its source, the headers, the Makefile)
   * → the program built from it. Most edits are to the module: a build then
   * gets the program it would make from here, and make finds it up to date.
   */
  private readonly programs = new Map<string, Buffer>();
  /** Kbuild's probe answers for this kernel and compiler, once a build has recorded them. */
  private probes?: string;

  constructor(
    private readonly target: BuildTarget,
    private readonly opts: LessonBuilderOptions = {},
  ) {
    this.limits = opts.limits ?? BUILD_LIMITS;
    this.sandbox = opts.sandbox ?? runSandboxed;
    this.lessonsDir = opts.lessonsDir ?? KERNEL_EXAMPLES_DIR;
    this.cacheSize = opts.cacheSize ?? 256;
    // A link (kernel/current) could move under a running server; its target cannot.
    this.kdir = existsSync(target.kdir) ? realpathSync(target.kdir) : target.kdir;
  }

  /** Whether builds answer Kbuild's probes from a table now (a build has recorded them). */
  get answersProbes(): boolean {
    return this.probes !== undefined;
  }

  /** The C sources and headers of a lesson's folder: what a learner may send, by name. */
  lessonSources(lesson: string): string[] {
    return lessonSourceNames(lesson, this.lessonsDir);
  }

  /** Why these files cannot be built for this lesson, or undefined when they can. */
  refusal(lesson: string, files: readonly SourceFile[]): string | undefined {
    const own = this.lessonSources(lesson);
    if (own.length === 0) return `there is no lesson '${lesson}' to build`;
    const foreign = files.filter((f) => !own.includes(f.name)).map((f) => f.name);
    if (foreign.length > 0) return `${foreign.join(', ')}: not a file of this lesson (its files: ${own.join(', ')})`;
    return undefined;
  }

  /** The build of these sources when it is done or under way already (it needs no slot of its own), else undefined. */
  known(lesson: string, files: readonly SourceFile[]): Promise<LessonBuildResult> | undefined {
    if (this.refusal(lesson, files)) return undefined;
    return this.cached(this.key(lesson, this.sources(lesson, files)));
  }

  private cached(key: string): Promise<LessonBuildResult> | undefined {
    const known = this.results.get(key);
    if (!known) return undefined;
    // Newest used last out.
    this.results.delete(key);
    this.results.set(key, known);
    return known.then((r) => ({ ...r, cached: true, ms: 0 }));
  }

  /** The build of `files` (the rest of the lesson's sources as they are), from the cache when it was built before. */
  build(lesson: string, files: readonly SourceFile[]): Promise<LessonBuildResult> {
    const why = this.refusal(lesson, files);
    if (why) return Promise.reject(new Error(why));
    const sources = this.sources(lesson, files);
    const key = this.key(lesson, sources);
    const cached = this.cached(key);
    if (cached) return cached;
    const running = this.run(lesson, sources, key);
    this.results.set(key, running);
    while (this.results.size > this.cacheSize) this.results.delete(this.results.keys().next().value as string);
    // A build stopped by a limit may pass on a quieter host: only its own code decides a result worth keeping.
    void running.then(
      (r) => r.limit && this.results.delete(key),
      () => this.results.delete(key),
    );
    return running;
  }

  /** The lesson's sources with the learner's in their place. */
  private sources(lesson: string, files: readonly SourceFile[]): Map<string, string> {
    const dir = join(this.lessonsDir, lesson);
    const out = new Map<string, string>();
    for (const name of this.lessonSources(lesson)) out.set(name, readFileSync(join(dir, name), 'utf8'));
    for (const f of files) out.set(f.name, f.text);
    return out;
  }

  private key(lesson: string, sources: Map<string, string>, only?: (name: string) => boolean): string {
    const h = new InputHash()
      .add('revision', String(REVISION))
      .add('kernel', this.target.kernelKey)
      .add('toolchain', this.target.toolchain.key)
      .add('lesson', lesson)
      .addFile('Makefile', join(this.lessonsDir, lesson, 'Makefile'))
      .addFile('lab.mk', join(this.lessonsDir, 'lab.mk'));
    for (const [name, text] of [...sources].sort(([a], [b]) => (a < b ? -1 : 1))) if (!only || only(name)) h.add(name, text);
    return h.digest();
  }

  /** The build's shell script; `prebuilt`: the program is there already, built and stripped, and the build's user may not write it. */
  private script(program: boolean, prebuilt: boolean): string {
    const kbuild = this.probes ? memoArgs(PROBE_TABLE) : recordingArgs(`/out/${PROBE_LOG_NAME}`);
    const steps = lessonMakeSteps(this.target.toolchain, this.kdir, { program, jobs: 1, kbuild });
    const words = (argv: readonly string[]): string => argv.map(shellWord).join(' ');
    return [
      'set -e',
      ...steps.map(words),
      `for m in *.ko; do [ ! -e "$m" ] || ${words(STRIP.modules)} "$m"; done`,
      ...(prebuilt ? [] : [`[ ! -e ${PROGRAM} ] || ${words(STRIP.program)} ${PROGRAM}`]),
      `for f in *.ko ${PROGRAM}; do [ ! -e "$f" ] || cp "$f" /out/; done`,
      '',
    ].join('\n');
  }

  private async run(lesson: string, sources: Map<string, string>, key: string): Promise<LessonBuildResult> {
    const started = performance.now();
    // The host side of the build: the files to copy in, and the folder the
    // artefacts come out to. Root's, mode 0700, until the sandbox hands
    // `out` to the build's user.
    const host = mkdtempSync(join(tmpdir(), 'uklab-build-'));
    try {
      const src = join(host, 'src');
      const out = join(host, 'out');
      mkdirSync(src);
      mkdirSync(out);
      chmodSync(host, 0o755);
      const lessonDir = `${WORK}/${lesson}`;
      const files: SandboxSpec['files'] = [];
      const put = (name: string, text: string, path: string): void => {
        const p = join(src, name);
        writeFileSync(p, text);
        files.push({ path, host: p });
      };
      for (const [name, text] of sources) put(name, text, `${lessonDir}/${name}`);
      put('Makefile', readFileSync(join(this.lessonsDir, lesson, 'Makefile'), 'utf8'), `${lessonDir}/Makefile`);
      // The Makefiles include ../lab.mk, as in kernel/.
      put('lab.mk', readFileSync(join(this.lessonsDir, 'lab.mk'), 'utf8'), `${WORK}/lab.mk`);
      const programKey = sources.has(PROGRAM_SOURCE) ? this.key(lesson, sources, (n) => n === PROGRAM_SOURCE || n.endsWith('.h')) : undefined;
      const program = programKey ? this.programs.get(programKey) : undefined;
      put('build.sh', this.script(sources.has(PROGRAM_SOURCE), program !== undefined), `${WORK}/build.sh`);
      if (this.probes) put('kbuild-probes', this.probes, PROBE_TABLE);
      // Copied in last, so newer than its sources: make leaves it be.
      if (program) {
        writeFileSync(join(src, PROGRAM), program);
        files.push({ path: `${lessonDir}/${PROGRAM}`, host: join(src, PROGRAM), mode: 0o755 });
      }
      const r = await this.sandbox(
        {
          readOnly: [this.kdir, ...this.target.toolchain.reads],
          files,
          dirs: [lessonDir],
          work: WORK,
          out,
          cwd: lessonDir,
          env: { PATH: '/usr/bin:/bin', LC_ALL: 'C', HOME: WORK },
          argv: ['sh', `${WORK}/build.sh`],
        },
        this.limits,
        this.opts.runAs,
      );
      const names = [...sources.keys()];
      const log = r.droppedBytes > 0 ? `${r.output}\n[${r.droppedBytes} more bytes of output not kept]\n` : r.output;
      const limit = limitOf(r, this.limits);
      const ok = r.code === 0 && !limit;
      // Only a build that went through answers for the kernel's every probe.
      const probeLog = join(out, PROBE_LOG_NAME);
      if (ok && !this.probes && existsSync(probeLog)) this.probes = probeTable(readFileSync(probeLog, 'utf8'));
      const artefacts = ok ? this.artefacts(out) : [];
      const built = artefacts.find((a) => a.name === PROGRAM);
      if (programKey && built && !program) {
        this.programs.set(programKey, built.data);
        while (this.programs.size > this.cacheSize) this.programs.delete(this.programs.keys().next().value as string);
      }
      const tooBig = artefacts.find((a) => a.data.length > MAX_ARTEFACT_BYTES);
      return {
        ok: ok && !tooBig,
        key,
        diagnostics: parseDiagnostics(r.output, names),
        log,
        artefacts: tooBig ? [] : artefacts,
        limit: tooBig ? `${tooBig.name} is ${tooBig.data.length} bytes; a VM takes files of up to ${MAX_ARTEFACT_BYTES / 1024} KiB` : limit,
        cached: false,
        ms: performance.now() - started,
      };
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  }

  private artefacts(out: string): Artefact[] {
    return readdirSync(out)
      .filter((name) => name.endsWith('.ko') || name === PROGRAM)
      .sort()
      .map((name) => {
        const data = readFileSync(join(out, name));
        return { name, data, sha256: sha256(data), executable: name === PROGRAM };
      });
  }
}
