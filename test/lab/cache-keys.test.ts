// The cache-key policy (lab/builder/cache-entry.ts): a builder's RECIPE is
// part of its key and the source around it is not. Checked on copies of the
// repository's lab/ and kernel/ whose builders are edited the way a person
// would edit them, so no build runs and the real files stay as they are.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import type { ImageTarget } from '../../lab/builder/image.ts';
import { REPO_ROOT } from '../../lab/paths.ts';

const scratch = mkdtempSync(join(tmpdir(), 'uklab-cache-keys-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

type Edit = (source: string) => string;

/** Keys computed by a copy of the repository whose `file` went through `edit`. */
async function keysWith(name: string, file: string, edit: Edit): Promise<{ image: string; kernel: string }> {
  const root = join(scratch, name);
  for (const dir of ['lab', 'kernel']) cpSync(join(REPO_ROOT, dir), join(root, dir), { recursive: true });
  const path = join(root, file);
  const before = readFileSync(path, 'utf8');
  const after = edit(before);
  assert.notEqual(after, before, `the edit '${name}' changed nothing in ${file}`);
  writeFileSync(path, after);
  const image = (await import(pathToFileURL(join(root, 'lab/builder/image.ts')).href)) as typeof import('../../lab/builder/image.ts');
  const kernel = (await import(pathToFileURL(join(root, 'lab/builder/kernel.ts')).href)) as typeof import('../../lab/builder/kernel.ts');
  return { image: image.imageKey(target(image.lessonNames())), kernel: kernel.kernelKey() };
}

/** An image target; only its kernel key, toolchain key and lessons reach the key. */
function target(lessons: string[]): ImageTarget {
  const toolchain = { arch: 'x86_64', busybox: '/nonexistent', busyboxVersion: '0', cc: ['cc'], uapi: '/nonexistent', key: 'a toolchain' } as const;
  return { name: 'image', kernelKey: 'a kernel', release: '0.0.0', kdir: '/nonexistent', lessons, genInitCpio: '/nonexistent', toolchain: { ...toolchain, cc: [...toolchain.cc], reads: [] } };
}

const same: Edit = (s) => `${s}\n`;
const comment: Edit = (s) => s.replace(/^\/\/ /, '// (a comment edited by a test) ');
// The first recipe's revision: kernel.ts has one recipe per architecture,
// and kernelKey() is the x86-64 one's, which comes first.
const revision: Edit = (s) => s.replace(/^( +)revision: (\d+),$/m, (_, indent: string, n: string) => `${indent}revision: ${Number(n) + 1},`);

describe('cache keys', () => {
  test('a copy of the repository computes the same keys as the repository', async () => {
    const image = await import('../../lab/builder/image.ts');
    const kernel = await import('../../lab/builder/kernel.ts');
    const copy = await keysWith('copy', 'lab/builder/image.ts', same);
    assert.equal(copy.image, image.imageKey(target(image.lessonNames())));
    assert.equal(copy.kernel, kernel.kernelKey());
  });

  test('editing a comment in image.ts or kernel.ts changes neither key', async () => {
    const base = await keysWith('base', 'lab/builder/image.ts', same);
    assert.deepEqual(await keysWith('image-comment', 'lab/builder/image.ts', comment), base);
    assert.deepEqual(await keysWith('kernel-comment', 'lab/builder/kernel.ts', comment), base);
  });

  test("changing a value of image.ts's RECIPE changes the image's key only", async () => {
    const base = await keysWith('base2', 'lab/builder/image.ts', same);
    const flags = await keysWith('image-flags', 'lab/builder/image.ts', (s) => s.replace("programFlags: ['-O2',", "programFlags: ['-Os',"));
    assert.notEqual(flags.image, base.image);
    assert.equal(flags.kernel, base.kernel);
    const bumped = await keysWith('image-revision', 'lab/builder/image.ts', revision);
    assert.notEqual(bumped.image, base.image);
    assert.notEqual(bumped.image, flags.image);
  });

  test("changing a value of kernel.ts's RECIPE changes the kernel's key", async () => {
    const base = await keysWith('base3', 'lab/builder/image.ts', same);
    const config = await keysWith('kernel-config', 'lab/builder/kernel.ts', (s) => s.replace("baseConfig: 'tinyconfig'", "baseConfig: 'allnoconfig'"));
    assert.notEqual(config.kernel, base.kernel);
    const bumped = await keysWith('kernel-revision', 'lab/builder/kernel.ts', revision);
    assert.notEqual(bumped.kernel, base.kernel);
  });

  test('kernel/lab.mk is an input of the image', async () => {
    const base = await keysWith('base4', 'lab/builder/image.ts', same);
    const mk = await keysWith('lab-mk', 'kernel/lab.mk', (s) => s.replace('KDIR ?=', 'KDIR ?= '));
    assert.notEqual(mk.image, base.image);
  });
});
