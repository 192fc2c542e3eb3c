// The measured comparison of the mechanisms (issue 14): kernel/compare's
// program, run in a fresh VM of each lab a reader can get (x86-64 under
// QEMU, the lab server's; i386 in v86, the reader's tab, restored from the
// state the page downloads), RUNS times each, with the lessons' modules
// loaded by the choosing page's own steps, read from the page. Each figure is the median
// of the runs' medians. `--write` puts them in kernel/compare/measured.json,
// which the page's table and chart read.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../lab/builder/lab.ts';
import { buildTabLab, readTabState } from '../lab/builder/tab-lab.ts';
import { KERNEL_EXAMPLES_DIR, REPO_ROOT } from '../lab/paths.ts';
import { nodeTabMachine } from '../lab/tab/node-emulator.ts';
import { TabVM } from '../lab/tab/tab-vm.ts';
import { bootLabVM } from '../lab/vm/boot.ts';
import {
  BULK,
  ROUND_TRIPS,
  checkMeasured,
  combineRuns,
  formatRatio,
  parseRun,
  ratios,
  type LabFigures,
  type LabName,
  type Measured,
  type Run,
} from '../src/components/RoundTripChart/measured.ts';
import { extractSteps } from '../site/steps.ts';
import type { Row } from './table.ts';

const RUNS = Number(process.env.BENCH_ROUNDTRIP_RUNS ?? 5);
export const MEASURED_JSON = join(KERNEL_EXAMPLES_DIR, 'compare', 'measured.json');

/** The commands of one of the choosing page's steps, read from the page, so the bench runs what the page shows. */
function pageStep(name: string): string[] {
  const page = join(REPO_ROOT, 'docs', 'choosing.mdx');
  const step = extractSteps(readFileSync(page, 'utf8'), page).steps.find((s) => s.role.kind === 'step' && s.role.name === name);
  if (!step) throw new Error(`roundtrip: ${page} has no step=${name}`);
  return step.commands.map((c) => c.command);
}

interface Shell {
  exec(command: string, opts?: { timeoutMs?: number }): Promise<{ output: string; status: number }>;
  stop(): Promise<unknown>;
}

async function check(vm: Shell, command: string): Promise<string> {
  const r = await vm.exec(command, { timeoutMs: 60_000 });
  if (r.status !== 0) throw new Error(`roundtrip: \`${command}\` exited ${r.status}:\n${r.output}`);
  return r.output;
}

/** One lab's runs, each in a fresh VM, as the literate test runs the page. */
async function runsOn(lab: LabName, boot: () => Promise<Shell>): Promise<LabFigures> {
  const runs: Run[] = [];
  let kernel = '';
  for (let i = 0; i < RUNS; i++) {
    const vm = await boot();
    try {
      kernel = (await check(vm, 'uname -r')).trim();
      for (const command of pageStep('compare-load')) await check(vm, command);
      const [program] = pageStep('compare');
      const t = performance.now();
      const out = await check(vm, program!);
      const ms = performance.now() - t;
      runs.push(parseRun(out));
      console.error(`roundtrip: ${lab} run ${i + 1}/${RUNS}, ${ms.toFixed(0)} ms\n${out}`);
    } finally {
      await vm.stop();
    }
  }
  return combineRuns(lab, kernel, runs);
}

export async function measureRoundTrips(lab: Lab): Promise<Measured> {
  const server = await runsOn('server', () => bootLabVM(lab, { lesson: 'compare' }));
  const tabLab = await buildTabLab({ quiet: true });
  const tab = await runsOn('tab', async () => {
    const vm = new TabVM(await nodeTabMachine({ kind: 'state', state: readTabState(tabLab) }));
    await vm.enter('compare');
    return vm;
  });
  const measured: Measured = {
    date: new Date().toISOString().slice(0, 10),
    command: 'npm run bench -- roundtrip --write',
    labs: [server, tab],
  };
  checkMeasured(measured);
  return measured;
}

/** The figures as the bench prints them: one row per mechanism and lab. */
export function roundTripRows(m: Measured): Row[] {
  return m.labs.flatMap((l) => {
    const r = ratios(l);
    const where = l.lab === 'server' ? 'x86-64 QEMU' : 'i386 v86';
    return [
      ...l.roundTrips.map((t) => ({
        what: `${where}: ${ROUND_TRIPS.find((s) => s.id === t.id)!.label}`,
        value: `${t.ns} ns, ${formatRatio(r[t.id]!)} x getppid()`,
      })),
      ...l.bulk.map((b) => ({ what: `${where}: ${BULK.find((s) => s.id === b.id)!.label}`, value: `${b.mibps} MiB/s` })),
    ];
  });
}

export async function benchRoundTrip(lab: Lab, { write = false } = {}): Promise<Row[]> {
  const measured = await measureRoundTrips(lab);
  if (write) {
    writeFileSync(MEASURED_JSON, `${JSON.stringify(measured, null, 2)}\n`);
    console.error(`roundtrip: wrote ${MEASURED_JSON}`);
  }
  return roundTripRows(measured);
}
