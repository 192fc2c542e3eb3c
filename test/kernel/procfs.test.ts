// kernel/procfs: /proc/my_proc_file, read with seq_file, written with kstrtoint_from_user;
// and procfs_seq.ko's /proc/lab_seq, a listing read through seq_file's iterator.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { LabVM } from '../../lab/vm/lab-vm.ts';
import { describeLesson, expectRun } from '../helpers/guest.ts';
import { attributeFileTests } from './attribute-file.ts';

const LAB_SEQ = '/proc/lab_seq';
const WALKS = '/sys/module/procfs_seq/parameters/walks';

/** What /proc/lab_seq lists for `records`: "%4u %10u\n" of n and n², n from 1. */
function records(count: number, from = 1): string {
  let out = '';
  for (let n = from; n < from + count; n++) out += `${String(n).padStart(4)} ${String(n * n).padStart(10)}\n`;
  return out;
}

async function walks(vm: LabVM): Promise<number> {
  const r = await expectRun(vm, `cat ${WALKS}`, { out: /^\d+\n$/, status: 0 });
  return Number(r.output);
}

function labSeqTests(vm: () => LabVM): void {
  test('procfs_seq: /proc/lab_seq lists its 500 records, read whole or in 1-, 7- and 4096-byte reads', async () => {
    await expectRun(vm(), 'insmod procfs_seq.ko', { out: '', status: 0 });
    const want = records(500);
    assert.equal(want.length, 8000, 'the listing spans more than one page');
    await expectRun(vm(), `cat ${LAB_SEQ}`, { out: want, status: 0 });
    for (const bs of [1, 7, 4096]) {
      await expectRun(vm(), `dd if=${LAB_SEQ} bs=${bs} 2>/dev/null`, { out: want, status: 0, timeoutMs: 60_000 });
    }
    await expectRun(vm(), `wc -l < ${LAB_SEQ}`, { out: '500\n' });
  });

  test('procfs_seq: a read walks the list from where the last one stopped; small reads walk once a record', async () => {
    let before = await walks(vm());
    // Two short reads (dd's "+2"): a read returns the whole lines one walk printed, 4080 and 3920 bytes, never 4096.
    await expectRun(vm(), `dd if=${LAB_SEQ} of=/dev/null bs=4096`, { out: '0+2 records in\n0+2 records out\n', status: 0 });
    const whole = (await walks(vm())) - before;
    // 255 lines of 16 bytes fill seq_file's page; 245 more; then a walk that finds the end.
    assert.ok(whole >= 2 && whole <= 4, `4096-byte reads walked the list ${whole} times`);
    before = await walks(vm());
    await expectRun(vm(), `dd if=${LAB_SEQ} of=/dev/null bs=7`, { out: '1142+1 records in\n1142+1 records out\n', status: 0 });
    const small = (await walks(vm())) - before;
    // A 7-byte read asks for less than a line: each walk shows one record, and the reads in between use its rest.
    assert.ok(small >= 500 && small <= 502, `7-byte reads walked the list ${small} times`);
  });

  test('procfs_seq: a reader that seeks starts the walk at its offset', async () => {
    await expectRun(vm(), `dd if=${LAB_SEQ} bs=16 skip=100 count=3 2>/dev/null`, { out: records(3, 101), status: 0 });
    await expectRun(vm(), `tail -c 32 ${LAB_SEQ}`, { out: records(2, 499), status: 0 });
  });

  test('procfs_seq: records=0 and records=10000 are refused; records=3000 lists 48000 bytes', async () => {
    await expectRun(vm(), 'rmmod procfs_seq', { out: '', status: 0 });
    for (const bad of [0, 10000]) {
      await expectRun(vm(), `insmod procfs_seq.ko records=${bad}`, { out: "insmod: can't insert 'procfs_seq.ko': Invalid argument\n", status: 22 });
    }
    await expectRun(vm(), 'insmod procfs_seq.ko records=3000', { out: '', status: 0 });
    await expectRun(vm(), `md5sum < ${LAB_SEQ}`, { out: `${createHash('md5').update(records(3000)).digest('hex')}  -\n`, status: 0 });
    await expectRun(vm(), `dd if=${LAB_SEQ} bs=7 2>/dev/null | md5sum`, { out: `${createHash('md5').update(records(3000)).digest('hex')}  -\n`, status: 0, timeoutMs: 60_000 });
    await expectRun(vm(), 'rmmod procfs_seq', { out: '', status: 0 });
  });

  test('procfs_seq: a file open across rmmod reads EIO; loads and unloads twice, and leaves nothing behind', async () => {
    await expectRun(vm(), 'insmod procfs_seq.ko', { out: '', status: 0 });
    await expectRun(vm(), `exec 3< ${LAB_SEQ}; rmmod procfs_seq; cat <&3; echo "cat=$?"; exec 3<&-`, {
      out: 'cat: read error: Input/output error\ncat=1\n',
      status: 0,
    });
    for (let i = 0; i < 2; i++) {
      await expectRun(vm(), 'insmod procfs_seq.ko', { out: '', status: 0 });
      await expectRun(vm(), `wc -c < ${LAB_SEQ}`, { out: '8000\n' });
      await expectRun(vm(), 'rmmod procfs_seq', { out: '', status: 0 });
      await expectRun(vm(), `test -e ${LAB_SEQ} || test -e /sys/module/procfs_seq`, { status: 1 });
    }
    await expectRun(vm(), 'dmesg | grep procfs_seq:', { out: /(procfs_seq: \/proc\/lab_seq lists 500 records\n.*procfs_seq: exited\n.*){2}$/s });
  });
}

describeLesson('procfs', {
  fixed: (vm) => {
    attributeFileTests(vm, { module: 'procfs_example', file: '/proc/my_proc_file', initialised: 'My proc file initialized', longWrite: 'refused' });
    labSeqTests(vm);
  },
  original: (vm) => {
    test('prints the newline it read back, and mode 0666 lets any user change the value', async () => {
      await expectRun(vm(), 'cd original && insmod procfs_example.ko', { status: 0 });
      await expectRun(vm(), 'stat -c %A /proc/my_proc_file', { out: '-rw-rw-rw-\n' });
      await expectRun(vm(), './user_program', { out: 'Data from kernel: 42\n\nData from kernel: 24\n\n', status: 0 });
      await expectRun(vm(), "su learner -c 'echo 1 > /proc/my_proc_file'", { out: '', status: 0 });
      await expectRun(vm(), 'cat /proc/my_proc_file', { out: '1\n' });
      await expectRun(vm(), 'rmmod procfs_example', { status: 0 });
    });
  },
});
