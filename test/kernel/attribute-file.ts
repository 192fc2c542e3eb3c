// procfs and sysfs teach the same contract from two places: a text file that
// reads 42, takes 24, refuses what is not an int and refuses other users.
import { test } from 'node:test';
import type { LabVM } from '../../lab/vm/lab-vm.ts';
import { expectRun } from '../helpers/guest.ts';

export interface AttributeFile {
  module: string;
  file: string;
  /** The module's pr_info line on load. */
  initialised: string;
  /**
   * A write longer than an int's text: sysfs hands the store all of it;
   * the procfs module refuses it rather than parse a cut copy.
   */
  longWrite: 'whole' | 'refused';
}

const ROUND_TRIP = 'Data from kernel: 42\nData to kernel: 24\nData from kernel: 24\n';

export function attributeFileTests(vm: () => LabVM, { module, file, initialised, longWrite }: AttributeFile): void {
  test('before insmod the file does not exist', async () => {
    await expectRun(vm(), './user_program', { out: 'open: No such file or directory\n', status: 1 });
  });

  test('loads, reads 42, takes 24, unloads and the file is gone; twice', async () => {
    for (let i = 0; i < 2; i++) {
      await expectRun(vm(), `insmod ${module}.ko`, { out: '', status: 0 });
      await expectRun(vm(), './user_program', { out: ROUND_TRIP, status: 0 });
      await expectRun(vm(), `cat ${file}`, { out: '24\n' });
      await expectRun(vm(), `rmmod ${module}`, { out: '', status: 0 });
      await expectRun(vm(), `test -e ${file}`, { status: 1 });
    }
    await expectRun(vm(), `dmesg | grep ${module}`, { out: new RegExp(`${module}: ${initialised}\n.*${module}: data set to 24\n`, 's') });
  });

  test('refuses what is not an int with EINVAL or ERANGE, and keeps the value', async () => {
    await expectRun(vm(), `insmod ${module}.ko`, { status: 0 });
    for (const bad of ['abc', '12abc', '']) {
      await expectRun(vm(), `echo ${bad} > ${file}`, { out: 'sh: write error: Invalid argument\n', status: 1 });
    }
    await expectRun(vm(), `echo 99999999999 > ${file}`, { out: 'sh: write error: Numerical result out of range\n', status: 1 });
    await expectRun(vm(), `cat ${file}`, { out: '42\n' });
  });

  test(`a long write (40 zeros and a 5) is ${longWrite === 'whole' ? 'read whole' : 'refused'}, never cut short`, async () => {
    const long = `${'0'.repeat(40)}5`;
    if (longWrite === 'whole') {
      await expectRun(vm(), `echo ${long} > ${file} && cat ${file} && echo 42 > ${file}`, { out: '5\n', status: 0 });
    } else {
      await expectRun(vm(), `echo ${long} > ${file}`, { out: 'sh: write error: Invalid argument\n', status: 1 });
    }
    await expectRun(vm(), `cat ${file}`, { out: '42\n' });
  });

  test('other users may read but not write (mode 0644)', async () => {
    await expectRun(vm(), `su learner -c 'echo 1 > ${file}'`, { out: `sh: can't create ${file}: Permission denied\n`, status: 1 });
    await expectRun(vm(), `su learner -c 'cat ${file}'`, { out: '42\n', status: 0 });
    await expectRun(vm(), `rmmod ${module}`, { status: 0 });
  });
}
