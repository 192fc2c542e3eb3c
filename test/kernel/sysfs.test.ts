// kernel/sysfs: the example the article only promised, /sys/kernel/my_sysfs/data.
import { test } from 'node:test';
import { describeLesson, expectRun } from '../helpers/guest.ts';
import { attributeFileTests } from './attribute-file.ts';

const FILE = '/sys/kernel/my_sysfs/data';

describeLesson('sysfs', {
  fixed: (vm) => {
    attributeFileTests(vm, { module: 'sysfs_example', file: FILE, initialised: 'My sysfs file initialized', longWrite: 'whole' });

    // sysfs_notify() in the store: poll_program waits for POLLPRI|POLLERR, seeks to 0 and reads again.
    test('poll() on the attribute waits, and wakes on an accepted write with the new value', async () => {
      await expectRun(vm(), 'insmod sysfs_example.ko', { status: 0 });
      await expectRun(vm(), `(./poll_program & sleep 0.5; kill -0 $! && echo "still waiting"; echo 7 > ${FILE}; wait $!)`, {
        out: 'Value: 42\nstill waiting\nChanged: 7\n',
        status: 0,
      });
    });

    test('nothing changes, nothing wakes: poll() times out', async () => {
      await expectRun(vm(), './poll_program 1 1', { out: 'Value: 7\npoll: no change within 1 s\n', status: 1 });
    });

    test('a refused write stores nothing and wakes no one', async () => {
      await expectRun(vm(), `(./poll_program 1 1 & sleep 0.3; echo abc > ${FILE}; wait $!)`, {
        out: 'Value: 7\nsh: write error: Invalid argument\npoll: no change within 1 s\n',
        status: 1,
      });
    });

    test('each change wakes the poller once, and it reads each new value', async () => {
      await expectRun(vm(), `(./poll_program 2 & sleep 0.5; echo 8 > ${FILE}; sleep 0.5; echo 9 > ${FILE}; wait $!)`, {
        out: 'Value: 7\nChanged: 8\nChanged: 9\n',
        status: 0,
      });
    });

    test('rmmod does not wake a poller; at its timeout poll() finds the file gone, and going back to read fails', async () => {
      await expectRun(vm(), '(./poll_program 1 2 & sleep 0.3; rmmod sysfs_example; sleep 1; kill -0 $! && echo "still polling"; wait $!)', {
        // 6.1 fails the read; 6.12's kernfs already fails the lseek before it.
        out: /^Value: 9\nstill polling\n(read|lseek): No such device\n$/,
        status: 1,
      });
      await expectRun(vm(), `test -e ${FILE}`, { status: 1 });
    });
  },
});
