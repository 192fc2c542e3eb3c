// kernel/netlink: a request/reply protocol on netlink family 31, and a
// generic netlink family with a policy and a multicast group.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeLesson, expectRun } from '../helpers/guest.ts';

const NO_PROTOCOL = 'socket: Protocol not supported\n';
/** What the controller answers for a family nobody registered. */
const GENL_NO_FAMILY = 'CTRL_CMD_GETFAMILY LAB_GENL: No such file or directory\n';
/** genl_example.ko's family as the controller describes it; the ids are the kernel's choice. */
const GENL_FAMILY = /^family LAB_GENL: id (\d+), version 1, maxattr 2\ncommand 1: do, policy\ngroup events: id (\d+)\n$/;

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

    // genl_example.ko: a generic netlink family, LAB_GENL, found by name.
    test('generic netlink: before insmod the controller knows no LAB_GENL', async () => {
      await expectRun(vm(), './genl_program family', { out: GENL_NO_FAMILY, status: 1 });
    });

    test('generic netlink: loads, resolves by name, echoes, unloads; twice', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 2; i++) {
        await expectRun(vm(), 'insmod genl_example.ko', { out: '', status: 0 });
        const r = await expectRun(vm(), './genl_program family', { out: GENL_FAMILY, status: 0 });
        const m = GENL_FAMILY.exec(r.output);
        // Dynamic ids: above the controller's fixed one (GENL_ID_CTRL, 16).
        assert.ok(m && Number(m[1]) > 16, `a dynamic family id: ${r.output}`);
        ids.add(m[1] ?? '');
        await expectRun(vm(), './genl_program echo hello 21', { out: 'LAB_GENL_CMD_ECHO reply: "hello", 42\n', status: 0 });
        await expectRun(vm(), "su learner -c './genl_program echo anyone 0'", { out: 'LAB_GENL_CMD_ECHO reply: "anyone", 0\n', status: 0 });
        await expectRun(vm(), 'rmmod genl_example', { out: '', status: 0 });
        await expectRun(vm(), './genl_program family', { out: GENL_NO_FAMILY, status: 1 });
        await expectRun(vm(), './genl_program echo hello 21', { out: GENL_NO_FAMILY, status: 1 });
      }
      // The core hands ids out cyclically: the reload got a new one.
      assert.equal(ids.size, 2, `two loads, two family ids: ${[...ids].join(', ')}`);
      await expectRun(vm(), "dmesg | grep 'genl_example: family'", {
        out: /^(\[T\] genl_example: family LAB_GENL registered\n\[T\] genl_example: family LAB_GENL unregistered\n){2}$/,
      });
    });

    test('generic netlink: the policy refuses bad attributes before the module sees them', async () => {
      await expectRun(vm(), 'insmod genl_example.ko', { status: 0 });
      // LAB_GENL_MSG_MAX is 15: 15 bytes pass, 16 do not.
      await expectRun(vm(), './genl_program echo fifteen_bytes.. 1', { out: 'LAB_GENL_CMD_ECHO reply: "fifteen_bytes..", 2\n', status: 0 });
      await expectRun(vm(), './genl_program echo sixteen_bytes... 1', {
        out: [
          'LAB_GENL_CMD_ECHO: Invalid argument',
          '  message: Attribute failed policy validation',
          '  attribute: LAB_GENL_A_MSG',
          '  policy: at most 15 bytes',
          '',
        ].join('\n'),
        status: 1,
      });
      // LAB_GENL_VALUE_MAX is 1000; more is ERANGE, in musl's words.
      await expectRun(vm(), './genl_program echo max 1000', { out: 'LAB_GENL_CMD_ECHO reply: "max", 2000\n', status: 0 });
      await expectRun(vm(), './genl_program echo big 1001', {
        out: [
          'LAB_GENL_CMD_ECHO: Result not representable',
          '  message: integer out of range',
          '  attribute: LAB_GENL_A_VALUE',
          '  policy: 0 to 1000',
          '',
        ].join('\n'),
        status: 1,
      });
      // The policy says what an attribute must be; the module, that it is there.
      await expectRun(vm(), './genl_program echo novalue', {
        out: 'LAB_GENL_CMD_ECHO: Invalid argument\n  missing: LAB_GENL_A_VALUE\n',
        status: 1,
      });
      await expectRun(vm(), './genl_program echo still 5', { out: 'LAB_GENL_CMD_ECHO reply: "still", 10\n', status: 0 });
      await expectRun(vm(), 'rmmod genl_example', { status: 0 });
    });

    test('generic netlink: a member of the group receives the event, and only after joining', async () => {
      await expectRun(vm(), 'insmod genl_example.ko', { status: 0 });
      // An echo before anyone listens is not kept for later listeners.
      await expectRun(vm(), './genl_program echo early 1', { status: 0 });
      await expectRun(vm(), "su learner -c './genl_program listen' > /tmp/genl-event & sleep 1; ./genl_program echo hello 21; wait $!; echo \"listen=$?\"; cat /tmp/genl-event", {
        out: 'LAB_GENL_CMD_ECHO reply: "hello", 42\nlisten=0\nLAB_GENL_CMD_EVENT: "hello", 42\n',
        status: 0,
      });
      // Unloading empties the group: a member of the old one hears nothing
      // from the family loaded again, though its group gets the same id.
      const group = async (): Promise<string> => GENL_FAMILY.exec((await expectRun(vm(), './genl_program family', { status: 0 })).output)?.[2] ?? '';
      const before = await group();
      await expectRun(vm(), './genl_program listen & sleep 1; rmmod genl_example; insmod genl_example.ko; ./genl_program echo later 1; wait $!; echo "listen=$?"', {
        out: 'LAB_GENL_CMD_ECHO reply: "later", 2\nrecv: nothing from the kernel\nlisten=1\n',
        status: 0,
        timeoutMs: 60_000,
      });
      assert.equal(await group(), before, 'the group id was reused, so the test above means something');
      await expectRun(vm(), 'rmmod genl_example', { status: 0 });
      await expectRun(vm(), './genl_program family', { out: GENL_NO_FAMILY, status: 1 });
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
