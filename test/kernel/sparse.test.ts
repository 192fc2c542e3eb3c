// sparse, the kernel's semantic checker, over every lesson's module and the
// originals, built against the lab kernel tree with the command that
// kernel/README.md gives: `make C=2 CHECK=sparse` in the lesson's folder.
// It knows the address spaces that `__user` marks, so it finds a user
// pointer dereferenced by the kernel, or a kernel pointer handed to
// copy_from_user(), which gcc compiles without a word. The fixed modules
// must be clean; the article's ioctl module mixes the two (its bug, kept),
// and sparse must say so: that is also the proof that this test sees
// sparse's findings at all.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { lessonNames } from '../../lab/builder/image.ts';
import { KERNEL_EXAMPLES_DIR } from '../../lab/paths.ts';
import { testLab } from '../helpers/lab.ts';

/**
 * What sparse reports in the originals, by folder: only the article's own
 * bugs. A folder not listed here must have no finding at all.
 */
const ORIGINAL_FINDINGS: Record<string, RegExp> = {
  // get_user()/put_user() on a plain `int *`: no __user on the pointer.
  'ioctl/original': /: warning: incorrect type in argument \d \(different address spaces\)$/,
};

// Each lesson is built in a copy (with lab.mk beside it, as the Makefiles
// include ../lab.mk), so that nothing lands in kernel/.
const scratch = mkdtempSync(join(tmpdir(), 'uklab-sparse-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

before(() => {
  const r = spawnSync('sparse', ['--version'], { encoding: 'utf8' });
  if (r.error) {
    throw new Error('sparse is not installed: install the Debian package sparse (npm test does, lab/setup/prepare-tests.ts)');
  }
  cpSync(KERNEL_EXAMPLES_DIR, scratch, {
    recursive: true,
    filter: (src) => !/(\.(o|ko|mod|mod\.c|cmd|a)|modules\.order|Module\.symvers|\/user_program)$/.test(src),
  });
});

// Folders with a module (obj-m): compare has only a user program.
const folders = lessonNames().flatMap((lesson) =>
  [lesson, `${lesson}/original`].filter((f) => {
    const makefile = join(KERNEL_EXAMPLES_DIR, f, 'Makefile');
    return existsSync(makefile) && /^obj-m\b/m.test(readFileSync(makefile, 'utf8'));
  }),
);

for (const folder of folders) {
  test(`sparse: ${folder}`, async () => {
    const { kernel } = await testLab();
    const dir = join(scratch, folder);
    const r = spawnSync('make', ['C=2', 'CHECK=sparse', `KDIR=${kernel.tree}`], { cwd: dir, encoding: 'utf8' });
    const out = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 0, out);
    // Every module source was given to sparse (C=2 checks them all, built or not).
    // A module has a MODULE_LICENSE; user_program.c, and any other program of the lesson, has none.
    const sources = readdirSync(dir).filter(
      (f) => f.endsWith('.c') && !f.endsWith('.mod.c') && /\bMODULE_LICENSE\(/.test(readFileSync(join(dir, f), 'utf8')),
    );
    assert.ok(sources.length > 0, `no module source in ${folder}`);
    for (const c of sources) assert.match(out, new RegExp(`^\\s+CHECK\\s+${join(dir, c)}$`, 'm'), `sparse did not check ${c}`);
    // Diagnostics on a source line, sparse's or gcc's (modpost's have another form).
    const findings = out
      .split('\n')
      .filter((l) => /^\S+:\d+:\d+: (warning|error): /.test(l))
      .map((l) => relative(scratch, l));
    const expected = ORIGINAL_FINDINGS[folder];
    if (expected === undefined) {
      assert.deepEqual(findings, [], `${folder}:\n${findings.join('\n')}`);
    } else {
      assert.ok(findings.length > 0, `sparse found nothing in ${folder}, which lacks __user`);
      for (const f of findings) assert.match(f, expected);
    }
  });
}
