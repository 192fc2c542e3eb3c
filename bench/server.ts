// Lab server figures from issue 4, through the whole path (WebSocket client
// → server → pty → QEMU → guest shell → back): click-to-prompt warm (a VM
// from the pool) and cold (a boot), keystroke echo latency with 1, 20 and
// 40 concurrent sessions, and the memory of the server and its QEMUs.
import { readFileSync } from 'node:fs';
import type { Lab } from '../lab/builder/lab.ts';
import { defaultLimits, type Limits } from '../lab/server/limits.ts';
import { startLabServer, type LabServer } from '../lab/server/server.ts';
import { stripTerminal } from '../lab/vm/console.ts';
import { LabClient } from '../test/server/client.ts';
import { childQemuPids } from '../test/helpers/processes.ts';
import { median, percentile, type Row } from './table.ts';

const WARM_RUNS = Number(process.env.BENCH_WARM_RUNS ?? 10);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 3);
const ECHOES = Number(process.env.BENCH_ECHOES ?? 100);

const PROMPT_SHOWN = /lab:\S*# $/;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Wait for the prompt; a session that ends in error or is refused fails the bench at once. */
export function prompt(c: LabClient, ms = 120_000): Promise<true> {
  return c.until(() => {
    if (c.state === 'error' || c.state === 'full' || c.closed) throw new Error(`no lab: ${JSON.stringify(c.statuses.at(-1))}`);
    // The shell may redraw its prompt (a resize is a SIGWINCH): look at the text.
    return PROMPT_SHOWN.test(stripTerminal(c.output.slice(-256)));
  }, ms, 'the prompt');
}

export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** A lab server for one measurement; `snapshot: false` boots every VM, as before snapshots. */
export async function withServer<T>(lab: Lab, limits: Partial<Limits>, f: (s: LabServer) => Promise<T>, { snapshot = true } = {}): Promise<T> {
  const s = await startLabServer({
    lab,
    snapshot,
    host: '127.0.0.1',
    port: 0,
    // A closed terminal ends its session at once, so runs do not wait for grace periods.
    limits: { ...defaultLimits(), graceMs: 0, ...limits },
    siteRoot: '/nonexistent',
    log: () => undefined,
  });
  try {
    return await f(s);
  } finally {
    await s.close();
  }
}

/** From opening the WebSocket (the click) to the prompt on the terminal. */
async function clickToPrompt(s: LabServer): Promise<number> {
  const t0 = performance.now();
  const c = new LabClient(s.url);
  await prompt(c);
  const ms = performance.now() - t0;
  await c.close();
  return ms;
}

async function waitPool(s: LabServer, n: number): Promise<void> {
  while (s.pool.stats.idle < n) await sleep(100);
}

/** Type one character and time its echo; then erase it (and time that echo too). */
async function echoes(c: LabClient, n: number, gapMs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const [key, echo] of [['x', 'x'], ['\x7f', '\b']] as const) {
      const from = c.received;
      const t0 = performance.now();
      c.input(key);
      await c.until(() => c.received > from && c.output.slice(-(c.received - from)).includes(echo), 10_000, 'an echo');
      out.push(performance.now() - t0);
      await sleep(gapMs);
    }
  }
  return out;
}

async function concurrent(lab: Lab, n: number): Promise<{ p50: number; p95: number; serverMiB: number; qemuMiB: number; bootS: number }> {
  return withServer(lab, { maxSessions: n + 1, poolSize: 0, maxBooting: 2, idleMs: 3_600_000 }, async (s) => {
    const t0 = performance.now();
    const clients = Array.from({ length: n }, () => new LabClient(s.url, { keep: 4096 }));
    await Promise.all(clients.map((c) => prompt(c, 600_000)));
    const bootS = (performance.now() - t0) / 1000;
    await sleep(3000); // let the boots' after-effects settle
    // Everyone types at once, about five keys a second, as a class would.
    const lat = (await Promise.all(clients.map(async (c, i) => {
      await sleep((i * 200) / n);
      return echoes(c, 10, 200);
    }))).flat();
    const qemuMiB = childQemuPids().reduce((sum, pid) => sum + rssMiB(pid), 0);
    const serverMiB = process.memoryUsage().rss / 1048576;
    await Promise.all(clients.map((c) => c.close()));
    return { p50: percentile(lat, 50), p95: percentile(lat, 95), serverMiB, qemuMiB, bootS };
  }, { snapshot: false });
}

export async function benchServer(lab: Lab): Promise<Row[]> {
  const rows: Row[] = [];
  const warm = await withServer(lab, { poolSize: 2, maxSessions: 4 }, async (s) => {
    const times: number[] = [];
    for (let i = 0; i < WARM_RUNS; i++) {
      await waitPool(s, 1);
      await sleep(300);
      times.push(await clickToPrompt(s));
    }
    return times;
  });
  const warmMed = median(warm);
  rows.push({
    what: `click-to-prompt, warm: a VM from the pool (median of ${WARM_RUNS}; max ${Math.max(...warm).toFixed(0)})`,
    value: `${warmMed.toFixed(0)} ms`,
    target: '<= 300 ms',
    ok: warmMed <= 300,
  });
  for (const snapshot of [false, true]) {
    const cold = await withServer(lab, { poolSize: 0, maxSessions: 2 }, async (s) => {
      const times: number[] = [];
      for (let i = 0; i < COLD_RUNS; i++) times.push(await clickToPrompt(s));
      return times;
    }, { snapshot });
    const what = snapshot ? 'empty pool, a restore from the snapshot' : 'cold: a boot (--no-snapshot), progress shown';
    rows.push({ what: `click-to-prompt, ${what} (median of ${COLD_RUNS})`, value: `${median(cold).toFixed(0)} ms` });
  }

  const one = await withServer(lab, { poolSize: 1, maxSessions: 2 }, async (s) => {
    const c = new LabClient(s.url, { keep: 4096 });
    await prompt(c);
    await sleep(500);
    const lat = await echoes(c, ECHOES / 2, 20);
    await c.close();
    return lat;
  });
  const p95 = percentile(one, 95);
  rows.push({ what: `keystroke echo, 1 session: p50 (${one.length} keys)`, value: `${percentile(one, 50).toFixed(1)} ms` });
  rows.push({ what: 'keystroke echo, 1 session: p95', value: `${p95.toFixed(1)} ms`, target: '<= 15 ms', ok: p95 <= 15 });

  for (const n of [20, 40]) {
    const r = await concurrent(lab, n);
    rows.push({ what: `${n} sessions: all booted (cold, --no-snapshot, 2 at a time)`, value: `${r.bootS.toFixed(0)} s` });
    rows.push({ what: `${n} sessions typing at once: echo p50`, value: `${r.p50.toFixed(1)} ms` });
    rows.push({
      what: `${n} sessions typing at once: echo p95`,
      value: `${r.p95.toFixed(1)} ms`,
      target: n === 40 ? '<= 100 ms' : undefined,
      ok: n === 40 ? r.p95 <= 100 : undefined,
    });
    rows.push({ what: `${n} sessions: RSS of the server / of all QEMUs`, value: `${r.serverMiB.toFixed(0)} / ${r.qemuMiB.toFixed(0)} MiB` });
  }
  return rows;
}
