// Learners' builds (issue 12): Build pressed to the artefacts in the VM,
// over the real protocol, through the real sandbox, into real VMs: one
// learner, then twenty at once with different code each; a cache hit;
// what the sandbox itself costs to start; and a build for the lab in the
// tab, put into v86.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILD_LIMITS, runSandboxed } from '../lab/build/sandbox.ts';
import type { Lab } from '../lab/builder/lab.ts';
import { KERNEL_EXAMPLES_DIR } from '../lab/paths.ts';
import { defaultLimits } from '../lab/server/limits.ts';
import { startLabServer } from '../lab/server/server.ts';
import { UNPRIVILEGED } from '../lab/vm/unprivileged.ts';
import { LabClient } from '../test/server/client.ts';
import { buildTabLab, readTabState } from '../lab/builder/tab-lab.ts';
import { nodeTabMachine } from '../lab/tab/node-emulator.ts';
import { TabVM } from '../lab/tab/tab-vm.ts';
import { median, percentile, type Row } from './table.ts';

const LESSON = 'ioctl';
const FILE = 'ioctl_example.c';
const RUNS = Number(process.env.BENCH_BUILD_RUNS ?? 10);
const CLASS = Number(process.env.BENCH_BUILD_CLASS ?? 20);
const TAB_RUNS = 5;
const ms = (n: number): string => `${n.toFixed(0)} ms`;

/** The lesson's module with a change of its own: a different module, so a build, every time. */
function edited(tag: string): { name: string; text: string }[] {
  const text = readFileSync(join(KERNEL_EXAMPLES_DIR, LESSON, FILE), 'utf8').replace('pr_info("My device initialized\\n");', `pr_info("My device initialized (${tag})\\n");`);
  return [{ name: FILE, text }];
}

/** Build to done, as the page sees it; throws unless the module arrived. */
async function timedBuild(c: LabClient, files: { name: string; text: string }[]): Promise<number> {
  const t = performance.now();
  const frames = await c.build(files, 300_000);
  const end = frames.at(-1);
  if (end?.state !== 'done' || !end.delivered?.some((d) => d.path.endsWith('.ko'))) throw new Error(`bench build: ${JSON.stringify(end)}`);
  return performance.now() - t;
}

async function sandboxStart(): Promise<number[]> {
  const host = mkdtempSync(join(tmpdir(), 'uklab-bench-sandbox-'));
  const script = join(host, 'true.sh');
  writeFileSync(script, 'exit 0\n');
  const runAs = process.getuid?.() === 0 ? UNPRIVILEGED : undefined;
  const times: number[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      const out = mkdtempSync(join(host, 'out-'));
      const r = await runSandboxed(
        { readOnly: [], files: [{ path: '/build/true.sh', host: script }], dirs: [], work: '/build', out, cwd: '/build', env: { PATH: '/usr/bin:/bin' }, argv: ['sh', '/build/true.sh'] },
        BUILD_LIMITS,
        runAs,
      );
      if (r.code !== 0) throw new Error(`bench build: the empty sandbox failed: ${r.output}`);
      times.push(r.ms);
    }
  } finally {
    rmSync(host, { recursive: true, force: true });
  }
  return times;
}

export async function benchBuild(lab: Lab): Promise<Row[]> {
  const rows: Row[] = [];
  const starts = await sandboxStart();
  rows.push({ what: 'sandbox start-up (bwrap, prlimit, setpriv; `exit 0`), median', value: ms(median(starts)) });

  const tabLab = await buildTabLab({ quiet: true });
  const server = await startLabServer({
    lab,
    tabLab,
    host: '127.0.0.1',
    port: 0,
    limits: { ...defaultLimits(), poolSize: 2, maxBooting: 2, maxSessions: CLASS + 1, graceMs: 0 },
    siteRoot: '/nonexistent',
    log: () => undefined,
  });
  try {
    const one = new LabClient(server.url, { lesson: LESSON });
    await one.status('ready', 120_000);
    await one.run('true');
    const singles: number[] = [];
    for (let i = 0; i < RUNS; i++) singles.push(await timedBuild(one, edited(`one ${i}`)));
    rows.push({ what: `one learner: Build → module in the VM, median of ${RUNS}`, value: ms(median(singles)), target: '≤ 1500 ms', ok: median(singles) <= 1500 });
    rows.push({ what: 'one learner: p95', value: ms(percentile(singles, 95)) });
    const hits: number[] = [];
    for (let i = 0; i < RUNS; i++) hits.push(await timedBuild(one, edited(`one ${i % 2}`)));
    rows.push({ what: 'cache hit (the same code built before), median', value: ms(median(hits)), target: '≤ 200 ms', ok: median(hits) <= 200 });
    await one.close();

    // A class: every learner's VM up first, then all press Build within the same moment.
    const learners = Array.from({ length: CLASS }, () => new LabClient(server.url, { lesson: LESSON }));
    await Promise.all(learners.map(async (c) => {
      await c.status('ready', 600_000);
      await c.run('true', 120_000);
    }));
    const all = await Promise.all(learners.map((c, i) => timedBuild(c, edited(`learner ${i}`))));
    rows.push({ what: `${CLASS} learners at once, different code each: p50`, value: ms(percentile(all, 50)) });
    rows.push({ what: `${CLASS} learners at once: p95`, value: ms(percentile(all, 95)), target: '≤ 12000 ms', ok: percentile(all, 95) <= 12_000 });
    await Promise.all(learners.map((c) => c.close()));

    // The lab in the tab: the server builds for i386 and the files go into v86 (here in Node) through its control UART.
    const vm = new TabVM(await nodeTabMachine({ kind: 'state', state: readTabState(tabLab) }));
    try {
      await vm.enter(LESSON);
      const tab: number[] = [];
      for (let i = 0; i < TAB_RUNS; i++) {
        const c = new LabClient(server.url, { lesson: LESSON, target: 'tab' });
        await c.opened;
        const t = performance.now();
        const end = (await c.build(edited(`tab ${i}`), 300_000)).at(-1);
        if (end?.state !== 'done' || !end.files) throw new Error(`bench build: ${JSON.stringify({ ...end, files: undefined })}`);
        const sent = await vm.machine.put(end.files, 60_000);
        if (!sent.some((p) => p.endsWith('.ko'))) throw new Error('bench build: the module did not go into the tab VM');
        tab.push(performance.now() - t);
        await c.close();
      }
      rows.push({ what: `lab in the tab: Build → i386 module in v86 (Node), median of ${TAB_RUNS}`, value: ms(median(tab)) });
    } finally {
      await vm.stop();
    }
  } finally {
    await server.close();
  }
  return rows;
}
