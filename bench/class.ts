// A class starting at once (issue 15): N learners press Start within a few
// seconds of each other on one lab server, through the whole path (WebSocket
// → server → QEMU → the guest's shell → back). Each learner's time runs from
// their own press to the lesson's prompt on their terminal. The host's CPU
// over the whole start, and each QEMU's memory once every learner has a
// prompt. VMs restored from the server's snapshot (the default), and, for
// the comparison, booted (--no-snapshot).
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { Lab } from '../lab/builder/lab.ts';
import { defaultLimits } from '../lab/server/limits.ts';
import { LabClient } from '../test/server/client.ts';
import { childQemuPids } from '../test/helpers/processes.ts';
import { prompt, rssMiB, withServer } from './server.ts';
import { median, percentile, type Row } from './table.ts';

const CLASS_SIZES = (process.env.BENCH_CLASS ?? '20,40').split(',').map(Number);
/** The learners' presses are spread over this window. */
const SPREAD_MS = 5000;
/** Target from the issue: p95 at 40 learners. */
const P95_TARGET_S = 4;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Busy and total CPU time of the host so far, in seconds (/proc/stat). */
function hostCpu(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}

/** CPU seconds a process has used (user + system). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

interface ClassRun {
  times: number[];
  /** Share of the host's CPUs busy, from the first press to the last prompt. */
  cpuBusy: number;
  wallS: number;
  qemuCpuS: number[];
  qemuMiB: number[];
  started: string[];
  /** CPU each VM used per second while its learner did nothing, after the start. */
  idleMsPerS: number[];
}

/** How long the class sits idle after the start, to measure what idle VMs cost. */
const IDLE_MS = 10_000;

async function classStart(lab: Lab, n: number, snapshot: boolean): Promise<ClassRun> {
  const limits = { ...defaultLimits(), maxSessions: n + 2, idleMs: 3_600_000 };
  return withServer(lab, limits, async (s) => {
    // The pool is full, as it would be before a class.
    while (s.pool.stats.idle < limits.poolSize) await sleep(100);
    await sleep(500);
    const offsets = Array.from({ length: n }, (_, i) => (SPREAD_MS * i) / Math.max(1, n - 1));
    const t0 = performance.now();
    const cpu0 = hostCpu();
    const clients: LabClient[] = [];
    const times = await Promise.all(
      offsets.map(async (at) => {
        await sleep(at);
        const pressed = performance.now();
        const c = new LabClient(s.url, { lesson: 'hello', keep: 4096 });
        clients.push(c);
        await prompt(c, 600_000);
        return performance.now() - pressed;
      }),
    );
    const cpu1 = hostCpu();
    const wallS = (performance.now() - t0) / 1000;
    const pids = childQemuPids();
    await sleep(2000);
    const before = pids.map(cpuSeconds);
    await sleep(IDLE_MS);
    const idleMsPerS = pids.map((pid, i) => ((cpuSeconds(pid) - before[i]!) * 1000) / (IDLE_MS / 1000));
    const run: ClassRun = {
      idleMsPerS,
      times,
      cpuBusy: (cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total),
      wallS,
      qemuCpuS: pids.map(cpuSeconds),
      qemuMiB: pids.map(rssMiB),
      started: clients.map((c) => c.statuses.find((st) => st.state === 'ready')?.started ?? '?'),
    };
    await Promise.all(clients.map((c) => c.close()));
    return run;
  }, { snapshot });
}

function rowsOf(n: number, how: string, r: ClassRun, target: boolean): Row[] {
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const p95 = percentile(r.times, 95);
  const kinds = [...new Set(r.started)].join(', ');
  return [
    { what: `${n} learners, ${how}: to the prompt, p50`, value: s(percentile(r.times, 50)) },
    {
      what: `${n} learners, ${how}: to the prompt, p95`,
      value: s(p95),
      target: target ? `<= ${P95_TARGET_S} s` : undefined,
      ok: target ? p95 <= P95_TARGET_S * 1000 : undefined,
    },
    { what: `${n} learners, ${how}: to the prompt, max (VMs: ${kinds})`, value: s(Math.max(...r.times)) },
    {
      what: `${n} learners, ${how}: host CPU busy over the ${r.wallS.toFixed(1)} s start (${cpus().length} CPUs)`,
      value: `${(r.cpuBusy * 100).toFixed(0)}%`,
    },
    { what: `${n} learners, ${how}: CPU per QEMU by the last prompt, median`, value: `${median(r.qemuCpuS).toFixed(2)} s` },
    { what: `${n} learners, ${how}: RSS per QEMU, median (max)`, value: `${median(r.qemuMiB).toFixed(1)} (${Math.max(...r.qemuMiB).toFixed(1)}) MiB` },
    { what: `${n} learners, ${how}: CPU per idle VM, median (${IDLE_MS / 1000} s after the start)`, value: `${median(r.idleMsPerS).toFixed(1)} ms/s` },
  ];
}

export async function benchClass(lab: Lab): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of CLASS_SIZES) rows.push(...rowsOf(n, 'restored', await classStart(lab, n, true), n === 40));
  // The same class, booting: the figure restores are measured against.
  if (process.env.BENCH_CLASS_BOOT !== '0') {
    const n = Math.max(...CLASS_SIZES);
    rows.push(...rowsOf(n, 'booted (--no-snapshot)', await classStart(lab, n, false), false));
  }
  return rows;
}
