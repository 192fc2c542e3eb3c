// kernel/procfs: /proc/my_proc_file, read with seq_file, written with kstrtoint_from_user.
import { test } from 'node:test';
import { describeLesson, expectRun } from '../helpers/guest.ts';
import { attributeFileTests } from './attribute-file.ts';

describeLesson('procfs', {
  fixed: (vm) => {
    attributeFileTests(vm, { module: 'procfs_example', file: '/proc/my_proc_file', initialised: 'My proc file initialized', longWrite: 'refused' });
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
