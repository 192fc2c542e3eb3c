// The measured comparison's data path: the program's output read into
// figures (bench/roundtrip.ts), several runs combined, and the file the
// page's table and chart read, kept in step with the program.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { KERNEL_EXAMPLES_DIR } from '../../lab/paths.ts';
import {
  BASELINE,
  BULK,
  ROUND_TRIPS,
  checkMeasured,
  combineRuns,
  decadeLabel,
  formatNs,
  formatRatio,
  logAxis,
  median,
  parseRun,
  ratios,
  type Measured,
} from '../../src/components/RoundTripChart/measured.ts';

const SOURCE = readFileSync(join(KERNEL_EXAMPLES_DIR, 'compare', 'user_program.c'), 'utf8');

/** The program's output for the given figures, as its printf()s lay it out. */
function output(ns: (i: number) => number, mibps: (i: number) => number): string {
  const pad = (s: string, n: number): string => s.padEnd(n);
  const lines = [`${pad('round trip', 34)} ${'ns'.padStart(9)} ${'x getppid'.padStart(11)}`];
  const base = ns(0);
  ROUND_TRIPS.forEach((r, i) => lines.push(`${pad(r.label, 34)} ${ns(i).toFixed(0).padStart(9)} ${(ns(i) / base).toFixed(3).padStart(11)}`));
  lines.push(`${pad('bulk, 4 KiB at a time', 34)} ${'MiB/s'.padStart(9)}`);
  BULK.forEach((r, i) => lines.push(`${pad(r.label, 34)} ${mibps(i).toFixed(1).padStart(9)}`));
  return `${lines.join('\r\n')}\r\n`;
}

describe('the round-trip program and its figures', () => {
  test('the rows here are the program\'s, in its order, as it prints them', () => {
    // trips[] and bulks[] in user_program.c: { "label", function },
    const labels = [...SOURCE.matchAll(/^\t\{ "([^"]+)", (?:trip|bulk)_\w+ \},$/gm)].map((m) => m[1]);
    assert.deepEqual(labels, [...ROUND_TRIPS, ...BULK].map((r) => r.label));
    for (const r of [...ROUND_TRIPS, ...BULK]) assert.ok(r.label.length <= 34, `${r.label} is wider than the program's column`);
    assert.match(SOURCE, /base = ns\[0\];/, 'the program divides by its first row, getppid()');
    assert.equal(ROUND_TRIPS[0]!.id, BASELINE);
  });

  test('parseRun reads every row of a run', () => {
    const run = parseRun(output((i) => 1000 + 37 * i, (i) => 10.5 * (i + 1)));
    assert.equal(run.ns.getppid, 1000);
    assert.equal(run.ns.store, 1000 + 37 * (ROUND_TRIPS.length - 1));
    assert.equal(run.mibps['netlink-4k'], 10.5);
    assert.equal(run.mibps['mmap-4k'], 31.5);
    assert.deepEqual(Object.keys(run.ns), ROUND_TRIPS.map((r) => r.id));
  });

  test('parseRun refuses output that is not the program\'s', () => {
    const good = output(() => 500, () => 20);
    const lines = good.split('\r\n');
    assert.throws(() => parseRun(lines.filter((_, i) => i !== 3).join('\n')), /lines, expected/);
    const swapped = [...lines];
    [swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!];
    assert.throws(() => parseRun(swapped.join('\n')), /expected the row/);
    assert.throws(() => parseRun(good.replace('round trip', 'round-trip')), /heading/);
    assert.throws(() => parseRun(good.replace(/ 500 /, ' inf ')), /expected the row/);
    assert.throws(() => parseRun(good.replace('MiB/s', 'KiB/s')), /bulk heading/);
    assert.throws(() => parseRun(output((i) => (i === 0 ? 0 : 5), () => 1)), /expected the row/, 'a zero time makes no ratio');
  });

  test('runs combine to their medians, and ratios are to getppid() on the same lab', () => {
    const runs = [3, 1, 2].map((k) => parseRun(output((i) => k * 100 * (i + 1), () => k)));
    const lab = combineRuns('server', '6.1.192', runs);
    assert.equal(lab.runs, 3);
    assert.equal(lab.roundTrips[0]!.ns, 200);
    assert.equal(lab.bulk[0]!.mibps, 2);
    const r = ratios(lab);
    assert.equal(r.getppid, 1);
    assert.equal(r.syscall, 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.throws(() => combineRuns('tab', 'x', []), /no runs/);
  });

  test('figures are formatted as the table shows them', () => {
    assert.equal(formatRatio(12.4), '12');
    assert.equal(formatRatio(1.26), '1.3');
    assert.equal(formatRatio(0.456), '0.46');
    assert.equal(formatRatio(0.0042), '0.004');
    assert.equal(formatNs(1234567), '1\u202f234\u202f567');
    assert.equal(formatNs(999), '999');
    assert.deepEqual(logAxis([0.004, 1, 7]), { from: -3, to: 1 });
    assert.deepEqual(logAxis([2, 30]), { from: 0, to: 2 }, 'the axis always holds 1×');
    assert.deepEqual([-4, -2, -1, 0, 1, 2, 3].map(decadeLabel), ['10⁻⁴×', '10⁻²×', '0.1×', '1×', '10×', '100×', '10³×']);
  });

  test('kernel/compare/measured.json has every row on both labs, and its ratios make sense', () => {
    const m = JSON.parse(readFileSync(join(KERNEL_EXAMPLES_DIR, 'compare', 'measured.json'), 'utf8')) as Measured;
    checkMeasured(m);
    for (const lab of m.labs) {
      const r = ratios(lab);
      // Physics, not a hard-coded result: a store to memory is cheaper than
      // entering the kernel, and a log line dearer than not logging it.
      assert.ok(r.store! < 0.1, `${lab.lab}: a store costs ${r.store} system calls`);
      assert.ok(r['ioctl-set']! > r.ioctl!, `${lab.lab}: an ioctl that logs is not dearer than one that does not`);
      assert.ok(lab.bulk.find((b) => b.id === 'mmap-4k')!.mibps > lab.bulk.find((b) => b.id === 'netlink-4k')!.mibps, `${lab.lab}: netlink outran memcpy`);
    }
    // On the x86-64 lab (QEMU), whose figures are the steadier of the two,
    // an ioctl that only copies an int costs about a bare entry, and every
    // row that does more in the kernel costs more than one.
    const server = ratios(m.labs.find((l) => l.lab === 'server')!);
    assert.ok(server.ioctl! > 0.5 && server.ioctl! < 2, `server: ioctl GET is ${server.ioctl} getppid()s`);
    for (const id of ROUND_TRIPS.map((t) => t.id).filter((x) => !['store', 'ioctl', BASELINE].includes(x))) {
      assert.ok(server[id]! > 1.5, `server: ${id} costs only ${server[id]} getppid()s`);
    }
    const bad: Measured = { ...m, labs: m.labs.slice(0, 1) };
    assert.throws(() => checkMeasured(bad), /expected server and tab/);
  });
});
