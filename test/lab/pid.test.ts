// lab/pid.ts: the one check of whether a process runs, for the build locks,
// the server's leftovers and the suites' "no QEMU left behind".
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { REPO_ROOT } from '../../lab/paths.ts';
import { processAlive } from '../../lab/pid.ts';

test('a running process is alive, also one of another user (EPERM)', () => {
  assert.equal(processAlive(process.pid), true);
  // kill(0) on another user's process fails with EPERM, except for root,
  // which asks from a child running as nobody about itself.
  if (process.getuid?.() !== 0) {
    assert.equal(processAlive(1), true);
    return;
  }
  // lab/pid.ts itself, made JavaScript here: nobody may not be able to read
  // this checkout (a clone in a 0700 folder) to load it through tsx.
  const source = ts.transpileModule(readFileSync(join(REPO_ROOT, 'lab/pid.ts'), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const check = `${source}\nconsole.log(processAlive(${process.pid}));`;
  const r = spawnSync(
    'setpriv',
    ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '--input-type=module', '-e', check],
    { cwd: '/', encoding: 'utf8' },
  );
  assert.equal(r.stdout.trim(), 'true', r.stderr);
});

test('a zombie and a reaped process are gone', async () => {
  // perl forks a child that exits at once and never waits for it: the child
  // stays a zombie while perl sleeps. (A shell that execs `sleep` was racy:
  // under load dash had reaped its child before the exec.)
  const parent = spawn('perl', ['-e', '$| = 1; my $p = fork // die; exit 0 unless $p; print "$p\n"; sleep 30'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(String(d)))));
    const deadline = Date.now() + 5000;
    while (processAlive(zombie) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(processAlive(zombie), false, 'a zombie counts as alive');
    // It is still there for kill(0): the check above did not pass by luck.
    assert.doesNotThrow(() => process.kill(zombie, 0));
    assert.equal(processAlive(parent.pid!), true);
  } finally {
    parent.kill('SIGKILL');
  }
  await new Promise((r) => parent.once('exit', r));
  assert.equal(processAlive(parent.pid!), false);
});
