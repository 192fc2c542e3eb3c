// The sandbox a learner's build runs in: bubblewrap (Debian's bubblewrap)
// with no network, no host files but the toolchain (/usr) and the folders a
// build reads (the kernel tree, the UAPI headers), all read-only, a fresh
// size-limited tmpfs for the work, a pid namespace that dies with it, and
// resource limits (util-linux's prlimit). For a server running as root the
// build also runs as a user of its own, the way QEMU does
// (lab/vm/unprivileged.ts): bwrap sets up the mounts as root, then setpriv
// drops to that user with no capability left before the build's first
// command runs.
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { BWRAP_PACKAGE } from '../setup/host-packages.ts';
import type { RunAs } from '../vm/unprivileged.ts';

/** Why no build can run here, naming what to install; undefined when they can. */
export function sandboxProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = (env.PATH ?? '/usr/bin:/bin').split(delimiter);
  const missing = [['bwrap', BWRAP_PACKAGE], ['prlimit', 'util-linux'], ['setpriv', 'util-linux']].filter(([cmd]) => !dirs.some((d) => {
    try {
      accessSync(join(d, cmd as string), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }));
  if (missing.length === 0) return undefined;
  return `builds need ${missing.map(([cmd, pkg]) => `${cmd} (Debian package ${pkg})`).join(' and ')}`;
}

export interface SandboxLimits {
  /** RLIMIT_CPU of each process, seconds. */
  cpuSeconds: number;
  /** RLIMIT_AS of each process, bytes. */
  addressSpace: number;
  /** RLIMIT_FSIZE: the largest file a build may write, bytes. */
  fileSize: number;
  /** RLIMIT_NPROC of the build's own user (only with RunAs: a user shared with other processes would count theirs). */
  processes: number;
  openFiles: number;
  /** Each tmpfs (the work folder, /tmp), bytes. */
  tmpfsBytes: number;
  /** The whole build, wall clock. */
  wallMs: number;
  /** Output (stdout and stderr together) kept; the rest is counted, not kept. */
  outputBytes: number;
}

const MiB = 1024 * 1024;

/**
 * Room for a lesson's build, measured on the ioctl lesson's make (module
 * and program) against the lab tree: 60 MiB of peak RSS, 1.1 s of CPU
 * (/usr/bin/time -f '%M %U+%S'); it builds under an address-space limit of
 * 128 MiB and fails under 64 MiB (prlimit --as). The limits are several
 * times that, for a learner's larger file, and far below what would hurt
 * the host or the other learners.
 */
export const BUILD_LIMITS: SandboxLimits = {
  cpuSeconds: 20,
  addressSpace: 1024 * MiB,
  fileSize: 16 * MiB,
  processes: 64,
  openFiles: 256,
  tmpfsBytes: 64 * MiB,
  wallMs: 30_000,
  outputBytes: 64 * 1024,
};

export interface SandboxSpec {
  /** Host folders the build reads, bound read-only at the same paths. */
  readOnly: string[];
  /** Files copied into the sandbox before it starts, in this order: path inside, host file, mode (0644 by default). */
  files: { path: string; host: string; mode?: number }[];
  /** Folders made inside (in the work tmpfs), writable by the build. */
  dirs: string[];
  /** The work tmpfs. */
  work: string;
  /** A host folder bound writable at `/out`: the only way anything leaves. */
  out: string;
  cwd: string;
  env: Record<string, string>;
  argv: string[];
}

export interface SandboxResult {
  /** The exit status, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved, cut at `outputBytes`. */
  output: string;
  /** Bytes of output that were not kept. */
  droppedBytes: number;
  timedOut: boolean;
  ms: number;
}

const OUT = '/out';

/*
 * A root server's build runs as uid (and gid) `uidBase + the pid of the
 * shell that execs bwrap`: unique among live processes for as long as the
 * build runs, as QEMU's is. Outside, the shell works the uid out, hands it
 * the output folder and tells bwrap; inside, once the mounts are made, a
 * shell with only CAP_SETUID and CAP_SETGID becomes that user and drops
 * every capability for good.
 */
const DROP_OUTSIDE = 'id=$(($1 + $$)); chown "$id:$id" "$2" || exit 125; shift 2; exec bwrap --clearenv --setenv UKLAB_UID "$id" "$@"';
const DROP_INSIDE =
  'id=$UKLAB_UID; unset UKLAB_UID; exec setpriv --reuid="$id" --regid="$id" --clear-groups --inh-caps=-all --bounding-set=-all "$@"';

/** bwrap's options for every ancestor of `path` that a bind would make: mode 0755, or the dropped user could not reach it. */
function parents(path: string, made: Set<string>): string[] {
  const out: string[] = [];
  const chain: string[] = [];
  for (let p = dirname(path); p !== '/' && !made.has(p); p = dirname(p)) chain.unshift(p);
  for (const p of chain) {
    made.add(p);
    out.push('--perms', '0755', '--dir', p);
  }
  return out;
}

/**
 * The command line, from prlimit to the build's argv: `fds[i]` becomes the
 * child's file descriptor 3 + i (the files copied in, read by bwrap).
 */
export function sandboxCommand(spec: SandboxSpec, limits: SandboxLimits, runAs?: RunAs): { file: string; args: string[]; fds: string[] } {
  const made = new Set<string>();
  const fds: string[] = [];
  const args = [
    // No user namespace when bwrap is root: it mounts as root, and setpriv
    // below drops to a real user of the host, not a mapped one.
    ...(runAs ? [] : ['--unshare-user']),
    '--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try',
    '--die-with-parent', '--new-session',
    // bwrap applies options in order: the environment is cleared first (by
    // DROP_OUTSIDE for a root server, which then sets the build's uid in it).
    ...(runAs ? [] : ['--clearenv']),
    ...Object.entries(spec.env).flatMap(([k, v]) => ['--setenv', k, v]),
    '--ro-bind', '/usr', '/usr',
    '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/sbin', '/sbin',
    '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64',
    // Debian's alternatives (awk, cc, ld...) are links through /etc.
    '--perms', '0755', '--dir', '/etc', '--ro-bind', '/etc/alternatives', '/etc/alternatives',
    '--proc', '/proc', '--dev', '/dev',
    '--perms', '1777', '--size', String(limits.tmpfsBytes), '--tmpfs', '/tmp',
    ...parents(spec.work, made),
    '--perms', '1777', '--size', String(limits.tmpfsBytes), '--tmpfs', spec.work,
  ];
  made.add(spec.work);
  for (const dir of spec.readOnly) args.push(...parents(dir, made), '--ro-bind', dir, dir);
  for (const dir of spec.dirs) {
    args.push(...parents(dir, made), '--perms', '1777', '--dir', dir);
    made.add(dir);
  }
  for (const f of spec.files) {
    args.push(...parents(f.path, made), '--perms', (f.mode ?? 0o644).toString(8).padStart(4, '0'), '--file', String(3 + fds.length), f.path);
    fds.push(f.host);
  }
  args.push('--bind', spec.out, OUT, '--chdir', spec.cwd);
  const limitArgs = [
    `--cpu=${limits.cpuSeconds}`,
    `--as=${limits.addressSpace}`,
    `--fsize=${limits.fileSize}`,
    `--nofile=${limits.openFiles}`,
    '--core=0',
  ];
  if (!runAs) return { file: 'prlimit', args: [...limitArgs, '--', 'bwrap', ...args, ...spec.argv], fds };
  return {
    file: 'prlimit',
    args: [
      ...limitArgs,
      `--nproc=${limits.processes}`,
      '--',
      'sh', '-c', DROP_OUTSIDE, 'uklab-build', String(runAs.uidBase), spec.out,
      ...args,
      '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID',
      'sh', '-c', DROP_INSIDE, 'uklab-build',
      ...spec.argv,
    ],
    fds,
  };
}

/** Run `spec` in the sandbox; never rejects for what the build does, only when the sandbox cannot start. */
export function runSandboxed(spec: SandboxSpec, limits: SandboxLimits = BUILD_LIMITS, runAs?: RunAs): Promise<SandboxResult> {
  const started = performance.now();
  const cmd = sandboxCommand(spec, limits, runAs);
  const opened = cmd.fds.map((p) => openSync(p, 'r'));
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(cmd.file, cmd.args, { stdio: ['ignore', 'pipe', 'pipe', ...opened], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    } finally {
      for (const fd of opened) closeSync(fd);
    }
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let droppedBytes = 0;
    const onData = (chunk: Buffer): void => {
      const room = limits.outputBytes - keptBytes;
      if (room > 0) {
        const part = chunk.subarray(0, room);
        kept.push(part);
        keptBytes += part.length;
      }
      droppedBytes += Math.max(0, chunk.length - Math.max(0, room));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    let timedOut = false;
    // bwrap is the pid namespace's parent: killing it kills every process of the build.
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limits.wallMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`build sandbox: could not run ${cmd.file}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        output: Buffer.concat(kept).toString('utf8'),
        droppedBytes,
        timedOut,
        ms: performance.now() - started,
      });
    });
  });
}
