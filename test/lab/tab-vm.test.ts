// The i386 lab in v86 under Node, restored from the saved state the page
// downloads: what a lesson needs of it beyond its steps (the literate tests
// run those), with the real emulator, kernel and image.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readTabState } from '../../lab/builder/tab-lab.ts';
import { after, before, describe, test } from 'node:test';
import { loadedNodeEmulator, nodeTabMachine } from '../../lab/tab/node-emulator.ts';
import { TAB_MACHINE } from '../../lab/tab/layout.ts';
import { FRESH_WRITTEN_BYTES } from '../../lab/tab/tab-machine.ts';
import { TabVM } from '../../lab/tab/tab-vm.ts';
import { testTabLab } from '../helpers/lab.ts';

async function restored(lesson: string): Promise<TabVM> {
  const lab = await testTabLab();
  const vm = new TabVM(await nodeTabMachine({ kind: 'state', state: readTabState(lab) }));
  await vm.enter(lesson);
  return vm;
}

describe('the tab lab (v86, i386)', () => {
  let vm: TabVM | undefined;
  before(async () => {
    vm = await restored('hello');
  });
  after(async () => {
    await vm?.stop();
  });
  const guest = (): TabVM => {
    if (!vm) throw new Error('the tab VM did not start');
    return vm;
  };

  test("a new emulator's memory is zero past what the BIOS took, so a restore zeroes only that", async () => {
    const emulator = await loadedNodeEmulator();
    try {
      const cpu = emulator.v86.cpu as unknown as { mem8: Uint8Array; is_memory_zeroed(at: number, length: number): number };
      assert.equal(cpu.mem8.length, TAB_MACHINE.memory_size);
      assert.equal(cpu.is_memory_zeroed(0, FRESH_WRITTEN_BYTES), 0, 'the BIOS is in the first MiB');
      assert.equal(cpu.is_memory_zeroed(FRESH_WRITTEN_BYTES, cpu.mem8.length - FRESH_WRITTEN_BYTES), 1, 'zero past the first MiB');
    } finally {
      await emulator.destroy();
    }
  });

  test('a restored VM is the i386 lab kernel, in the lesson named after the restore', async () => {
    const lab = await testTabLab();
    const r = await guest().exec('uname -m -r; pwd');
    assert.deepEqual(r, { output: `${lab.kernel.info.release} i686\n/lab/hello\n`, status: 0 });
  });

  test("the guest's clock keeps time: sleep 1 takes a second of the host's", async () => {
    // tinyconfig leaves out the 32-bit time system calls that Debian's
    // i386 busybox uses; without them sleep returned at once.
    const t = performance.now();
    const r = await guest().exec('sleep 1');
    const ms = performance.now() - t;
    assert.equal(r.status, 0);
    assert.ok(ms >= 1000, `sleep 1 took ${ms.toFixed(0)} ms`);
  });

  test("a restored VM's clock is the host's, not the one of the moment the state was saved", async () => {
    // The state was saved when the tab lab was built, minutes or days ago.
    const guestNow = Number((await guest().exec('date +%s')).output);
    assert.ok(Math.abs(guestNow - Date.now() / 1000) < 5, `the guest says ${guestNow}, the host ${Math.round(Date.now() / 1000)}`);
  });

  test('console 1 is a second shell in the same VM', async () => {
    const [second] = guest().extraConsoles;
    assert.ok(second);
    let seen = '';
    second.on('data', (d) => (seen += d));
    second.write('echo from-console-1 $((6*7))\n');
    const end = Date.now() + 10_000;
    while (!seen.includes('from-console-1 42') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.match(seen, /from-console-1 42/);
  });

  test("console 1's size follows its terminal, through the control channel", async () => {
    const [second] = guest().extraConsoles;
    assert.ok(second);
    let seen = '';
    second.on('data', (d) => (seen += d));
    guest().machine.resize(1, 100, 30);
    // The control loop applies it; ask until it has (a few ms of guest time).
    const end = Date.now() + 10_000;
    while (!/^30 100\r?$/m.test(seen) && Date.now() < end) {
      second.write('stty size\n');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(seen, /^30 100\r?$/m);
  });

  test('a 128 KiB paste reaches the guest whole: v86 queues it, the guest reads it at its own pace', async () => {
    const line = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\n';
    const lines = Math.ceil((128 * 1024) / line.length);
    guest().machine.input(0, 'stty -echo; cat >/tmp/paste; stty echo\n');
    await new Promise((r) => setTimeout(r, 500));
    // All of it at once, as xterm.js hands over a paste, and Ctrl-D to end cat.
    guest().machine.input(0, line.repeat(lines) + '\x04');
    const r = await guest().exec('wc -lc </tmp/paste; rm /tmp/paste', { timeoutMs: 60_000 });
    assert.deepEqual(r.output.trim().split(/\s+/).map(Number), [lines, lines * line.length]);
  });

  test('a put delivers a file through the control channel, checked by the guest; an unchanged one is not sent again', async () => {
    // 400 KiB of noise: larger than any lesson's module, and nothing in it repeats.
    const data = randomBytes(400 * 1024);
    const file = { path: '/lab/hello/put-test.bin', size: data.length, sha256: createHash('sha256').update(data).digest('hex'), mode: 0o640, base64: data.toString('base64') };
    const t = performance.now();
    assert.deepEqual(await guest().machine.put([file], 60_000), [file.path]);
    const ms = performance.now() - t;
    const r = await guest().exec(`sha256sum <${file.path}; stat -c %a ${file.path}`);
    assert.equal(r.output, `${file.sha256}  -\n640\n`, `took ${ms.toFixed(0)} ms`);
    assert.deepEqual(await guest().machine.put([file], 60_000), [], 'the guest has it: nothing sent');
    // The control channel still takes window sizes after a put.
    guest().machine.resize(0, 91, 27);
    const end = Date.now() + 10_000;
    let size = '';
    while (size !== '27 91\n' && Date.now() < end) size = (await guest().exec('stty size')).output;
    assert.equal(size, '27 91\n');
    await guest().exec(`rm ${file.path}`);
  });

  test('a put on the wire when the machine is destroyed (a reset) ends at once, refused', async () => {
    const going = await restored('hello');
    const data = randomBytes(200 * 1024);
    const file = { path: '/lab/hello/put-test.bin', size: data.length, sha256: createHash('sha256').update(data).digest('hex'), mode: 0o644, base64: data.toString('base64') };
    const put = going.machine.put([file], 60_000);
    await new Promise((r) => setTimeout(r, 200));
    const t = performance.now();
    await going.stop();
    await assert.rejects(put, /the VM has ended/);
    assert.ok(performance.now() - t < 5000, 'not left to its timeout');
  });

  test('a put to a path outside the lesson folders is refused before anything is sent', async () => {
    const file = { path: '/etc/passwd', size: 1, sha256: '0'.repeat(64), mode: 0o644, base64: 'eA==' };
    await assert.rejects(guest().machine.put([file], 10_000), /bad guest path/);
  });

  test('text that looks like a panic is not one: only the kernel reaches the panic port', async () => {
    const r = await guest().exec("echo 'Kernel panic - not syncing: fake'");
    assert.equal(r.status, 0);
    assert.equal(guest().hasPanicked, false);
  });

  test('a kernel panic is reported by the machine, with its text on the console', async () => {
    const panicking = await restored('hello');
    try {
      const panicked = new Promise<void>((resolve) => panicking.machine.on((e) => e.type === 'panic' && resolve()));
      await assert.rejects(panicking.exec('echo c >/proc/sysrq-trigger', { timeoutMs: 20_000 }), /panicked/);
      await panicked;
      assert.equal(panicking.hasPanicked, true);
      assert.match(panicking.console, /Kernel panic - not syncing: sysrq triggered crash/);
    } finally {
      await panicking.stop();
    }
  });

  test('poweroff ends the VM, and the machine says so', async () => {
    const leaving = await restored('hello');
    try {
      await assert.rejects(leaving.exec('poweroff', { timeoutMs: 20_000 }), /the VM ended/);
      assert.equal(leaving.hasEnded, true);
      assert.equal(leaving.hasPanicked, false);
    } finally {
      await leaving.stop();
    }
  });
});
