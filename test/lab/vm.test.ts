// The lab VM for real: QEMU boots the lab kernel and image built by
// `npm run lab -- build`, and every test drives the guest's shell.
import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { labKernelPatches } from '../../lab/builder/kernel.ts';
import type { Lab } from '../../lab/builder/lab.ts';
import { REPO_ROOT } from '../../lab/paths.ts';
import { bootLabVM, bootVM } from '../../lab/vm/boot.ts';
import { CommandTimeoutError, KernelPanicError, LabVM } from '../../lab/vm/lab-vm.ts';
import { QEMU_PANIC_STATUS, qemuArgs } from '../../lab/vm/qemu.ts';
import { debianTarget } from '../../lab/vm/target.ts';
import { testDebianLab, testLab } from '../helpers/lab.ts';
import { qemuPidsOwnedBy, waitGone } from '../helpers/processes.ts';

let lab: Lab;

before(async () => {
  lab = await testLab();
});

test("the kernel carries the lab's own patches, applied before the lessons'", () => {
  const own = labKernelPatches().map((p) => relative(REPO_ROOT, p));
  assert.ok(own.length > 0, 'no patch found under lab/kernel-patches');
  assert.deepEqual(lab.kernel.info.patches.slice(0, own.length), own);
  assert.ok(lab.kernel.info.patches.length > own.length, "the lessons' patches are missing");
});

describe('a booted lab VM', () => {
  let vm: LabVM;
  before(async () => {
    vm = await bootLabVM(lab);
  });
  after(async () => {
    await vm.stop();
  });

  test('runs the lab kernel: uname -r is the version the build recorded', async () => {
    const r = await vm.exec('uname -r');
    assert.equal(r.status, 0);
    assert.equal(r.output.trim(), lab.kernel.info.release);
    assert.match(lab.kernel.info.release, /^6\.1\.\d+$/);
  });

  test("passes a command's exit status back", async () => {
    assert.equal((await vm.exec('false')).status, 1);
    assert.equal((await vm.exec("sh -c 'exit 7'")).status, 7);
    const r = await vm.exec('echo out; echo err >&2');
    assert.equal(r.output, 'out\nerr\n');
  });

  test('loads and unloads the hello module, twice', async () => {
    for (let i = 0; i < 2; i++) {
      assert.equal((await vm.exec('insmod /lab/hello/hello.ko')).status, 0);
      assert.match((await vm.exec('lsmod')).output, /^hello /m);
      assert.equal((await vm.exec('rmmod hello')).status, 0);
      assert.doesNotMatch((await vm.exec('lsmod')).output, /^hello /m);
    }
    const log = (await vm.exec('dmesg')).output;
    assert.equal(log.match(/hello: hello, kernel/g)?.length, 2);
    assert.equal(log.match(/hello: goodbye, kernel/g)?.length, 2);
  });

  test('Ctrl-C interrupts the running command, as on any terminal', async () => {
    // Wait for the output line "waiting", not the echo of the typed line.
    let screen = '';
    const seen = new Promise<void>((resolve) => {
      const onData = (d: string): void => {
        screen += d;
        if (!/\nwaiting\r*\n/.test(screen)) return;
        vm.off('data', onData);
        resolve();
      };
      vm.on('data', onData);
    });
    // The program itself says it is waiting, so by then it is the terminal's
    // foreground job: a Ctrl-C sent any earlier could reach the shell instead.
    vm.write("sh -c 'echo waiting; exec sleep 600'\n");
    await seen;
    vm.write('\x03');
    // The shell is back: a command runs (exec would time out otherwise).
    assert.equal((await vm.exec('echo back', { timeoutMs: 10_000 })).output, 'back\n');
  });

  test('has what the lessons rely on: mounts, hostname, no network device', async () => {
    const mounts = (await vm.exec('cat /proc/mounts')).output;
    for (const fs of ['proc', 'sysfs', 'devtmpfs', 'debugfs', 'tmpfs']) assert.match(mounts, new RegExp(` ${fs} `));
    assert.equal((await vm.exec('hostname')).output, 'lab\n');
    assert.equal((await vm.exec('ls /sys/class/net')).output.trim(), 'lo');
  });
});

test('a kernel panic is reported as such, with its message and the console tail, and QEMU is gone', async () => {
  const vm = await bootLabVM(lab);
  await assert.rejects(vm.exec('echo c > /proc/sysrq-trigger'), (e: unknown) => {
    assert.ok(e instanceof KernelPanicError);
    assert.match(e.message, /^kernel panic: sysrq triggered crash/);
    assert.match(e.exit.tail, /Kernel panic - not syncing/);
    return true;
  });
  const exit = await vm.exited;
  assert.equal(exit.reason, 'panic');
  assert.equal(exit.panic, 'sysrq triggered crash');
  // QEMU's own word, through the pvpanic device: its exit status.
  assert.equal(exit.exitCode, QEMU_PANIC_STATUS);
  // The kernel flushed the panic to the console before it told QEMU: the
  // trace and what the panic notifiers print come before QEMU's exit.
  assert.match(exit.tail, /Call Trace:[\s\S]*Kernel Offset/);
  assert.ok(await waitGone(vm.pid), 'QEMU still runs after the panic');
});

test("the panic line printed or typed by a program is just text: the VM lives on", { timeout: 60_000 }, async () => {
  const vm = await bootLabVM(lab);
  try {
    // Typed: the terminal echoes it as a learner types it (a comment: the shell runs nothing).
    vm.write('# Kernel panic - not syncing: typed by hand\n');
    const r = await vm.exec("echo 'Kernel panic - not syncing: printed'; echo 'Kernel panic - not syncing: to the kernel log' >/dev/kmsg");
    assert.equal(r.output, 'Kernel panic - not syncing: printed\n');
    assert.match((await vm.exec('dmesg | tail -n 1')).output, /Kernel panic - not syncing: to the kernel log/);
    // LabVM used to kill QEMU 3 s after such a line.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    assert.equal(vm.isExited, false);
    assert.equal((await vm.exec('echo alive')).output, 'alive\n');
  } finally {
    await vm.stop();
  }
  const exit = await vm.exited;
  assert.equal(exit.reason, 'killed');
  assert.equal(exit.panic, undefined);
});

test("a kernel without the panic device (Debian's): its panic reboots, and the console tells", { timeout: 180_000 }, async () => {
  const vm = await bootVM(debianTarget(await testDebianLab()));
  await assert.rejects(vm.exec('echo c > /proc/sysrq-trigger'), KernelPanicError);
  const exit = await vm.exited;
  assert.equal(exit.exitCode, 0, 'QEMU heard of the panic: this kernel has a driver for the device now');
  assert.equal(exit.reason, 'panic');
  assert.equal(exit.panic, 'sysrq triggered crash');
});

test('a panic before the prompt is a panic; QEMU failing to start is not', async () => {
  const noInit = new LabVM({ kernel: lab.kernel.bootImage, initrd: lab.image.initramfs, append: ['rdinit=/nonexistent', 'init=/nonexistent'] });
  await assert.rejects(noInit.ready, KernelPanicError);
  const panicked = await noInit.exited;
  assert.equal(panicked.reason, 'panic');
  assert.match(panicked.panic ?? '', /init/);

  // QEMU's own errors end it with the same status 1, but before any guest code ran.
  const broken = new LabVM({ kernel: `${lab.kernel.bootImage}.missing`, initrd: lab.image.initramfs });
  const failed = await broken.exited;
  assert.equal(failed.exitCode, QEMU_PANIC_STATUS);
  assert.equal(failed.reason, 'failed');
  assert.match(failed.tail, /qemu.*could not open kernel file/);
});

test('a command that never returns times out and the VM is killed', async () => {
  const vm = await bootLabVM(lab);
  const started = Date.now();
  await assert.rejects(vm.exec('sleep 1000', { timeoutMs: 1500 }), CommandTimeoutError);
  assert.ok(Date.now() - started < 10_000);
  assert.equal((await vm.exited).reason, 'killed');
  assert.ok(await waitGone(vm.pid));
});

test('poweroff ends the VM cleanly', async () => {
  const vm = await bootLabVM(lab);
  vm.write('poweroff\n');
  const exit = await vm.exited;
  assert.equal(exit.reason, 'poweroff');
  assert.ok(await waitGone(vm.pid));
});

test('a KVM request boots, or falls back to TCG with a message', { timeout: 60_000 }, async () => {
  const warnings: string[] = [];
  const vm = await bootLabVM(lab, { accel: 'kvm', warn: (m) => warnings.push(m) });
  try {
    assert.equal((await vm.exec('echo ok')).output, 'ok\n');
    if (vm.accel === 'tcg') assert.match(warnings.join('\n'), /using TCG/);
    else assert.deepEqual(warnings, []);
  } finally {
    await vm.stop();
  }
});

test('the machine has ACPI tables unless the kernel needs them off (Debian\'s, test/kernel/)', () => {
  const machine = (acpi?: boolean): string | undefined => {
    const args = qemuArgs({ kernel: 'k', initrd: 'i', accel: 'tcg', acpi });
    return args[args.indexOf('-M') + 1];
  };
  assert.equal(machine(), 'microvm,x-option-roms=off');
  assert.equal(machine(false), 'microvm,x-option-roms=off,acpi=off');
});

test('leaves no QEMU process behind', async () => {
  for (const pid of qemuPidsOwnedBy([process.pid])) await waitGone(pid, 3000);
  assert.deepEqual(qemuPidsOwnedBy([process.pid]), []);
});
