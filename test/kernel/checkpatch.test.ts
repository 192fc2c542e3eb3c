// The lessons' C follows the kernel's coding style: scripts/checkpatch.pl
// from the lab kernel's own source finds nothing in any module, header,
// user program or lab-kernel patch (the lessons' and lab/kernel-patches/). The originals are exempt: they are the
// article's code, kept as it was.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { labKernelPatches } from '../../lab/builder/kernel.ts';
import { KERNEL_EXAMPLES_DIR, LAB_DIR, REPO_ROOT } from '../../lab/paths.ts';
import { testLab } from '../helpers/lab.ts';

function checked(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'original') out.push(...checked(p));
    } else if (/\.(c|h|patch)$/.test(name)) {
      out.push(p);
    }
  }
  return out;
}

const files = [...checked(KERNEL_EXAMPLES_DIR), ...labKernelPatches(), join(LAB_DIR, 'image', 'sigdfl.c')];

test('checkpatch finds no errors or warnings', async () => {
  const { kernel } = await testLab();
  assert.ok(files.length > 20, `only ${files.length} files found to check`);
  for (const file of files) {
    const args = [join(kernel.tree, 'scripts/checkpatch.pl'), '--no-tree', '--terse', '--show-types'];
    if (!file.endsWith('.patch')) args.push('-f');
    const r = spawnSync('perl', [...args, file], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `${relative(REPO_ROOT, file)}:\n${r.stdout}${r.stderr}`);
  }
});
