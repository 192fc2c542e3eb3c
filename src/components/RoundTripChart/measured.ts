/*
 * The measured comparison of the mechanisms: what kernel/compare's program
 * prints, read into figures (for bench/roundtrip.ts, which writes
 * kernel/compare/measured.json), and those figures arranged for the page's
 * table and chart. Pure functions, shared by the bench, the components and
 * their test (test/components/round-trip.test.ts).
 */

/** The labs a reader can get, as the literate tests name them. */
export type LabName = 'server' | 'tab';

/** A round trip the program times: its id here, and its label in the program's output. */
export interface RowSpec {
  readonly id: string;
  readonly label: string;
}

/** In the program's order (kernel/compare/user_program.c, trips[]). */
export const ROUND_TRIPS: readonly RowSpec[] = [
  {id: 'getppid', label: 'getppid(), a bare system call'},
  {id: 'syscall', label: "my_syscall(42), the lab's"},
  {id: 'ioctl', label: 'ioctl GET'},
  {id: 'ioctl-set', label: 'ioctl SET, which logs a line'},
  {id: 'netlink', label: 'netlink GET and its reply'},
  {id: 'procfs', label: 'procfs pread'},
  {id: 'sysfs', label: 'sysfs pread'},
  {id: 'sysfs-open', label: 'sysfs open, read, close'},
  {id: 'signal', label: 'signal: write PID, SIGIO back'},
  {id: 'mmap', label: 'mmap: store, kernel reads it'},
  {id: 'store', label: 'mmap: store and load, no kernel'},
];

/** The bulk transfers (bulks[] in the program). */
export const BULK: readonly RowSpec[] = [
  {id: 'netlink-4k', label: 'netlink SET of 4 KiB, acked'},
  {id: 'mmap-4k-notify', label: 'mmap: copy 4 KiB, read(2) notice'},
  {id: 'mmap-4k', label: 'mmap: copy 4 KiB'},
];

/** The row every ratio is taken to: the cheapest system call, the cost of crossing itself. */
export const BASELINE = 'getppid';

/** The program's headings, which start its two sections. */
const ROUND_TRIP_HEADING = /^round trip\s+ns\s+x getppid$/;
const BULK_HEADING = /^bulk, 4 KiB at a time\s+MiB\/s$/;

/** One run of the program: nanoseconds per round trip and MiB/s per bulk transfer, by id. */
export interface Run {
  readonly ns: Record<string, number>;
  readonly mibps: Record<string, number>;
}

/**
 * Reads the program's output. Throws unless it is exactly the two sections
 * with every row of ROUND_TRIPS and BULK, in order, each with a number: a
 * changed program must change this file (and the page) too.
 */
export function parseRun(output: string): Run {
  const lines = output.replace(/\r/g, '').split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
  const want = 2 + ROUND_TRIPS.length + BULK.length;
  if (lines.length !== want) throw new Error(`roundtrip: ${lines.length} lines, expected ${want}:\n${output}`);
  const [head, ...rest] = lines;
  if (!ROUND_TRIP_HEADING.test(head!)) throw new Error(`roundtrip: not the round-trip heading: ${head}`);
  const ns: Record<string, number> = {};
  ROUND_TRIPS.forEach((row, i) => {
    const m = new RegExp(`^${escape(row.label)}\\s+(\\d+)\\s+(\\d+\\.\\d{3})$`).exec(rest[i]!);
    if (!m) throw new Error(`roundtrip: expected the row "${row.label}", got: ${rest[i]}`);
    ns[row.id] = Number(m[1]);
  });
  const bulkHead = rest[ROUND_TRIPS.length]!;
  if (!BULK_HEADING.test(bulkHead)) throw new Error(`roundtrip: not the bulk heading: ${bulkHead}`);
  const mibps: Record<string, number> = {};
  BULK.forEach((row, i) => {
    const line = rest[ROUND_TRIPS.length + 1 + i]!;
    const m = new RegExp(`^${escape(row.label)}\\s+(\\d+\\.\\d)$`).exec(line);
    if (!m) throw new Error(`roundtrip: expected the row "${row.label}", got: ${line}`);
    mibps[row.id] = Number(m[1]);
  });
  return {ns, mibps};
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One lab's figures as kernel/compare/measured.json keeps them. */
export interface LabFigures {
  readonly lab: LabName;
  /** The kernel's release, as `uname -r` said. */
  readonly kernel: string;
  /** How many runs of the program each figure is the median of. */
  readonly runs: number;
  /** Median ns per round trip, in ROUND_TRIPS order. */
  readonly roundTrips: readonly {readonly id: string; readonly ns: number}[];
  /** Median MiB/s, in BULK order. */
  readonly bulk: readonly {readonly id: string; readonly mibps: number}[];
}

export interface Measured {
  /** The day of the measurement, YYYY-MM-DD. */
  readonly date: string;
  /** What wrote the file. */
  readonly command: string;
  readonly labs: readonly LabFigures[];
}

/** Several runs on one lab, as one figure per row: the median of the runs. */
export function combineRuns(lab: LabName, kernel: string, runs: readonly Run[]): LabFigures {
  if (runs.length === 0) throw new Error(`roundtrip: no runs on the ${lab} lab`);
  return {
    lab,
    kernel,
    runs: runs.length,
    roundTrips: ROUND_TRIPS.map(({id}) => ({id, ns: Math.round(median(runs.map((r) => r.ns[id]!)))})),
    bulk: BULK.map(({id}) => ({id, mibps: Math.round(median(runs.map((r) => r.mibps[id]!)))})),
  };
}

/** A round trip's time as a multiple of the lab's system call on the same lab. */
export function ratios(lab: LabFigures): Record<string, number> {
  const base = lab.roundTrips.find((r) => r.id === BASELINE)?.ns;
  if (!base) throw new Error(`measured: the ${lab.lab} lab has no ${BASELINE} figure`);
  return Object.fromEntries(lab.roundTrips.map((r) => [r.id, r.ns / base]));
}

/** A ratio as the table shows it: two significant digits, at most two decimals' worth of zeros. */
export function formatRatio(x: number): string {
  if (x >= 10) return x.toFixed(0);
  if (x >= 1) return x.toFixed(1);
  if (x >= 0.01) return x.toFixed(2);
  return x.toFixed(3);
}

/** Nanoseconds as the table shows them: whole, with thin groups of thousands. */
export function formatNs(ns: number): string {
  return Math.round(ns).toString().replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}

/**
 * The chart's horizontal axis, log10 of the ratio: whole decades that hold
 * every ratio, with 1 (the system call) always inside.
 */
export function logAxis(values: readonly number[]): {from: number; to: number} {
  const logs = values.filter((v) => v > 0).map((v) => Math.log10(v));
  return {from: Math.min(0, Math.floor(Math.min(...logs))), to: Math.max(0, Math.ceil(Math.max(...logs)))};
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** An axis tick, 10^d as a multiple: 1×, 10×, 0.1×, and powers (10⁻³×) beyond, which stay narrow. */
export function decadeLabel(d: number): string {
  if (d >= 0 && d <= 2) return `${10 ** d}×`;
  if (d === -1) return '0.1×';
  const digits = String(Math.abs(d)).split('').map((c) => SUPERSCRIPT[Number(c)]).join('');
  return `10${d < 0 ? '⁻' : ''}${digits}×`;
}

/** Checks a measured.json's shape: every row, on every lab, once. */
export function checkMeasured(m: Measured): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(m.date)) throw new Error(`measured: bad date ${m.date}`);
  const labs = m.labs.map((l) => l.lab).sort();
  if (labs.join() !== 'server,tab') throw new Error(`measured: labs ${labs.join()}, expected server and tab`);
  for (const l of m.labs) {
    if (l.roundTrips.map((r) => r.id).join() !== ROUND_TRIPS.map((r) => r.id).join()) throw new Error(`measured: ${l.lab}'s round trips are not the program's`);
    if (l.bulk.map((r) => r.id).join() !== BULK.map((r) => r.id).join()) throw new Error(`measured: ${l.lab}'s bulk rows are not the program's`);
    for (const r of [...l.roundTrips.map((x) => x.ns), ...l.bulk.map((x) => x.mibps)]) {
      if (!Number.isFinite(r) || r < 0) throw new Error(`measured: ${l.lab} has a figure ${r}`);
    }
  }
}
