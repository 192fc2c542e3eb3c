// kernel/netlink: a request/reply protocol on netlink family 31.
import { test } from 'node:test';
import { describeLesson, expectRun } from '../helpers/guest.ts';

const NO_PROTOCOL = 'socket: Protocol not supported\n';

describeLesson('netlink', {
  fixed: (vm) => {
    test('before insmod nobody serves the protocol', async () => {
      await expectRun(vm(), './user_program', { out: NO_PROTOCOL, status: 1 });
    });

    test('loads, answers 42, takes 24, unloads; twice', async () => {
      for (let i = 0; i < 2; i++) {
        await expectRun(vm(), 'insmod netlink_example.ko', { out: '', status: 0 });
        await expectRun(vm(), './user_program', { out: 'Data from kernel: 42\n', status: 0 });
        await expectRun(vm(), './user_program set 24', { out: 'Data to kernel: 24\n', status: 0 });
        await expectRun(vm(), './user_program', { out: 'Data from kernel: 24\n', status: 0 });
        await expectRun(vm(), 'rmmod netlink_example', { out: '', status: 0 });
        await expectRun(vm(), './user_program', { out: NO_PROTOCOL, status: 1 });
      }
      await expectRun(vm(), 'dmesg | grep netlink_example', { out: /netlink_example: replying with 42\n.*netlink_example: data set to 24\n/s });
    });

    test('anyone may read the value; only CAP_NET_ADMIN may set it', async () => {
      await expectRun(vm(), 'insmod netlink_example.ko', { status: 0 });
      await expectRun(vm(), "su learner -c './user_program'", { out: 'Data from kernel: 42\n', status: 0 });
      await expectRun(vm(), "su learner -c './user_program set 7'", { out: 'Error reply from kernel: Operation not permitted\n', status: 1 });
      await expectRun(vm(), './user_program', { out: 'Data from kernel: 42\n', status: 0 });
      await expectRun(vm(), 'rmmod netlink_example', { status: 0 });
    });

    test('malformed messages get an error reply and the module keeps serving', async () => {
      await expectRun(vm(), 'insmod netlink_example.ko', { status: 0 });
      await expectRun(vm(), './user_program short', { out: 'Error reply from kernel: Invalid argument\n', status: 1 });
      await expectRun(vm(), './user_program unknown', { out: 'Error reply from kernel: Not supported\n', status: 1 } /* EOPNOTSUPP in musl's words */);
      await expectRun(vm(), './user_program runt', { out: 'recv: no reply from the kernel\n', status: 1 });
      await expectRun(vm(), './user_program', { out: 'Data from kernel: 42\n', status: 0 });
      await expectRun(vm(), 'rmmod netlink_example', { status: 0 });
    });
  },
  original: (vm) => {
    test('works once', async () => {
      await expectRun(vm(), 'cd original && insmod netlink_example.ko', { status: 0 });
      await expectRun(vm(), './user_program', { out: 'Data from kernel: 42\n', status: 0 });
      await expectRun(vm(), 'rmmod netlink_example', { status: 0 });
    });

    test('cannot be loaded again: its exit released a second socket, not the first', async () => {
      await expectRun(vm(), 'insmod netlink_example.ko', {
        out: "insmod: can't insert 'netlink_example.ko': Cannot allocate memory\n",
        status: 12,
      });
      await expectRun(vm(), 'dmesg | tail -n 1', { out: '[T] Failed to create netlink socket\n' });
    });

    test('and the next socket() runs into the unloaded module: an oops', async () => {
      await expectRun(vm(), './user_program', { out: /Killed\n$/, status: 137 });
      await expectRun(vm(), 'dmesg', { out: /BUG: unable to handle page fault[^]*Call Trace:[^]*netlink_create/ });
    });
  },
});
