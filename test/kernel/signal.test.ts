// kernel/signal: a write() of a PID makes the kernel send that process SIGIO with a value.
import { test } from 'node:test';
import { describeLesson, expectRun } from '../helpers/guest.ts';

// 128 + 29: a shell's status for a process killed by SIGIO.
const KILLED_BY_SIGIO = 157;

describeLesson('signal', {
  fixed: (vm) => {
    test('before insmod there is no device to write to', async () => {
      await expectRun(vm(), './user_program', { out: 'open: No such file or directory\n', status: 1 });
    });

    test('loads, delivers 42 with the signal, unloads and cleans up; twice', async () => {
      for (let i = 0; i < 2; i++) {
        await expectRun(vm(), 'insmod signal_example.ko', { out: '', status: 0 });
        await expectRun(vm(), './user_program', { out: 'Data from kernel: 42\n', status: 0 });
        await expectRun(vm(), 'rmmod signal_example', { out: '', status: 0 });
        await expectRun(vm(), 'ls /dev/my_device /sys/class/signal_example 2>/dev/null', { status: 1 });
      }
      await expectRun(vm(), 'dmesg | grep signal_example', { out: /signal_example: sent SIGIO with 42 to pid \d+\n/ });
    });

    test('the signal goes to the PID written, not to the writer', async () => {
      await expectRun(vm(), 'insmod signal_example.ko', { status: 0 });
      await expectRun(vm(), 'sleep 30 & ./user_program $!; wait $!; echo "sleep=$?"', {
      // The shell may report the job's death ("I/O possible") before `wait` returns.
      out: new RegExp(`^Asked the kernel to signal pid \\d+\\n(I/O possible\\n)?sleep=${KILLED_BY_SIGIO}\\n`),
      });
    });

    test('short and long writes, PID 0 and missing processes are refused', async () => {
      for (const bytes of ['ab', 'abcdefgh']) {
        await expectRun(vm(), `echo -n ${bytes} > /dev/my_device`, { out: 'sh: write error: Invalid argument\n', status: 1 });
      }
      await expectRun(vm(), './user_program 0', { out: 'write: Invalid argument\n', status: 1 });
      await expectRun(vm(), './user_program 99999', { out: 'write: No such process\n', status: 1 });
    });

    test("an unprivileged user may signal its own processes but not another user's (EPERM)", async () => {
      await expectRun(vm(), 'chmod 666 /dev/my_device', { status: 0 });
      await expectRun(vm(), "su learner -c './user_program 1'", { out: 'write: Operation not permitted\n', status: 1 });
      await expectRun(vm(), 'su learner -c ./user_program', { out: 'Data from kernel: 42\n', status: 0 });
      await expectRun(vm(), `su learner -c 'sleep 30' & sleep 0.5; su learner -c "./user_program $!"; wait $!; echo "sleep=$?"`, {
        out: new RegExp(`sleep=${KILLED_BY_SIGIO}\\n`),
      });
      await expectRun(vm(), 'rmmod signal_example', { status: 0 });
    });
  },
  original: (vm) => {
    test('has no device node until someone runs mknod', async () => {
      await expectRun(vm(), 'cd original && insmod signal_example.ko', { status: 0 });
      await expectRun(vm(), './user_program', { out: 'open: No such file or directory\n', status: 1 });
      await expectRun(vm(), 'mknod /dev/my_device c 240 0', { status: 0 });
    });

    test('its program loops forever after the signal', async () => {
      await expectRun(vm(), 'timeout 3 ./user_program', { out: 'Data from kernel: 42\nTerminated\n', status: 143 });
    });

    test('signals the writer, not the PID it was given', async () => {
      await expectRun(vm(), 'sleep 30 & ../user_program $!; echo "writer=$?"; kill -0 $! && echo "sleeper alive"; kill $!', {
        out: new RegExp(`writer=${KILLED_BY_SIGIO}\\nsleeper alive\\n`),
      });
      await expectRun(vm(), 'rmmod signal_example && rm /dev/my_device', { status: 0 });
    });
  },
});
