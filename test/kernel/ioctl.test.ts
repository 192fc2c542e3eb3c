// kernel/ioctl: GET and SET on /dev/my_device through one shared header.
import { test } from 'node:test';
import { describeLesson, expectRun } from '../helpers/guest.ts';

// ENOTTY as the guest's user programs spell it: they are static musl
// binaries, and musl says "Not a tty" where glibc says "Inappropriate ioctl
// for device" (lab/builder/image.ts says why musl).
const ENOTTY = 'Not a tty';
const ROUND_TRIP = 'Data from kernel: 42\nData to kernel: 24\nData from kernel: 24\n';

describeLesson('ioctl', {
  fixed: (vm) => {
    test('before insmod there is no device to open', async () => {
      await expectRun(vm(), './user_program', { out: 'open: No such file or directory\n', status: 1 });
    });

    test('loads with its device node, GET after SET returns the value, unloads; twice', async () => {
      for (let i = 0; i < 2; i++) {
        await expectRun(vm(), 'insmod ioctl_example.ko', { out: '', status: 0 });
        await expectRun(vm(), 'test -c /dev/my_device', { status: 0 });
        await expectRun(vm(), './user_program', { out: ROUND_TRIP, status: 0 });
        await expectRun(vm(), './user_program get', { out: 'Data from kernel: 24\n', status: 0 });
        await expectRun(vm(), 'rmmod ioctl_example', { out: '', status: 0 });
        await expectRun(vm(), 'test -e /dev/my_device', { status: 1 });
      }
      await expectRun(vm(), 'dmesg | grep ioctl_example', { out: /ioctl_example: My device initialized\n.*ioctl_example: data set to 24\n/s });
    });

    test("an unknown command is ENOTTY, and so are the article's numbers (type 'd')", async () => {
      await expectRun(vm(), 'insmod ioctl_example.ko', { status: 0 });
      await expectRun(vm(), './user_program bad', { out: `ioctl(IOCTL_CMD_UNKNOWN): ${ENOTTY}\n`, status: 1 });
      await expectRun(vm(), 'original/user_program', { out: `ioctl: ${ENOTTY}\n`, status: 1 });
      await expectRun(vm(), './user_program set -5; ./user_program get', { out: 'Data to kernel: -5\nData from kernel: -5\n' });
      await expectRun(vm(), 'rmmod ioctl_example', { status: 0 });
    });
  },
  original: (vm) => {
    test('has no device node until someone runs mknod', async () => {
      await expectRun(vm(), 'cd original && insmod ioctl_example.ko', { status: 0 });
      await expectRun(vm(), './user_program', { out: 'open: No such file or directory\n', status: 1 });
      await expectRun(vm(), 'mknod /dev/my_device c 240 0 && ./user_program', { out: 'Data from kernel: 42\n', status: 0 });
    });

    test("knows only its own numbers: the fixed program's type 'x' gets ENOTTY", async () => {
      await expectRun(vm(), '../user_program', { out: `ioctl(IOCTL_CMD_GET_DATA): ${ENOTTY}\n`, status: 1 });
      await expectRun(vm(), '../user_program bad', { out: `ioctl(IOCTL_CMD_UNKNOWN): ${ENOTTY}\n`, status: 1 });
      await expectRun(vm(), 'rmmod ioctl_example && rm /dev/my_device', { status: 0 });
    });
  },
});
