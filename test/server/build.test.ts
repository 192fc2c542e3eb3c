// A learner's build end to end: a real server, a real WebSocket, the real
// sandbox and a real lab VM. The page's path exactly: sources in a `build`
// frame, build frames back, the module in the VM, loaded from the terminal.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KERNEL_EXAMPLES_DIR } from '../../lab/paths.ts';
import { WebSocket } from 'ws';
import { LAB_SOCKET_PATH, MAX_SOURCE_BYTES } from '../../lab/protocol.ts';
import type { LabServer } from '../../lab/server/server.ts';
import { LabClient, startTestServer } from './client.ts';
import { readTabState } from '../../lab/builder/tab-lab.ts';
import { nodeTabMachine } from '../../lab/tab/node-emulator.ts';
import { TabVM } from '../../lab/tab/tab-vm.ts';
import { testTabLab } from '../helpers/lab.ts';

const lessonFile = (lesson: string, name: string): string => readFileSync(join(KERNEL_EXAMPLES_DIR, lesson, name), 'utf8');

let server: LabServer;
before(async () => {
  server = await startTestServer({ poolSize: 1, maxSessions: 4, graceMs: 0 }, { tab: true });
});
after(async () => {
  await server?.close();
});

async function learner(lesson: string): Promise<LabClient> {
  const c = new LabClient(server.url, { lesson });
  await c.status('ready', 60_000);
  await c.run('true');
  return c;
}

describe('Build from the page into the VM', () => {
  let c: LabClient;
  before(async () => {
    c = await learner('ioctl');
  });
  after(async () => {
    await c?.close();
  });

  test('an edited module is built, arrives in /lab/<lesson>, and loads; the unchanged program is not sent again', async () => {
    const text = lessonFile('ioctl', 'ioctl_example.c').replace('pr_info("My device initialized\\n");', 'pr_info("My device initialized, built in the page\\n");');
    assert.match(text, /built in the page/, 'the edit applies to the lesson as it is');
    const frames = await c.build([{ name: 'ioctl_example.c', text }]);
    const done = frames.at(-1)!;
    assert.equal(done.state, 'done', JSON.stringify(done));
    assert.ok(frames.some((f) => f.state === 'building'));
    const ko = done.delivered?.find((d) => d.path === '/lab/ioctl/ioctl_example.ko');
    assert.ok(ko?.changed, 'the module was sent');
    assert.equal(done.delivered?.find((d) => d.path === '/lab/ioctl/user_program')?.changed, false, 'the program is the one the VM has');

    const sum = await c.run('sha256sum /lab/ioctl/ioctl_example.ko');
    assert.equal(sum.split(' ')[0], ko.sha256);
    const loaded = await c.run('insmod ioctl_example.ko && dmesg | tail -1 && ./user_program && rmmod ioctl_example');
    assert.match(loaded, /built in the page/);
    assert.match(loaded, /Data from kernel: 42/);
  });

  test('the same sources again come from the cache', async () => {
    const text = lessonFile('ioctl', 'ioctl_example.c').replace('pr_info("My device initialized\\n");', 'pr_info("My device initialized, built in the page\\n");');
    const done = (await c.build([{ name: 'ioctl_example.c', text }])).at(-1)!;
    assert.equal(done.state, 'done');
    assert.equal(done.cached, true);
    assert.ok(done.delivered?.every((d) => !d.changed), 'the VM has every file already');
  });

  test('a syntax error is reported at its line, and the VM keeps the module it had', async () => {
    const before = await c.run('sha256sum /lab/ioctl/ioctl_example.ko');
    const text = lessonFile('ioctl', 'ioctl_example.c').replace('MODULE_LICENSE', 'this is not C\nMODULE_LICENSE');
    const line = text.split('\n').indexOf('this is not C') + 1;
    const done = (await c.build([{ name: 'ioctl_example.c', text }])).at(-1)!;
    assert.equal(done.state, 'failed');
    assert.ok(done.diagnostics?.some((d) => d.file === 'ioctl_example.c' && d.line === line && d.severity === 'error'), JSON.stringify(done.diagnostics));
    assert.match(done.log ?? '', /error/);
    assert.equal(await c.run('sha256sum /lab/ioctl/ioctl_example.ko'), before);
  });

  test('an oddly named or oversized file is refused with a message, and the terminal goes on', async () => {
    for (const files of [
      [{ name: '../Makefile', text: 'all:' }],
      [{ name: 'Makefile', text: 'all:' }],
      [{ name: 'ioctl_example.c', text: 'x'.repeat(MAX_SOURCE_BYTES + 1) }],
      [{ name: 'other.c', text: 'int x;' }],
    ]) {
      const done = (await c.build(files)).at(-1)!;
      assert.equal(done.state, 'refused', JSON.stringify(files[0]?.name));
      assert.equal(done.reason, 'bad-files');
      assert.ok(done.message && done.message.length > 0);
    }
    assert.equal(c.closed, undefined);
    assert.equal(await c.run('echo still here'), 'still here');
  });

  test("another lesson's files (a page of two lessons) go to that lesson's folder of the same VM; an unknown lesson is refused", async () => {
    const id = 500;
    c.send({ type: 'build', id, lesson: 'sysfs', files: [{ name: 'sysfs_example.c', text: lessonFile('sysfs', 'sysfs_example.c') }] });
    const done = await c.until(() => c.builds.find((b) => b.id === id && !['queued', 'building'].includes(b.state)), 120_000, 'the sysfs build');
    assert.equal(done.state, 'done', JSON.stringify(done));
    assert.ok(done.delivered?.every((d) => d.path.startsWith('/lab/sysfs/')), JSON.stringify(done.delivered));
    c.send({ type: 'build', id: id + 1, lesson: 'nonesuch', files: [{ name: 'a.c', text: '' }] });
    const refused = await c.until(() => c.builds.find((b) => b.id === id + 1), 20_000, 'the refusal');
    assert.equal(refused.reason, 'bad-files');
    assert.match(refused.message ?? '', /no lesson 'nonesuch'/);
  });

  test('twenty builds at once from one learner: one is built, the others are told to wait; the server serves on', async () => {
    const base = lessonFile('ioctl', 'ioctl_example.c');
    const ids = Array.from({ length: 20 }, (_, i) => i + 1000);
    for (const id of ids) c.send({ type: 'build', id, files: [{ name: 'ioctl_example.c', text: `/* ${id} */\n${base}` }] });
    const ends = await c.until(() => {
      const e = ids.map((id) => c.builds.find((b) => b.id === id && !['queued', 'building'].includes(b.state)));
      return e.every(Boolean) ? e : undefined;
    }, 120_000, 'the end of twenty builds');
    assert.equal(ends.filter((b) => b?.state === 'done').length, 1);
    assert.equal(ends.filter((b) => b?.reason === 'busy').length, 19);
    assert.equal(await c.run('echo served'), 'served');
  });
});

test('a module that oopses on load: the learner sees it, and a reset gives a working VM', { timeout: 180_000 }, async () => {
  const c = await learner('hello');
  try {
    const text = lessonFile('hello', 'hello.c').replace(/(static int __init \w+\(void\)\s*\{)/, '$1\n\tBUG();');
    assert.match(text, /BUG\(\);/);
    const done = (await c.build([{ name: 'hello.c', text }])).at(-1)!;
    assert.equal(done.state, 'done', JSON.stringify(done));
    c.input('insmod hello.ko\n');
    await c.until(() => /invalid opcode|kernel BUG|Kernel panic/.test(c.text()) || c.state === 'panic', 60_000, 'the oops');
    c.send({ type: 'reset' });
    await c.until(() => c.statuses.filter((s) => s.state === 'ready').length >= 2, 60_000, 'ready after the reset');
    assert.equal(await c.run('echo fresh'), 'fresh');
    // The fresh VM has the lesson's own module again.
    assert.equal(await c.run('ls .orig 2>/dev/null | wc -l'), '0');
  } finally {
    await c.close();
  }
});

test('a module that hangs the guest on load: other learners build and type on, and a reset gives a working VM', { timeout: 240_000 }, async () => {
  const stuck = await learner('hello');
  const other = await learner('hello');
  try {
    // On the guest's one CPU, without preemption, a module that never
    // returns from its init takes the whole machine.
    const text = lessonFile('hello', 'hello.c').replace(/(static int __init \w+\(void\)\s*\{)/, '$1\n\tfor (;;)\n\t\tcpu_relax();');
    assert.match(text, /cpu_relax/);
    assert.equal((await stuck.build([{ name: 'hello.c', text }])).at(-1)?.state, 'done');
    stuck.input('insmod hello.ko\n');
    await new Promise((r) => setTimeout(r, 3000));
    stuck.input('echo still-answering\n');
    await new Promise((r) => setTimeout(r, 3000));
    assert.doesNotMatch(stuck.text(), /\nstill-answering/, 'the hung guest does not answer');
    // The server and the other learner's VM do.
    const edited = lessonFile('hello', 'hello.c').replace('"goodbye, %s\\n"', '"goodbye again, %s\\n"');
    assert.match(edited, /goodbye again/, 'the edit applies to the lesson as it is');
    assert.equal((await other.build([{ name: 'hello.c', text: edited }])).at(-1)?.state, 'done');
    assert.equal(await other.run('echo unaffected'), 'unaffected');
    stuck.send({ type: 'reset' });
    await stuck.until(() => stuck.statuses.filter((s) => s.state === 'ready').length >= 2, 60_000, 'ready after the reset');
    assert.equal(await stuck.run('echo fresh'), 'fresh');
  } finally {
    await Promise.all([stuck.close(), other.close()]);
  }
});

test('a build from a session whose VM has ended is refused (no VM), and one before hello closes the connection', { timeout: 120_000 }, async () => {
  const c = await learner('hello');
  try {
    c.input('poweroff\n');
    await c.status('exited', 30_000);
    const done = (await c.build([{ name: 'hello.c', text: lessonFile('hello', 'hello.c') }])).at(-1)!;
    assert.equal(done.state, 'refused');
    assert.equal(done.reason, 'no-vm');
  } finally {
    await c.close();
  }
  // The first frame must be the hello, a build included.
  const raw = new WebSocket(`${server.url.replace(/^http/, 'ws')}${LAB_SOCKET_PATH}`, { origin: server.url });
  await new Promise((r) => raw.once('open', r));
  const closed = new Promise<{ code: number; reason: string }>((r) => raw.once('close', (code, reason) => r({ code, reason: String(reason) })));
  raw.send(JSON.stringify({ type: 'build', id: 1, files: [{ name: 'hello.c', text: '' }] }));
  const why = await closed;
  assert.equal(why.code, 1008);
  assert.match(why.reason, /^bad-frame/);

  // A frame past MAX_FRAME_BYTES that does not start as the page's build frames do is not parsed.
  const big = new LabClient(server.url, { lesson: 'hello' });
  await big.status('ready', 60_000);
  big.send({ id: 9, type: 'build', files: [{ name: 'hello.c', text: 'x'.repeat(100 * 1024) }] });
  await big.until(() => big.closed, 20_000, 'the close');
  assert.equal(big.closed?.code, 1009);
  assert.match(big.closed?.reason ?? '', /frame too large/);
});

describe('Build for a VM in the tab (v86, i386)', () => {
  /** ELF class (1: 32-bit) and machine (3: i386) of a built file. */
  const elf = (base64: string): [number, number] => {
    const b = Buffer.from(base64, 'base64');
    assert.equal(b.subarray(0, 4).toString('latin1'), '\x7fELF');
    return [b[4] as number, b.readUInt16LE(18)];
  };
  const edited = (): string =>
    lessonFile('ioctl', 'ioctl_example.c').replace('pr_info("My device initialized\\n");', 'pr_info("My device initialized, built for the tab\\n");');

  test('a connection for the tab builds the i386 module and program and sends them back; no VM is started for it', async () => {
    const c = new LabClient(server.url, { lesson: 'ioctl', target: 'tab' });
    try {
      await c.opened;
      const done = (await c.build([{ name: 'ioctl_example.c', text: edited() }], 120_000)).at(-1)!;
      assert.equal(done.state, 'done', JSON.stringify({ ...done, files: undefined }));
      assert.equal(done.delivered, undefined, 'nothing was delivered by the server');
      const byPath = new Map(done.files?.map((f) => [f.path, f]));
      const ko = byPath.get('/lab/ioctl/ioctl_example.ko');
      const program = byPath.get('/lab/ioctl/user_program');
      assert.ok(ko && program, `files: ${[...byPath.keys()].join(', ')}`);
      assert.deepEqual(elf(ko.base64), [1, 3], 'the module is i386');
      assert.deepEqual(elf(program.base64), [1, 3], 'the program is i386');
      assert.equal(program.mode, 0o755);
      assert.equal(Buffer.from(ko.base64, 'base64').length, ko.size);
      assert.equal(createHash('sha256').update(Buffer.from(ko.base64, 'base64')).digest('hex'), ko.sha256);
      assert.deepEqual(c.statuses, [], 'no session: no VM booted for this connection');
    } finally {
      await c.close();
    }
  });

  test('the files go into a real tab VM through its control UART, and the module loads there', { timeout: 180_000 }, async () => {
    const c = new LabClient(server.url, { lesson: 'ioctl', target: 'tab' });
    const vm = new TabVM(await nodeTabMachine({ kind: 'state', state: readTabState(await testTabLab()) }));
    try {
      await vm.enter('ioctl');
      const done = (await c.build([{ name: 'ioctl_example.c', text: edited() }], 120_000)).at(-1)!;
      assert.equal(done.state, 'done');
      const sent = await vm.machine.put(done.files ?? [], 60_000);
      assert.deepEqual(sent, ['/lab/ioctl/ioctl_example.ko'], 'the program the VM has is the same: only the module goes');
      const r = await vm.exec('insmod ioctl_example.ko && dmesg | tail -n 1 && ./user_program get && rmmod ioctl_example');
      assert.equal(r.status, 0, r.output);
      assert.match(r.output, /built for the tab/);
      assert.match(r.output, /Data from kernel: 42/);
    } finally {
      await vm.stop();
      await c.close();
    }
  });

  test('a connection for the tab takes only builds: input closes it as a bad frame', async () => {
    const c = new LabClient(server.url, { lesson: 'ioctl', target: 'tab' });
    await c.opened;
    c.input('ls\n');
    await c.until(() => c.closed, 10_000, 'the close');
    assert.match(c.closed?.reason ?? '', /bad-frame/);
  });
});
