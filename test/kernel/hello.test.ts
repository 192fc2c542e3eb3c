// kernel/hello: what a module is. Loading and unloading, parameters, a
// failing init, a module that needs another's export, the licence that
// export requires, and version magic, on both kernels.
import { test } from 'node:test';
import { describeLesson, expectRun, type TestKernel } from '../helpers/guest.ts';

/** The lines hello's messages have in the kernel log, newest last. */
const helloLog = (n: number): string => `dmesg | grep -e hello: -e hello_friend: | tail -n ${n}`;

/**
 * What /proc/sys/kernel/tainted holds after the first out-of-tree module:
 * O (4096), and on Debian's kernel, which checks module signatures without
 * enforcing them, E (8192) for an unsigned one too.
 */
function outOfTreeTaint(kernel: TestKernel): number {
  return kernel.name === 'debian-6.12' ? 4096 + 8192 : 4096;
}

/** The kernel's release with its sublevel one higher, the same length, as a sed pattern and its replacement. */
async function otherRelease(kernel: TestKernel): Promise<{ pattern: string; other: string }> {
  const release = await kernel.release();
  const m = /^(\d+\.\d+\.)(\d+)(.*)$/.exec(release);
  if (!m) throw new Error(`unexpected release ${release}`);
  const other = `${m[1]}${String(Number(m[2]) + 1).padStart(m[2]!.length, '0')}${m[3]}`;
  if (other.length !== release.length) throw new Error(`${other} is not as long as ${release}`);
  return { pattern: release.replace(/\./g, '\\.'), other };
}

describeLesson('hello', {
  fixed: (vm, kernel) => {
    test('loads, greets, unloads and says goodbye; twice, leaving nothing behind', async () => {
      await expectRun(vm(), 'cat /proc/sys/kernel/tainted', { out: '0\n' });
      for (let i = 0; i < 2; i++) {
        await expectRun(vm(), 'insmod hello.ko', { out: '', status: 0 });
        await expectRun(vm(), 'cat /sys/module/hello/initstate /sys/module/hello/refcnt', { out: 'live\n0\n' });
        await expectRun(vm(), 'rmmod hello', { out: '', status: 0 });
        await expectRun(vm(), 'test -e /sys/module/hello', { status: 1 });
      }
      await expectRun(vm(), helloLog(4), { out: '[T] hello: hello, kernel\n[T] hello: goodbye, kernel\n'.repeat(2) });
      await expectRun(vm(), 'cat /proc/sys/kernel/tainted', { out: `${outOfTreeTaint(kernel)}\n` });
    });

    test('takes its parameters at load, shows them read-only in sysfs, ignores unknown ones', async () => {
      await expectRun(vm(), 'insmod hello.ko whom=learner times=3', { status: 0 });
      await expectRun(vm(), helloLog(3), { out: /^(\[T\] hello: hello, learner\n){3}$/ });
      await expectRun(vm(), 'ls /sys/module/hello/parameters; cat /sys/module/hello/parameters/whom /sys/module/hello/parameters/times', { out: 'times  whom\nlearner\n3\n' });
      await expectRun(vm(), 'echo 5 > /sys/module/hello/parameters/times', { out: /Permission denied/, status: 1 });
      await expectRun(vm(), 'rmmod hello && insmod hello.ko colour=blue', { out: '', status: 0 });
      await expectRun(vm(), 'dmesg | grep "unknown parameter" | tail -n 1', { out: "[T] hello: unknown parameter 'colour' ignored\n" });
      await expectRun(vm(), 'rmmod hello', { status: 0 });
    });

    test('an init that fails leaves nothing loaded, and its exit never runs', async () => {
      await expectRun(vm(), 'insmod hello.ko times=0', { out: "insmod: can't insert 'hello.ko': Invalid argument\n", status: 22 });
      // busybox's insmod tries finit_module(), then init_module(): init runs twice.
      await expectRun(vm(), helloLog(3), { out: /goodbye, kernel\n(\[T\] hello: times=0 is out of range \(1 to 10\)\n){2}$/ });
      await expectRun(vm(), 'grep -c ^hello /proc/modules; test -e /sys/module/hello', { out: '0\n', status: 1 });
      await expectRun(vm(), 'insmod hello.ko times=11', { status: 22 });
      await expectRun(vm(), 'insmod hello.ko times=abc', { status: 22 });
      await expectRun(vm(), helloLog(1), { out: "[T] hello: `abc' invalid for parameter `times'\n" });
      await expectRun(vm(), 'insmod hello.ko times=10 && cat /sys/module/hello/parameters/times && rmmod hello', { out: '10\n', status: 0 });
    });

    test('hello_friend needs hello: Unknown symbol without it; with it, hello cannot be unloaded first', async () => {
      await expectRun(vm(), 'insmod hello_friend.ko', { out: "insmod: can't insert 'hello_friend.ko': unknown symbol in module, or unknown parameter\n", status: 2 });
      await expectRun(vm(), 'dmesg | grep hello_friend: | tail -n 1', { out: '[T] hello_friend: Unknown symbol hello_greet (err -2)\n' });
      await expectRun(vm(), 'insmod hello.ko && insmod hello_friend.ko', { status: 0 });
      await expectRun(vm(), helloLog(1), { out: '[T] hello: hello, friend\n' });
      await expectRun(vm(), 'ls /sys/module/hello/holders; cat /sys/module/hello/refcnt', { out: 'hello_friend\n1\n' });
      await expectRun(vm(), 'rmmod hello', { out: "rmmod: can't unload module 'hello': Resource temporarily unavailable\n", status: 1 });
      await expectRun(vm(), 'rmmod hello_friend && rmmod hello', { status: 0 });
      await expectRun(vm(), helloLog(2), { out: '[T] hello_friend: goodbye\n[T] hello: goodbye, kernel\n' });
    });

    test('modprobe loads hello before hello_friend, from the index depmod writes', async () => {
      const dir = '/lib/modules/$(uname -r)';
      await expectRun(vm(), `mkdir -p ${dir} && cp hello.ko hello_friend.ko ${dir}/ && depmod && cat ${dir}/modules.dep`, { out: 'hello_friend.ko: hello.ko\nhello.ko:\n' });
      await expectRun(vm(), 'modprobe hello_friend && cut -d" " -f1,4 /proc/modules', { out: 'hello_friend -\nhello hello_friend,\n' });
      await expectRun(vm(), 'modprobe -r hello_friend && cat /proc/modules', { out: '', status: 0 });
    });

    test('a module whose licence is not GPL-compatible taints the kernel P, and gets no GPL-only export', async () => {
      await expectRun(vm(), "sed 's/license=GPL/license=BSD/' hello_friend.ko > /tmp/friend_bsd.ko && insmod hello.ko", { status: 0 });
      await expectRun(vm(), 'insmod /tmp/friend_bsd.ko', { status: 2 });
      await expectRun(vm(), 'dmesg | grep hello_friend: | tail -n 3', {
        out: /^\[T\] hello_friend: module license (?:'BSD' )?taints kernel\.\n(\[T\] hello_friend: Unknown symbol hello_greet \(err -2\)\n){2}$/,
      });
      await expectRun(vm(), 'cat /proc/sys/kernel/tainted', { out: `${outOfTreeTaint(kernel) + 1}\n` });
      // No licence at all is proprietary too; the taint flags are the module's own.
      await expectRun(vm(), "rmmod hello && sed 's/license=GPL/xicense=GPL/' hello.ko > /tmp/nolicense.ko && insmod /tmp/nolicense.ko", { status: 0 });
      await expectRun(vm(), 'cat /sys/module/hello/taint', { out: kernel.name === 'debian-6.12' ? 'POE\n' : 'PO\n' });
      await expectRun(vm(), 'rmmod hello', { status: 0 });
    });

    test('version magic: another release is refused, unless the kernel checks symbol versions instead', async () => {
      const { pattern, other } = await otherRelease(kernel);
      await expectRun(vm(), `sed 's/${pattern}/${other}/' hello.ko > /tmp/other.ko && modinfo -F vermagic /tmp/other.ko`, { out: new RegExp(`^${other.replace(/[.+]/g, '\\$&')} `) });
      if (kernel.name === 'debian-6.12') {
        // CONFIG_MODVERSIONS: the release is skipped, the CRCs match.
        await expectRun(vm(), 'insmod /tmp/other.ko && rmmod hello', { out: '', status: 0 });
      } else {
        await expectRun(vm(), 'insmod /tmp/other.ko', { out: "insmod: can't insert '/tmp/other.ko': invalid module format\n", status: 8 });
        await expectRun(vm(), "dmesg | grep 'version magic' | tail -n 1", { out: new RegExp(`hello: version magic '${other.replace(/[.+]/g, '\\$&')} .*' should be '`) });
      }
    });
  },
});
