// The server as `npm start` runs it, in a process of its own: SIGTERM stops
// and reaps every VM, and after a SIGKILL no QEMU outlives it (each QEMU is
// the session leader of its pty and gets SIGHUP when the server's end closes).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { REPO_ROOT } from '../../lab/paths.ts';
import { childQemuPids, waitGone } from '../helpers/processes.ts';
import { LabClient } from './client.ts';

interface Running {
  proc: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  /** What the server printed on stderr so far. */
  log: () => string;
}

async function startServer(...extra: string[]): Promise<Running> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'lab/server/main.ts', '--port', '0', '--no-site-build', '--pool-size', '1', '--max-sessions', '2', ...extra],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
  );
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}${err}`)), 120_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /lab server: (http:\/\/\S+?)\/?\s/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(() => reject(new Error(`server exited: ${out}${err}`)));
  });
  return { proc, url, exited, log: () => err };
}

/** A session and the pool, so the server has two VMs. */
async function withVMs(url: string, pid: number): Promise<number[]> {
  const c = new LabClient(url);
  await c.status('ready', 60_000);
  assert.equal(await c.run('echo up'), 'up');
  const end = Date.now() + 60_000;
  while (childQemuPids(pid).length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  const pids = childQemuPids(pid);
  assert.equal(pids.length, 2, 'a session VM and a pooled VM');
  return pids;
}

test('SIGTERM stops every VM and the server exits', { timeout: 180_000 }, async () => {
  const s = await startServer();
  const pids = await withVMs(s.url, s.proc.pid!);
  s.proc.kill('SIGTERM');
  assert.equal(await s.exited, 0);
  for (const pid of pids) assert.ok(await waitGone(pid, 5000), `QEMU ${pid} survived SIGTERM`);
});

test('after a SIGKILL of the server no QEMU survives', { timeout: 180_000 }, async () => {
  const s = await startServer();
  const pids = await withVMs(s.url, s.proc.pid!);
  s.proc.kill('SIGKILL');
  await s.exited;
  for (const pid of pids) assert.ok(await waitGone(pid, 5000), `QEMU ${pid} survived the server's SIGKILL`);

  // Its copies of the kernel and initrd (made when it runs as root) are
  // removed by the next server to start.
  const leftovers = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith(`uklab-vmfiles-${s.proc.pid}-`));
  if (process.getuid?.() === 0) assert.equal(leftovers().length, 1, 'a killed server cannot clean up after itself');
  const next = await startServer();
  assert.deepEqual(leftovers(), []);
  next.proc.kill('SIGTERM');
  assert.equal(await next.exited, 0);
});

test('--kvm is probed once and falls back to TCG with a message when KVM does not boot', { timeout: 180_000 }, async () => {
  const s = await startServer('--kvm');
  // This project's CI host has /dev/kvm but nested KVM hangs: either outcome
  // must be said, and the lab must work.
  assert.match(s.log(), /lab server: (KVM works; every VM uses it|.*; using TCG)/);
  const c = new LabClient(s.url);
  await c.status('ready', 60_000);
  assert.equal(await c.run('echo up'), 'up');
  await c.close();
  s.proc.kill('SIGTERM');
  assert.equal(await s.exited, 0);
});
