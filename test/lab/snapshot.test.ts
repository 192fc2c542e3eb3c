// Starting lab VMs from a saved booted VM, for real: QEMU saves a booted lab
// VM and starts others from its state (lab/builder/snapshot.ts,
// lab/vm/lab-vm.ts `restore`), and the server's machines fall back to
// booting when a state does not fit.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { apicTimerRunning, ensureSnapshot, snapshotKey, type SnapshotOptions } from '../../lab/builder/snapshot.ts';
import { QemuMachines, type MachineSpec } from '../../lab/server/lab-machine.ts';
import { LabVM, type SavedState } from '../../lab/vm/lab-vm.ts';
import { testLab } from '../helpers/lab.ts';
import { waitGone } from '../helpers/processes.ts';

const scratch = mkdtempSync(join(tmpdir(), 'uklab-snapshot-test-'));
let opts: SnapshotOptions;
let saved: SavedState;
const vms: LabVM[] = [];

function restore(state: SavedState = saved): LabVM {
  const vm = new LabVM({ ...opts, restore: state });
  vms.push(vm);
  return vm;
}

before(async () => {
  const lab = await testLab();
  opts = { kernel: lab.kernel.bootImage, initrd: lab.image.initramfs, control: true, extraConsoles: 1 };
});

after(async () => {
  await Promise.all(vms.map((vm) => vm.stop()));
  rmSync(scratch, { recursive: true, force: true });
});

describe('a snapshot of the lab VM', () => {
  const said: string[] = [];
  const dir = join(scratch, 'cache');

  before(async () => {
    saved = await ensureSnapshot(opts, { dir, say: (m) => said.push(m) });
  });

  test('is made once, then taken from the cache', async () => {
    assert.equal(said.length, 1, 'made by the first call');
    const made = statSync(saved.stateFile).mtimeMs;
    const again = await ensureSnapshot(opts, { dir, say: (m) => said.push(m) });
    assert.equal(again.stateFile, saved.stateFile);
    assert.equal(said.length, 1, 'the second call makes nothing');
    assert.equal(statSync(again.stateFile).mtimeMs, made);
    assert.deepEqual(again.consoles, saved.consoles);
  });

  test('holds what each console showed: the banner, and both prompts', () => {
    assert.equal(saved.consoles.length, 2);
    assert.match(saved.consoles[0]!, /User <-> Kernel Lab/);
    for (const text of saved.consoles) assert.match(text, /lab:\/lab# /);
  });

  test("its key follows the VM's devices and files, not how QEMU runs", () => {
    const key = snapshotKey(opts, 'QEMU 7.2');
    assert.notEqual(snapshotKey({ ...opts, memoryMiB: 96 }, 'QEMU 7.2'), key);
    assert.notEqual(snapshotKey({ ...opts, extraConsoles: 0 }, 'QEMU 7.2'), key);
    assert.notEqual(snapshotKey({ ...opts, apicTimer: true }, 'QEMU 7.2'), key);
    assert.notEqual(snapshotKey(opts, 'QEMU 8.0'), key);
    assert.notEqual(snapshotKey({ ...opts, initrd: opts.kernel }, 'QEMU 7.2'), key);
    assert.equal(snapshotKey({ ...opts, bootTimeoutMs: 1, runAs: { uidBase: 1 } }, 'QEMU 7.2'), key);
  });
});

describe('a VM started from the snapshot', () => {
  let vm: LabVM;
  let shown = '';
  let shown1 = '';

  before(async () => {
    vm = restore();
    vm.on('data', (d) => (shown += d));
    vm.extraConsoles[0]!.on('data', (d) => (shown1 += d));
    await vm.ready;
  });

  test('says so, shows what the booted VM had shown, and runs commands', async () => {
    assert.equal(vm.started, 'restore');
    assert.ok(shown.startsWith(saved.consoles[0]!), 'the saved output first');
    const r = await vm.exec('echo $((6 * 7)); pwd');
    assert.deepEqual(r, { output: '42\n/lab\n', status: 0 });
  });

  test('its second console answers too', async () => {
    assert.ok(shown1.startsWith(saved.consoles[1]!));
    vm.extraConsoles[0]!.write('echo from-$((1 + 1))\n');
    const end = Date.now() + 10_000;
    while (!shown1.includes('from-2') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.match(shown1, /from-2/);
  });

  test('was saved after the kernel settled: its clocksource switch is already in the log', async () => {
    assert.match((await vm.exec('dmesg | grep clocksource:')).output, /Switched to clocksource tsc/);
  });

  test("loads the lessons' modules", async () => {
    assert.equal((await vm.exec('insmod /lab/hello/hello.ko && rmmod hello')).status, 0);
    assert.match((await vm.exec('dmesg | grep hello:')).output, /hello: hello, kernel/);
  });

  test('is a VM of its own: another one from the same state does not see its files', async () => {
    await vm.exec('echo mine > /tmp/own');
    const other = restore();
    await other.ready;
    assert.equal((await other.exec('cat /tmp/own')).status, 1);
    assert.equal((await vm.exec('cat /tmp/own')).output, 'mine\n');
    await other.stop();
  });
});

test('the timer a snapshot is saved with is checked: the PIT here, the local APIC timer when asked for', async () => {
  const pit = restore();
  await pit.ready;
  assert.equal(await apicTimerRunning(pit), false, 'the snapshot of these tests ticks with the PIT');
  await pit.stop();
  const apic = new LabVM({ ...opts, apicTimer: true, monitor: true });
  vms.push(apic);
  await apic.ready;
  assert.equal(await apicTimerRunning(apic), true);
  await apic.stop();
});

test("a restored VM's clock is the host's, not the one it was saved with", async () => {
  // A VM saved with its clock in 2001: were the clock not set after the restore, it would still be.
  const old = new LabVM({ ...opts, monitor: true });
  vms.push(old);
  await old.ready;
  assert.equal((await old.exec('date -s @1000000000 >/dev/null; date +%Y')).output, '2001\n');
  const file = join(scratch, 'old-clock.state');
  await old.saveState(file);
  await old.stop();
  const vm = restore({ stateFile: file, consoles: ['lab:/lab# '] });
  await vm.ready;
  // The clock line goes on the control channel as soon as it connects; give it a moment.
  let guest = 0;
  const end = Date.now() + 5000;
  while (Date.now() < end) {
    guest = Number((await vm.exec('date +%s')).output);
    if (Math.abs(guest - Date.now() / 1000) < 5) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(Math.abs(guest - Date.now() / 1000) < 5, `the guest says ${guest}, the host ${Math.round(Date.now() / 1000)}`);
  await vm.stop();
});

test('a state that does not fit is refused, and the server boots its VMs from then on', async () => {
  const log: string[] = [];
  const spec: MachineSpec = {
    kernel: opts.kernel,
    initrd: opts.initrd,
    // The snapshot is of a 128 MiB VM.
    memoryMib: 96,
    extraConsoles: 1,
    channel: { marks: { high: 64 * 1024, low: 8 * 1024 }, inputLimit: 32 * 1024 },
  };
  const machines = new QemuMachines(spec, saved, (m) => log.push(m));
  assert.equal(machines.starts, 'restore');
  const refused = machines.make();
  await assert.rejects(refused.ready);
  const exit = await refused.exited;
  assert.equal(exit.reason, 'failed');
  await waitGone(refused.pid!);
  const starts = (): string => machines.starts;
  const end = Date.now() + 2000;
  while (starts() !== 'boot' && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  assert.equal(starts(), 'boot');
  assert.match(log.join('\n'), /could not be restored from the snapshot .*; VMs boot from now on/);
  const booted = machines.make();
  try {
    await booted.ready;
    assert.equal(booted.started, 'boot');
  } finally {
    await booted.stop();
  }
});
