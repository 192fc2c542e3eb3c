// kernel/syscall: system call 511 from the lab-kernel patch, its handler in a module.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeLesson, expectRun } from '../helpers/guest.ts';

const ENOSYS = 'my_syscall failed: Function not implemented\n';

describeLesson('syscall', {
  fixed: (vm) => {
    test('with no handler loaded the call fails with ENOSYS', async () => {
      await expectRun(vm(), './user_program', { out: ENOSYS, status: 1 });
    });

    test('loads, answers 42, unloads; twice', async () => {
      for (let i = 0; i < 2; i++) {
        await expectRun(vm(), 'insmod syscall_example.ko', { out: '', status: 0 });
        await expectRun(vm(), './user_program', { out: 'my_syscall returned: 42\n', status: 0 });
        await expectRun(vm(), './user_program 7', { out: 'my_syscall returned: 7\n', status: 0 });
        await expectRun(vm(), 'rmmod syscall_example', { out: '', status: 0 });
        await expectRun(vm(), './user_program', { out: ENOSYS, status: 1 });
      }
      const log = (await expectRun(vm(), 'dmesg | grep syscall_example')).output;
      assert.equal(log.match(/syscall_example: syscall_example module loaded/g)?.length, 2);
      assert.equal(log.match(/syscall_example: syscall_example module unloaded/g)?.length, 2);
      assert.match(log, /syscall_example: my_syscall called with arg 42/);
      assert.match(log, /syscall_example: my_syscall called with arg 7/);
    });

    test('a second handler is refused with EBUSY while the first is registered', async () => {
      await expectRun(vm(), 'insmod syscall_example.ko', { status: 0 });
      await expectRun(vm(), 'insmod syscall_second.ko', {
        out: "insmod: can't insert 'syscall_second.ko': Device or resource busy\n",
        status: 16,
      });
      await expectRun(vm(), 'rmmod syscall_example', { status: 0 });
      await expectRun(vm(), 'insmod syscall_second.ko', { status: 0 });
      await expectRun(vm(), './user_program', { out: 'my_syscall returned: 43\n', status: 0 });
      await expectRun(vm(), 'rmmod syscall_second', { status: 0 });
    });

    test('unloading while a call is in flight waits for the call', async () => {
      await expectRun(vm(), 'insmod syscall_example.ko delay_ms=3000', { status: 0 });
      const r = await expectRun(
        vm(),
        './user_program > /tmp/out 2>&1 & sleep 1; rmmod syscall_example; echo "rmmod=$?"; wait $!; echo "program=$?"; cat /tmp/out',
      );
      assert.match(r.output, /rmmod: can't unload module 'syscall_example': Resource temporarily unavailable\nrmmod=1\n/);
      assert.match(r.output, /program=0\nmy_syscall returned: 42\n$/);
      await expectRun(vm(), 'rmmod syscall_example', { status: 0 });
    });

    test('calls racing an unload get 42 or ENOSYS, nothing else', async () => {
      await expectRun(vm(), 'insmod syscall_example.ko', { status: 0 });
      const r = await expectRun(
        vm(),
        '(for i in $(seq 30); do ./user_program; done) > /tmp/race 2>&1 & sleep 0.2; rmmod syscall_example; wait; sort -u /tmp/race',
      );
      const lines = r.output.trim().split('\n');
      for (const l of lines) assert.ok(['my_syscall returned: 42', ENOSYS.trim()].includes(l), `unexpected: ${l}`);
      await expectRun(vm(), 'lsmod | grep -c syscall_example', { out: '0\n', status: 1 });
    });
  },
  original: (vm) => {
    test('333 is io_pgetevents: the call "works" before any module is loaded', async () => {
      await expectRun(vm(), 'cd original && ./user_program', { out: 'my_syscall failed: Invalid argument\n', status: 0 });
    });

    test('its module cannot load: syscall_register() does not exist', async () => {
      await expectRun(vm(), 'insmod syscall_example.ko', {
        out: "insmod: can't insert 'syscall_example.ko': unknown symbol in module, or unknown parameter\n",
        status: 2,
      });
      await expectRun(vm(), 'dmesg | tail -n 2', { out: /Unknown symbol syscall_(un)?register/ });
    });
  },
});
