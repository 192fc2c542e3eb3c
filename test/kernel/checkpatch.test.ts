// The lessons' C follows the kernel's coding style: kernel/checkpatch.sh,
// the command kernel/README.md gives, runs scripts/checkpatch.pl from the lab
// kernel's own source and finds nothing in any module, header, user program
// or lab-kernel patch (the lessons' and lab/kernel-patches/). The originals
// are exempt: they are the article's code, kept as it was.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { labKernelPatches } from '../../lab/builder/kernel.ts';
import { KERNEL_EXAMPLES_DIR, LAB_DIR, REPO_ROOT } from '../../lab/paths.ts';
import { testLab } from '../helpers/lab.ts';

const SCRIPT = join(KERNEL_EXAMPLES_DIR, 'checkpatch.sh');

function checked(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'original') out.push(...checked(p));
    } else if (/\.(c|h|patch)$/.test(name) && !name.endsWith('.mod.c')) {
      out.push(p);
    }
  }
  return out;
}

// Found here independently of the script, so that a script that silently
// checks fewer files fails the test.
const files = [...checked(KERNEL_EXAMPLES_DIR), ...labKernelPatches(), ...readdirSync(join(LAB_DIR, 'image')).filter((f) => f.endsWith('.c')).map((f) => join(LAB_DIR, 'image', f))];

const scratch = mkdtempSync(join(tmpdir(), 'uklab-checkpatch-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('kernel/checkpatch.sh finds no errors or warnings, in every file', async () => {
  await testLab();
  assert.ok(files.length > 20, `only ${files.length} files found to check`);
  // Exactly the README's command: from the repository's root, no arguments.
  const r = spawnSync('kernel/checkpatch.sh', [], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  const ok = r.stdout
    .split('\n')
    .filter((l) => l.endsWith(': ok'))
    .map((l) => l.slice(0, -': ok'.length))
    .sort();
  assert.deepEqual(ok, files.map((f) => relative(REPO_ROOT, f)).sort());
});

test('a patch is checked as a patch, also when git tracks it and it is named relative to the repository', async () => {
  await testLab();
  // checkpatch reads a file that `git ls-files` lists under the name given
  // as a source file: the blank context lines of a patch then count as
  // trailing whitespace, and its C is not checked. A style error in an added
  // line of a git-tracked copy of the syscall patch must be found, and
  // nothing else.
  const patch = readFileSync(join(KERNEL_EXAMPLES_DIR, 'syscall', '0001-my_syscall.patch'), 'utf8');
  const broken = patch.replace(/^\+(\s*)if \(/m, '+$1if(');
  assert.notEqual(broken, patch, 'the patch has no added `if (` line to break');
  const repo = join(scratch, 'repo');
  const git = (...args: string[]): void => {
    const g = spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
    assert.equal(g.status, 0, g.stderr);
  };
  spawnSync('mkdir', ['-p', repo]);
  git('init', '-q', '.');
  writeFileSync(join(repo, 'broken.patch'), broken);
  git('add', 'broken.patch');
  const r = spawnSync(SCRIPT, ['broken.patch'], { cwd: repo, encoding: 'utf8' });
  assert.equal(r.status, 1, `${r.stdout}${r.stderr}`);
  const findings = r.stdout.split('\n').filter((l) => /: (ERROR|WARNING|CHECK):/.test(l));
  assert.equal(findings.length, 1, r.stdout);
  assert.match(findings[0]!, /ERROR:SPACING: space required before the open parenthesis/);
});
