// QEMU's confinement (lab/vm/unprivileged.ts), for real: its resource
// limits, its private folder of sockets, and, as root, a user of its own
// for each VM.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Lab } from '../../lab/builder/lab.ts';
import { LabVM } from '../../lab/vm/lab-vm.ts';
import { qemuLimits, readableVMFiles, UNPRIVILEGED } from '../../lab/vm/unprivileged.ts';
import { testLab } from '../helpers/lab.ts';
import { waitGone } from '../helpers/processes.ts';

const asRoot = process.getuid?.() === 0;
const MEMORY_MIB = 128;

/** /proc/PID/limits as { 'Max open files': [soft, hard] }. */
function limitsOf(pid: number): Map<string, [string, string]> {
  const rows = new Map<string, [string, string]>();
  for (const line of readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').slice(1)) {
    const m = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (m) rows.set(m[1]!, [m[2]!, m[3]!]);
  }
  return rows;
}

function statusField(pid: number, field: string): string {
  return new RegExp(`^${field}:[ \\t]*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]?.trim() ?? '';
}

/** `argv` run as uid and gid `id`, with no supplementary group. */
function runAsUid(id: number, argv: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('setpriv', [`--reuid=${id}`, `--regid=${id}`, '--clear-groups', '--', ...argv], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

let lab: Lab;
before(async () => {
  lab = await testLab();
});

test('QEMU runs under its resource limits, in place of the commands that set them', async () => {
  const vm = new LabVM({ kernel: lab.kernel.bootImage, initrd: lab.image.initramfs, memoryMiB: MEMORY_MIB });
  try {
    await vm.ready;
    const want = qemuLimits(MEMORY_MIB);
    const got = limitsOf(vm.pid);
    const both = (v: number): [string, string] => [String(v), String(v)];
    assert.deepEqual(got.get('Max address space'), both(want.addressSpace));
    assert.deepEqual(got.get('Max open files'), both(want.openFiles));
    assert.deepEqual(got.get('Max file size'), both(want.fileSize));
    assert.deepEqual(got.get('Max core file size'), both(want.core));
    // prlimit exec'd QEMU in place: the pty's session leader is QEMU itself.
    assert.match(readFileSync(`/proc/${vm.pid}/cmdline`, 'utf8').split('\0')[0]!, /qemu-system-x86_64$/);
    const stat = readFileSync(`/proc/${vm.pid}/stat`, 'utf8');
    assert.equal(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]), vm.pid, 'QEMU is not its session leader');
    // Within its limits, it works.
    assert.equal((await vm.exec('insmod /lab/hello/hello.ko && rmmod hello && echo ok')).output, 'ok\n');
  } finally {
    await vm.stop();
  }
});

test("a VM's sockets are in a private folder, removed when the VM ends", async () => {
  const vm = new LabVM({ kernel: lab.kernel.bootImage, initrd: lab.image.initramfs, control: true, extraConsoles: 1 });
  await vm.ready;
  const st = statSync(vm.folder);
  assert.equal(st.mode & 0o777, 0o700);
  assert.equal(st.uid, process.getuid?.());
  assert.deepEqual(readdirSync(vm.folder).sort(), ['console1.sock', 'control.sock']);
  await vm.stop();
  assert.equal(existsSync(vm.folder), false);
});

describe('as root: a user of its own for each QEMU', { skip: !asRoot && 'needs root' }, () => {
  let files: ReturnType<typeof readableVMFiles>;
  let a: LabVM;
  let b: LabVM;
  before(async () => {
    files = readableVMFiles({ kernel: lab.kernel.bootImage, initrd: lab.image.initramfs });
    const start = (): LabVM =>
      new LabVM({ kernel: files.kernel, initrd: files.initrd, memoryMiB: MEMORY_MIB, control: true, extraConsoles: 1, runAs: UNPRIVILEGED });
    a = start();
    b = start();
    await Promise.all([a.ready, b.ready]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    files?.cleanup();
  });

  test('two VMs run as two users, neither root nor nobody, with no supplementary group', () => {
    assert.ok(a.uid !== undefined && b.uid !== undefined);
    assert.notEqual(a.uid, b.uid);
    for (const vm of [a, b]) {
      const id = String(vm.uid);
      assert.deepEqual(statusField(vm.pid, 'Uid').split(/\s+/), [id, id, id, id]);
      assert.deepEqual(statusField(vm.pid, 'Gid').split(/\s+/), [id, id, id, id]);
      assert.equal(statusField(vm.pid, 'Groups'), '');
      assert.ok(vm.uid! >= UNPRIVILEGED.uidBase);
    }
  });

  test("each VM's folder is 0700 and QEMU's user's; the other VM's user can neither enter it nor signal its QEMU", () => {
    for (const [vm, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const st = statSync(vm.folder);
      assert.equal(st.mode & 0o777, 0o700);
      assert.equal(st.uid, vm.uid);
      assert.equal(st.gid, vm.uid);
      // Sanity: QEMU's own user can list its folder, so the refusals below are about the user.
      assert.equal(runAsUid(vm.uid!, ['ls', vm.folder]).status, 0);
      const list = runAsUid(other.uid!, ['ls', vm.folder]);
      assert.notEqual(list.status, 0);
      assert.match(list.stderr, /Permission denied/);
      assert.notEqual(runAsUid(other.uid!, ['kill', '-0', String(vm.pid)]).status, 0, 'one VM could signal the other');
    }
  });

  test('RLIMIT_NPROC counts only its own threads, so it bounds each VM', () => {
    for (const vm of [a, b]) {
      const want = String(qemuLimits(MEMORY_MIB).processes);
      assert.deepEqual(limitsOf(vm.pid).get('Max processes'), [want, want]);
      assert.ok(Number(statusField(vm.pid, 'Threads')) < Number(want));
    }
  });

  test('the VMs work, and their folders go with them', async () => {
    assert.equal((await a.exec('echo a')).output, 'a\n');
    assert.equal((await b.exec('echo b')).output, 'b\n');
    await a.stop();
    assert.equal(existsSync(a.folder), false);
    assert.ok(await waitGone(a.pid));
    assert.equal((await b.exec('echo still')).output, 'still\n');
  });
});
