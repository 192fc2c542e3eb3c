// `npm run lab` with no command: the usage, not a VM.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { REPO_ROOT } from '../../lab/paths.ts';
import { qemuPidsOwnedBy } from '../helpers/processes.ts';

test('with no command the CLI prints its usage and starts nothing', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'lab/cli.ts'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^usage:\n/);
  for (const verb of ['build', 'shell', 'exec']) assert.match(r.stdout, new RegExp(`npm run lab -- ${verb}`));
  assert.deepEqual(qemuPidsOwnedBy([r.pid]), []);
});
