// kernel/lab.mk gives make the rule that lab/paths.ts gives the lab builder
// for where the lab kernel is: the lessons' default KDIR must be the tree
// that `npm run lab -- build` links, in every environment the rule knows.
// make only evaluates variables here (print-KDIR); nothing is built.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { lessonNames } from '../../lab/builder/image.ts';
import { KERNEL_EXAMPLES_DIR, REPO_ROOT, currentKernelTree } from '../../lab/paths.ts';

const LAB_MK = join(KERNEL_EXAMPLES_DIR, 'lab.mk');
const scratch = mkdtempSync(join(tmpdir(), 'uklab-lab-mk-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * The environments to compare in. Only HOME is kept from ours (Node's
 * homedir() reads it, and make's $(HOME) is it), so a UKLAB_CACHE or
 * XDG_CACHE_HOME of the machine running the tests cannot leak in.
 */
const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: homedir() };
const environments: Record<string, NodeJS.ProcessEnv> = {
  'UKLAB_CACHE set': { ...base, UKLAB_CACHE: join(scratch, 'uklab'), XDG_CACHE_HOME: join(scratch, 'xdg') },
  'UKLAB_CACHE relative, with .. in it': { ...base, UKLAB_CACHE: 'some/../cache' },
  'only XDG_CACHE_HOME set': { ...base, XDG_CACHE_HOME: join(scratch, 'xdg') },
  'XDG_CACHE_HOME with a trailing slash': { ...base, XDG_CACHE_HOME: `${join(scratch, 'xdg')}/` },
  'neither set': { ...base },
  'both set but empty': { ...base, UKLAB_CACHE: '', XDG_CACHE_HOME: '' },
};

/** make's value of KDIR, run in `cwd` with `args` (a relative UKLAB_CACHE is relative to cwd for both). */
function makeKdir(env: NodeJS.ProcessEnv, cwd: string, args: string[]): string {
  const r = spawnSync('make', ['-s', '--no-print-directory', ...args, 'print-KDIR'], { cwd, env, encoding: 'utf8' });
  if (r.error) throw new Error(`make could not run (${r.error.message}); install the Debian package make`);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trimEnd();
}

/** What lab/paths.ts says, with the same environment and working directory. */
function nodeKdir(env: NodeJS.ProcessEnv, cwd: string): string {
  const saved = process.cwd();
  process.chdir(cwd);
  try {
    return currentKernelTree(env);
  } finally {
    process.chdir(saved);
  }
}

describe('kernel/lab.mk', () => {
  for (const [name, env] of Object.entries(environments)) {
    test(`KDIR is the kernel tree lab/paths.ts names: ${name}`, () => {
      const want = nodeKdir(env, REPO_ROOT);
      assert.ok(want.startsWith('/'), want);
      assert.equal(makeKdir(env, REPO_ROOT, ['-f', LAB_MK]), want);
    });
  }

  test('the environments tell the three rules apart', () => {
    const results = new Set(Object.values(environments).map((env) => nodeKdir(env, REPO_ROOT)));
    // UKLAB_CACHE (two of them), XDG_CACHE_HOME (the slash makes no
    // difference), ~/.cache (twice).
    assert.equal(results.size, 4, [...results].join('\n'));
  });

  test('every Makefile under kernel/ includes it, from where it is and from a copy', () => {
    const makefiles = lessonNames().flatMap((l) =>
      [join(KERNEL_EXAMPLES_DIR, l), join(KERNEL_EXAMPLES_DIR, l, 'original')].filter((d) => existsSync(join(d, 'Makefile'))),
    );
    assert.ok(makefiles.length >= 14, `only ${makefiles.length} Makefiles`);
    const env = environments['only XDG_CACHE_HOME set']!;
    const want = nodeKdir(env, REPO_ROOT);
    for (const dir of makefiles) {
      const name = relative(REPO_ROOT, dir);
      assert.doesNotMatch(readFileSync(join(dir, 'Makefile'), 'utf8'), /^\s*(KDIR|LAB_CACHE)\s*\??=/m, `${name} sets KDIR itself`);
      assert.equal(makeKdir(env, dir, []), want, name);
      // As `make -C` from elsewhere, the way Kbuild and the image build start it.
      assert.equal(makeKdir(env, tmpdir(), ['-C', dir]), want, `make -C ${name}`);
    }
    // The image build's layout: each lesson copied into lessons/, lab.mk beside them.
    const lessons = join(scratch, 'lessons');
    mkdirSync(lessons);
    cpSync(LAB_MK, join(lessons, 'lab.mk'));
    for (const lesson of lessonNames()) {
      cpSync(join(KERNEL_EXAMPLES_DIR, lesson), join(lessons, lesson), { recursive: true });
    }
    for (const dir of makefiles) {
      const copy = join(lessons, relative(KERNEL_EXAMPLES_DIR, dir));
      assert.equal(makeKdir(env, copy, []), want, relative(scratch, copy));
    }
    // A KDIR given to make still wins.
    assert.equal(makeKdir(env, makefiles[0]!, ['KDIR=/some/tree']), '/some/tree');
  });
});
