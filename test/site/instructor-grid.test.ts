// The instructor's grid without React (src/components/Instructor/grid.ts):
// its sort on every column both ways, a learner's name as shown, the time
// since their last progress, and who is flagged as stuck.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LearnerRow } from '../../lab/instructor-protocol.ts';
import { COLUMNS, displayName, formatSince, nextSort, sortRows, stuck, type Column } from '../../src/components/Instructor/grid.ts';

const NOW = 10_000_000;
const MIN = 60_000;

function row(learner: string, extra: Partial<LearnerRow> = {}): LearnerRow {
  return { learner, vm: 'ready', stepsRun: 0, checksPassed: 0, joined: NOW - 60 * MIN, seen: NOW, server: 'lab-1', ...extra };
}

const id = (c: string): string => c.repeat(20);

// Each column orders these five differently, and each has a row with nothing in it.
const ROWS: LearnerRow[] = [
  row(id('a'), { name: 'Chen', lesson: 'signal', lastStep: 'exercise-2', stepsRun: 5, checksPassed: 1, lastProgress: NOW - 2 * MIN, vm: 'ready' }),
  row(id('b'), { name: 'ada', lesson: 'ioctl', lastStep: 'exercise-10', stepsRun: 9, checksPassed: 3, lastProgress: NOW - 30 * MIN, vm: 'panic' }),
  row(id('c'), { name: 'Bruno', lesson: 'mmap', lastStep: 'step-load', stepsRun: 1, checksPassed: 0, lastProgress: NOW - 10_000, vm: 'booting' }),
  row(id('d'), { lesson: 'syscall', stepsRun: 3, checksPassed: 2, vm: 'left' }),
  row(id('e'), { name: 'Dana', stepsRun: 7, checksPassed: 4, lastProgress: NOW - 5 * MIN, vm: 'full' }),
];

const order = (rows: LearnerRow[]): string[] => rows.map((r) => r.learner[0]!);

test('sorts by each column, both ways, rows with nothing in the column last', () => {
  const expected: Record<Column, { asc: string; desc: string }> = {
    // Case aside; the learner with no name last.
    name: { asc: 'bcaed', desc: 'eacbd' },
    lesson: { asc: 'bcade', desc: 'dacbe' },
    // Numbers in their order: exercise-2 before exercise-10; the two with no step by name.
    lastStep: { asc: 'abced', desc: 'cbaed' },
    stepsRun: { asc: 'cdaeb', desc: 'beadc' },
    checksPassed: { asc: 'cadbe', desc: 'ebdac' },
    // Ascending: the most recent progress first.
    since: { asc: 'caebd', desc: 'beacd' },
    // Ascending: the VMs that need the instructor first.
    vm: { asc: 'becad', desc: 'daceb' },
  };
  for (const column of COLUMNS) {
    for (const direction of ['asc', 'desc'] as const) {
      assert.equal(order(sortRows(ROWS, { column, direction })).join(''), expected[column][direction], `${column} ${direction}`);
    }
  }
});

test('ties go by name, then id, the same way whichever the direction; the rows given stay as they were', () => {
  const rows = [
    row(id('z'), { name: 'Sam', stepsRun: 2 }),
    row(id('y'), { stepsRun: 2 }),
    row(id('x'), { name: 'Sam', stepsRun: 2 }),
    row(id('w'), { name: 'Ann', stepsRun: 2 }),
    row(id('v'), { stepsRun: 1 }),
  ];
  const given = order(rows).join('');
  assert.equal(order(sortRows(rows, { column: 'stepsRun', direction: 'asc' })).join(''), 'vwxzy');
  assert.equal(order(sortRows(rows, { column: 'stepsRun', direction: 'desc' })).join(''), 'wxzyv');
  assert.equal(order(sortRows(rows, { column: 'name', direction: 'desc' })).join(''), 'xzwvy', 'two Sams by id; unnamed last, by id');
  assert.equal(order(rows).join(''), given);
});

test('a click on a header sorts by it, a second click the other way', () => {
  assert.deepEqual(nextSort({ column: 'name', direction: 'asc' }, 'since'), { column: 'since', direction: 'asc' });
  assert.deepEqual(nextSort({ column: 'since', direction: 'asc' }, 'since'), { column: 'since', direction: 'desc' });
  assert.deepEqual(nextSort({ column: 'since', direction: 'desc' }, 'since'), { column: 'since', direction: 'asc' });
});

test("a learner's name, or a short id for one who gave none", () => {
  assert.equal(displayName({ learner: 'Xk3_9f-abcdefghijklmn', name: 'Ada Lovelace' }), 'Ada Lovelace');
  assert.equal(displayName({ learner: 'Xk3_9f-abcdefghijklmn' }), 'learner · Xk3_9f');
  assert.equal(displayName({ learner: 'Xk3_9f-abcdefghijklmn', name: '  ' }), 'learner · Xk3_9f', 'a blank name is no name');
  assert.equal(displayName({ learner: 'Xk3_9f-abcdefghijklmn' }, '学员'), '学员 · Xk3_9f');
});

test('the time since the last progress', () => {
  assert.equal(formatSince(undefined, NOW), '—');
  assert.equal(formatSince(NOW, NOW), '0 s');
  assert.equal(formatSince(NOW - 42_900, NOW), '42 s');
  assert.equal(formatSince(NOW - 59_999, NOW), '59 s');
  assert.equal(formatSince(NOW - MIN, NOW), '1 min');
  assert.equal(formatSince(NOW - 3 * MIN - 59_000, NOW), '3 min');
  assert.equal(formatSince(NOW - 59 * MIN, NOW), '59 min');
  assert.equal(formatSince(NOW - 60 * MIN, NOW), '1 h');
  assert.equal(formatSince(NOW - 65 * MIN, NOW), '1 h 5 min');
  assert.equal(formatSince(NOW - 26 * 60 * MIN, NOW), '26 h');
  assert.equal(formatSince(NOW + 5000, NOW), '0 s', 'a progress a little ahead of the clock is now');
});

test('who is stuck: a panicked VM, no room, or no progress for stuckAfterMs; not who progressed lately or has no VM up', () => {
  const after = 5 * MIN;
  assert.equal(stuck(row(id('a'), { vm: 'panic', lastProgress: NOW - 1000 }), NOW, after), true, 'panicked, whatever the progress');
  assert.equal(stuck(row(id('a'), { vm: 'full', joined: NOW }), NOW, after), true, 'the lab had no room for them');
  assert.equal(stuck(row(id('a'), { lastProgress: NOW - after }), NOW, after), true, 'idle for stuckAfterMs');
  assert.equal(stuck(row(id('a'), { lastProgress: NOW - after + 1000 }), NOW, after), false, 'progress a little less than stuckAfterMs ago');
  assert.equal(stuck(row(id('a'), { lastProgress: NOW - 10_000 }), NOW, after), false, 'progress 10 s ago');
  assert.equal(stuck(row(id('a'), { joined: NOW - 6 * MIN }), NOW, after), true, 'no progress since joining 6 min ago');
  assert.equal(stuck(row(id('a'), { joined: NOW - MIN }), NOW, after), false, 'joined a minute ago');
  assert.equal(stuck(row(id('a'), { vm: 'booting', joined: NOW - 6 * MIN }), NOW, after), true, 'a VM booting for 6 min');
  assert.equal(stuck(row(id('a'), { vm: 'left', lastProgress: NOW - 60 * MIN }), NOW, after), false, 'gone: nothing to help with');
  assert.equal(stuck(row(id('a'), { vm: 'exited', lastProgress: NOW - 60 * MIN }), NOW, after), false);
  assert.equal(stuck(row(id('a'), { lastProgress: NOW - 4 * MIN }), NOW, 3 * MIN), true, "the server's stuckAfterMs, not a fixed one");
});
