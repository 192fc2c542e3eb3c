// Lab VM figures from issue 2: cold boot to a usable prompt, idle RSS, and
// the cost of `lab build` when nothing changed and when nothing is cached.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from '../lab/builder/lab.ts';
import { REPO_ROOT } from '../lab/paths.ts';
import { LabVM } from '../lab/vm/lab-vm.ts';
import { median, type Row } from './table.ts';

const BOOTS = Number(process.env.BENCH_BOOTS ?? 15);

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Wall time from spawning QEMU to the prompt accepting a command. */
async function coldBoot(lab: Lab): Promise<{ ms: number; rss: number }> {
  const t0 = performance.now();
  const vm = new LabVM({ kernel: lab.kernel.bootImage, initrd: lab.image.initramfs });
  await vm.ready;
  // "Usable" means a command round-trips, not only that the prompt was printed.
  await vm.exec('true');
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 2000));
  const rss = rssMiB(vm.pid);
  await vm.stop();
  return { ms, rss };
}

function timeCli(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'lab/cli.ts', ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`lab ${args.join(' ')} failed`);
  return performance.now() - t0;
}

export async function benchLabVM(lab: Lab, { coldBuild = false } = {}): Promise<Row[]> {
  const boots: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < BOOTS; i++) {
    const r = await coldBoot(lab);
    boots.push(r.ms);
    rss.push(r.rss);
  }
  const bootMedian = median(boots);
  const rssMax = Math.max(...rss);
  const rebuild = timeCli(['build']);
  const rows: Row[] = [
    {
      what: `cold boot to usable prompt, TCG (median of ${BOOTS}; min ${Math.min(...boots).toFixed(0)}, max ${Math.max(...boots).toFixed(0)})`,
      value: `${bootMedian.toFixed(0)} ms`,
      target: '<= 1000 ms',
      ok: bootMedian <= 1000,
    },
    { what: `RSS of an idle VM (max of ${BOOTS})`, value: `${rssMax.toFixed(1)} MiB`, target: '<= 100 MiB', ok: rssMax <= 100 },
    { what: '`lab build`, nothing changed', value: `${(rebuild / 1000).toFixed(2)} s`, target: '<= 2 s', ok: rebuild <= 2000 },
  ];
  if (coldBuild) {
    const cache = mkdtempSync(join(tmpdir(), 'uklab-bench-cache-'));
    try {
      const ms = timeCli(['build'], { ...process.env, UKLAB_CACHE: cache });
      rows.push({ what: '`lab build` from an empty cache', value: `${(ms / 60000).toFixed(2)} min`, target: '<= 5 min', ok: ms <= 300_000 });
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  } else {
    const recorded = recordedSeconds(lab.kernel.tree) + recordedSeconds(lab.image.initramfs);
    rows.push({
      what: '`lab build` from an empty cache, as the cached build recorded it (--cold-build: measure now)',
      value: `${(recorded / 60).toFixed(2)} min`,
      target: '<= 5 min',
      ok: recorded <= 300,
    });
  }
  return rows;
}

/** The build time a cache entry's manifest recorded; `path` is a file or folder inside the entry. */
function recordedSeconds(pathInEntry: string): number {
  try {
    const m = JSON.parse(readFileSync(join(pathInEntry, '..', 'manifest.json'), 'utf8')) as { seconds: number };
    return m.seconds;
  } catch {
    return NaN;
  }
}
