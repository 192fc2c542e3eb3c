// The CLI as a user runs it: `npm run lab -- exec ...` is `node --import tsx lab/cli.ts exec ...`.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { before, test } from 'node:test';
import { REPO_ROOT } from '../../lab/paths.ts';
import { testLab } from '../helpers/lab.ts';
import { qemuPidsOwnedBy, waitGone } from '../helpers/processes.ts';

const CLI = ['--import', 'tsx', 'lab/cli.ts'];
/** Every CLI process this file started: their VMs are the only ones it looks at. */
const clis: number[] = [];

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  clis.push(r.pid);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  await testLab();
});

test('exec runs a command in /lab/LESSON and prints its output', () => {
  const r = cli('exec', '--lesson', 'hello', '--', 'pwd; ls -1 *.ko');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '/lab/hello\nhello.ko\nhello_friend.ko\n');
});

test("exec exits with the command's status", () => {
  assert.equal(cli('exec', '--', 'exit_code() { return 5; }; exit_code').status, 5);
});

test('an unknown lesson is a clear error naming the lessons', () => {
  const r = cli('exec', '--lesson', 'nope', '--', 'true');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no lesson 'nope'; lessons: .*hello/);
});

test('killing the CLI with SIGKILL takes its QEMU down too', async () => {
  const child = spawn(process.execPath, [...CLI, 'exec', '--', 'echo started; sleep 600'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  clis.push(child.pid!);
  // Wait until this CLI's QEMU is up.
  const deadline = Date.now() + 60_000;
  let qemu: number[] = [];
  while (Date.now() < deadline) {
    qemu = qemuPidsOwnedBy([child.pid!]);
    if (qemu.length > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(qemu.length, 1, 'the CLI did not start QEMU');
  await new Promise((r) => setTimeout(r, 1500));
  child.kill('SIGKILL');
  assert.ok(await waitGone(qemu[0]!, 5000), 'QEMU outlived the killed CLI');
});

test('leaves no QEMU process behind', async () => {
  for (const pid of qemuPidsOwnedBy(clis)) await waitGone(pid, 3000);
  assert.deepEqual(qemuPidsOwnedBy(clis), []);
});
