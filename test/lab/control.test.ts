// Files into a running VM through its control UART (lab/vm/control.ts and
// the put in lab/image/init): the encoding, then a real lab VM that takes
// a file only when it arrived whole and where a lesson's file may go.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Lab } from '../../lab/builder/lab.ts';
import { parseReply, PutError, putCommand } from '../../lab/vm/control.ts';
import { LabVM } from '../../lab/vm/lab-vm.ts';
import { testLab } from '../helpers/lab.ts';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test('a put is one line and the file in base64 lines short enough for the guest to read one by one', () => {
  const data = randomBytes(1000);
  const lines = putCommand({ path: '/lab/ioctl/user_program', data, mode: 0o755 }, sha(data)).split('\n');
  const head = lines[0]!.split(' ');
  assert.deepEqual(head.slice(0, 3), ['put', '/lab/ioctl/user_program', '1000']);
  assert.deepEqual(head.slice(4), ['755', String(lines.length - 2)]);
  assert.equal(lines.at(-1), '', 'the last line is ended');
  assert.ok(lines.slice(1).every((l) => l.length <= 76));
  assert.deepEqual(Buffer.from(lines.slice(1).join(''), 'base64'), data);
  for (const path of ['/etc/passwd', '/lab/ioctl/../../etc/passwd', '/lab/ioctl/.orig/x', 'lab/ioctl/x', '/lab/ioctl/a b']) {
    assert.throws(() => putCommand({ path, data, mode: 0o644 }, sha(data)), PutError, path);
  }
});

test("the guest's answers", () => {
  assert.deepEqual(parseReply('put-ok /lab/a/b\r'), { kind: 'put', path: '/lab/a/b' });
  assert.deepEqual(parseReply('put-damaged /lab/a/b'), { kind: 'put', path: '/lab/a/b', why: 'damaged' });
  assert.deepEqual(parseReply(`sum ${'a'.repeat(64)} /lab/a/b`), { kind: 'sum', path: '/lab/a/b', sha256: 'a'.repeat(64) });
  assert.deepEqual(parseReply('sum none /lab/a/b'), { kind: 'sum', path: '/lab/a/b' });
  assert.equal(parseReply('24 80 0'), undefined);
  assert.equal(parseReply('sum abc /lab/a/b'), undefined);
});

describe('puts into a real lab VM', () => {
  let lab: Lab;
  let vm: LabVM;
  before(async () => {
    lab = await testLab();
    vm = new LabVM({ kernel: lab.kernel.bootImage, initrd: lab.image.initramfs, control: true, extraConsoles: 1 });
    await vm.ready;
  });
  after(async () => {
    await vm?.stop();
  });

  test('a file arrives whole with its mode; the lesson\'s own copy is kept; a second put of the same file sends nothing', async () => {
    const before = (await vm.exec('sha256sum /lab/ioctl/user_program')).output.split(' ')[0];
    const data = Buffer.concat([Buffer.from('#!/bin/sh\necho new program\nexit 0\n'), randomBytes(3000)]);
    const file = { path: '/lab/ioctl/user_program', data, mode: 0o755 };
    assert.deepEqual(await vm.put([{ file, sha256: sha(data) }]), ['/lab/ioctl/user_program']);
    const r = await vm.exec('cd /lab/ioctl && ./user_program && sha256sum user_program .orig/user_program && stat -c %a user_program');
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /new program/);
    assert.match(r.output, new RegExp(`${sha(data)}  user_program`));
    assert.match(r.output, new RegExp(`${before}  \\.orig/user_program`), 'the original is kept');
    assert.match(r.output, /\n755\s*$/);
    assert.deepEqual(await vm.put([{ file, sha256: sha(data) }]), [], 'the guest had it already');
  });

  test('256 KiB of every byte value arrives whole', async () => {
    const data = randomBytes(256 * 1024);
    await vm.put([{ file: { path: '/lab/hello/blob', data, mode: 0o644 }, sha256: sha(data) }]);
    const r = await vm.exec('sha256sum /lab/hello/blob && rm /lab/hello/blob');
    assert.match(r.output, new RegExp(sha(data)));
  });

  test('a file whose hash is wrong is refused and the old one stays; the channel still works after', async () => {
    const data = Buffer.from('not what the hash says\n');
    await assert.rejects(vm.put([{ file: { path: '/lab/ioctl/ioctl_example.ko', data, mode: 0o644 }, sha256: sha(Buffer.from('other')) }]), /arrived damaged/);
    const r = await vm.exec('head -c 4 /lab/ioctl/ioctl_example.ko | od -c | head -1; ls /tmp');
    assert.match(r.output, /177 {3}E {3}L {3}F/, 'the module is still the ELF it was');
    assert.doesNotMatch(r.output, /\.put/);
    const ok = Buffer.from('fine\n');
    await vm.put([{ file: { path: '/lab/hello/ok', data: ok, mode: 0o644 }, sha256: sha(ok) }]);
    assert.equal((await vm.exec('cat /lab/hello/ok')).output.trim(), 'fine');
  });

  test('window sizes sent during a put wait for it, and arrive', async () => {
    const data = randomBytes(64 * 1024);
    const put = vm.put([{ file: { path: '/lab/hello/blob2', data, mode: 0o644 }, sha256: sha(data) }]);
    vm.resize(101, 33);
    vm.resizeConsole(1, 90, 20);
    await put;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await vm.exec("stty size; stty -F /dev/$(sed 's/.*lab.console1=\\([^ ]*\\).*/\\1/' /proc/cmdline) size")).output.trim(), '33 101\n20 90');
    assert.equal((await vm.exec('sha256sum < /lab/hello/blob2')).output.split(' ')[0], sha(data));
  });

  test('a put to an ended VM is refused', async () => {
    const other = new LabVM({ kernel: lab.kernel.bootImage, initrd: lab.image.initramfs, control: true });
    await other.ready;
    await other.stop();
    const data = Buffer.from('x');
    await assert.rejects(other.put([{ file: { path: '/lab/hello/x', data, mode: 0o644 }, sha256: sha(data) }]), /ended/);
  });
});
