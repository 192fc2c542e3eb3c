// The build cache: a finished entry is trusted only while every file its
// manifest lists is intact; anything else is rebuilt, never used.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CacheEntry, InputHash, pruneSiblings } from '../../lab/builder/cache-entry.ts';
import { previousCompiledCount } from '../../lab/builder/kernel.ts';
import { withLock } from '../../lab/builder/lock.ts';
import { REPO_ROOT } from '../../lab/paths.ts';
import { testLab } from '../helpers/lab.ts';

const scratch = mkdtempSync(join(tmpdir(), 'uklab-cache-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function sealedEntry(parent: string, key: string): CacheEntry<{ n: number }> {
  const e = new CacheEntry<{ n: number }>(parent, key);
  e.reset();
  writeFileSync(e.path('out.bin'), 'x'.repeat(1000));
  e.commit({ n: 1 }, ['out.bin'], 0.1);
  return e;
}

describe('cache entries', () => {
  test('a sealed entry verifies and returns its info', () => {
    const e = sealedEntry(join(scratch, 'a'), '0123456789abcdef');
    assert.deepEqual(e.verified()?.info, { n: 1 });
  });

  test('a truncated, changed or missing output makes the entry untrusted', () => {
    const e = sealedEntry(join(scratch, 'b'), '0123456789abcdef');
    truncateSync(e.path('out.bin'), 10);
    assert.equal(e.verified(), undefined);
    const f = sealedEntry(join(scratch, 'c'), '0123456789abcdef');
    writeFileSync(f.path('out.bin'), 'y'.repeat(1000)); // same size, other bytes
    assert.equal(f.verified(), undefined);
    const g = sealedEntry(join(scratch, 'd'), '0123456789abcdef');
    rmSync(g.path('out.bin'));
    assert.equal(g.verified(), undefined);
  });

  test('an interrupted build (no manifest) is not an entry', () => {
    const e = new CacheEntry(join(scratch, 'e'), '0123456789abcdef');
    e.reset();
    writeFileSync(e.path('out.bin'), 'half');
    assert.equal(e.verified(), undefined);
  });

  test('input hashes change with any input, and with the labels', () => {
    const h = (a: string, b: string): string => new InputHash().add('x', a).add('y', b).digest();
    assert.equal(h('1', '2'), h('1', '2'));
    assert.notEqual(h('1', '2'), h('1', '3'));
    assert.notEqual(h('12', ''), h('1', '2'), 'lengths are part of the hash');
  });

  test('pruning drops interrupted builds and old entries, keeps the current one', async () => {
    const parent = join(scratch, 'prune');
    const keys = ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb', 'cccccccccccccccc'];
    for (const k of keys) sealedEntry(parent, k);
    mkdirSync(join(parent, 'dddddddddddddddd')); // interrupted
    mkdirSync(join(parent, 'eeeeeeeeeeeeeeee'));
    mkdirSync(join(parent, 'eeeeeeeeeeeeeeee.lock')); // being built elsewhere
    await pruneSiblings(parent, keys[2]!, 2);
    assert.ok(existsSync(join(parent, keys[2]!)));
    assert.equal([keys[0], keys[1]].filter((k) => existsSync(join(parent, k!))).length, 1);
    assert.ok(!existsSync(join(parent, 'dddddddddddddddd')));
    assert.ok(existsSync(join(parent, 'eeeeeeeeeeeeeeee')));
  });
});

describe("the kernel build's progress estimate", () => {
  // kernel/current links to <entry>/linux; the count is in <entry>/manifest.json.
  const kernelCache = (name: string, compiled: unknown): string => {
    const parent = join(scratch, name);
    const entry = join(parent, '0123456789abcdef');
    mkdirSync(join(entry, 'linux'), { recursive: true });
    writeFileSync(join(entry, 'manifest.json'), JSON.stringify({ key: '0123456789abcdef', info: { compiled } }));
    return parent;
  };

  test('comes from the manifest of the build that `current` links to', () => {
    const parent = kernelCache('estimate-abs', 1234);
    symlinkSync(join(parent, '0123456789abcdef', 'linux'), join(parent, 'current'));
    assert.equal(previousCompiledCount(join(parent, 'current')), 1234);
  });

  test('also through a relative link', () => {
    const parent = kernelCache('estimate-rel', 987);
    symlinkSync(join('0123456789abcdef', 'linux'), join(parent, 'current'));
    assert.equal(previousCompiledCount(join(parent, 'current')), 987);
  });

  test('is undefined without a link, with a dangling one, or without a count', () => {
    const none = kernelCache('estimate-none', 1234);
    assert.equal(previousCompiledCount(join(none, 'current')), undefined);
    const dangling = kernelCache('estimate-dangling', 1234);
    symlinkSync(join(dangling, 'ffffffffffffffff', 'linux'), join(dangling, 'current'));
    assert.equal(previousCompiledCount(join(dangling, 'current')), undefined);
    for (const [name, compiled] of [['estimate-zero', 0], ['estimate-string', '661']] as const) {
      const parent = kernelCache(name, compiled);
      symlinkSync(join(parent, '0123456789abcdef', 'linux'), join(parent, 'current'));
      assert.equal(previousCompiledCount(join(parent, 'current')), undefined, name);
    }
  });
});

describe('build lock', () => {
  test('serialises builds', async () => {
    const lock = join(scratch, 'serial.lock');
    const order: string[] = [];
    const job = (name: string) =>
      withLock(lock, 'test', async () => {
        order.push(`${name}+`);
        await new Promise((r) => setTimeout(r, 50));
        order.push(`${name}-`);
      });
    await Promise.all([job('a'), job('b')]);
    assert.deepEqual(order.join(' ').match(/[ab]\+ [ab]-/g)?.length, 2);
  });

  test('takes over a lock whose owner died', async () => {
    const lock = join(scratch, 'stale.lock');
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), '999999999');
    assert.equal(await withLock(lock, 'test', async () => 'ran'), 'ran');
  });
});

test("`lab build`'s builder of the lab: reuses an intact cache, rebuilds a corrupt image", { timeout: 600_000 }, async () => {
  const lab = await testLab();
  // A cache of our own: the real kernel (linked, it is large) and a copy of
  // the real image, which this test corrupts.
  const cache = join(scratch, 'cache');
  mkdirSync(join(cache, 'kernel'), { recursive: true });
  symlinkSync(join(lab.kernel.tree, '..'), join(cache, 'kernel', lab.kernel.key));
  cpSync(join(lab.image.initramfs, '..'), join(cache, 'image', lab.image.key), { recursive: true });
  // What `lab build` runs for the server's lab, in a process of its own as
  // there. Not the CLI itself: it builds the tab lab too, which here (a
  // cache with no i386 kernel) would build a whole kernel (222 s).
  const build = (): string => {
    const script = "import { buildLab } from './lab/builder/lab.ts'; await buildLab();";
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
      cwd: REPO_ROOT,
      env: { ...process.env, UKLAB_CACHE: cache },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  assert.match(build(), /nothing rebuilt/);
  truncateSync(join(cache, 'image', lab.image.key, 'initramfs.cpio'), 4096);
  const rebuilt = build();
  assert.match(rebuilt, /image: initramfs with/);
  assert.doesNotMatch(rebuilt, /kernel: building/);
  assert.match(build(), /nothing rebuilt/);
});
