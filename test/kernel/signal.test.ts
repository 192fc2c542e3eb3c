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

    // signal_poll.ko: /dev/my_events, how drivers tell a process that something happened.
    test('signal_poll loads, makes /dev/my_events, unloads and leaves nothing behind; twice', async () => {
      for (let i = 0; i < 2; i++) {
        await expectRun(vm(), 'insmod signal_poll.ko', { out: '', status: 0 });
        await expectRun(vm(), 'test -c /dev/my_events && test -d /sys/class/signal_poll', { status: 0 });
        // A new module starts with no event pending, whatever the last one had.
        await expectRun(vm(), './poll_program nonblock', { out: 'read: Resource temporarily unavailable\n', status: 1 });
        await expectRun(vm(), 'echo > /dev/my_events && ./poll_program nonblock', { out: 'Events since the last read: 1\n', status: 0 });
        await expectRun(vm(), 'echo > /dev/my_events && rmmod signal_poll', { out: '', status: 0 });
        await expectRun(vm(), 'ls /dev/my_events /sys/class/signal_poll 2>/dev/null', { status: 1 });
      }
      await expectRun(vm(), 'dmesg | grep signal_poll:', {
        out: /^(.*signal_poll: \/dev\/my_events ready\n.*signal_poll: exited\n){2}$/,
      });
    });

    test('events are counted until a read takes them all; then a non-blocking read gets EAGAIN', async () => {
      await expectRun(vm(), 'insmod signal_poll.ko', { status: 0 });
      await expectRun(vm(), 'for i in 1 2 3; do echo > /dev/my_events; done; ./poll_program nonblock', {
        out: 'Events since the last read: 3\n',
        status: 0,
      });
      await expectRun(vm(), './poll_program nonblock', { out: 'read: Resource temporarily unavailable\n', status: 1 });
    });

    test('a read without room for the whole line is refused (EINVAL), and the event stays', async () => {
      await expectRun(vm(), 'echo > /dev/my_events; dd if=/dev/my_events bs=4 count=1 2>&1 >/dev/null', { out: /Invalid argument/ });
      await expectRun(vm(), './poll_program nonblock', { out: 'Events since the last read: 1\n', status: 0 });
    });

    test('a blocking read sleeps until an event comes, and a signal ends the wait', async () => {
      await expectRun(vm(), '(head -n 1 /dev/my_events & sleep 0.5; kill -0 $! && echo "still reading"; echo > /dev/my_events; wait $!)', {
        out: 'still reading\n1\n',
        status: 0,
      });
      // wait_event_interruptible(): SIGTERM from timeout ends the read (128 + 15).
      await expectRun(vm(), 'timeout 1 head -n 1 /dev/my_events', { status: 143 });
    });

    test('poll() waits until an event and not before, then reports POLLIN', async () => {
      await expectRun(vm(), './poll_program poll 1', { out: 'Waiting with poll()\npoll: no event within 1 s\n', status: 1 });
      await expectRun(vm(), '(./poll_program poll & sleep 0.5; kill -0 $! && echo "still waiting"; echo > /dev/my_events; wait $!)', {
        out: 'Waiting with poll()\nstill waiting\npoll: POLLIN\nEvents since the last read: 1\n',
        status: 0,
      });
    });

    test('O_ASYNC: SIGIO comes with SI_KERNEL, or after F_SETSIG with POLL_IN, the fd and the band', async () => {
      await expectRun(vm(), '(./poll_program async & sleep 1; echo > /dev/my_events; wait $!)', {
        out: 'Waiting for SIGIO\nSIGIO: si_code SI_KERNEL\nEvents since the last read: 1\n',
        status: 0,
      });
      await expectRun(vm(), '(./poll_program async-setsig & sleep 1; echo > /dev/my_events; wait $!)', {
        out: 'Waiting for SIGIO\nSIGIO: si_code POLL_IN, si_fd 3, si_band POLLIN|POLLRDNORM\nEvents since the last read: 1\n',
        status: 0,
      });
      await expectRun(vm(), './poll_program async 1', { out: 'Waiting for SIGIO\nno SIGIO within 1 s\n', status: 1 });
    });

    test('the last close takes the file off the fasync list: no SIGIO after it', async () => {
      await expectRun(vm(), '(./poll_program closed 2 & sleep 1; echo > /dev/my_events; wait $!)', {
        out: 'Closed the file; waiting 2 s for SIGIO\nNo SIGIO: the close took the file off the list\n',
        status: 0,
      });
      await expectRun(vm(), './poll_program nonblock', { out: 'Events since the last read: 1\n', status: 0 });
    });

    test('an open file holds the module: rmmod fails while a reader waits, and works after', async () => {
      await expectRun(vm(), '(head -n 1 /dev/my_events & sleep 0.5; rmmod signal_poll; echo "rmmod=$?"; echo > /dev/my_events; wait $!)', {
        out: /^rmmod: .*signal_poll.*\nrmmod=1\n1\n$/,
        status: 0,
      });
      await expectRun(vm(), 'rmmod signal_poll', { out: '', status: 0 });
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
