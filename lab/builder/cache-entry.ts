// A cache entry is a directory named by the hash of everything that went
// into it. It counts as built only when its manifest exists and every file
// the manifest lists still has the recorded size and SHA-256; anything else
// (an interrupted build, a truncated file, a half-deleted tree) is wiped and
// built again.
//
// What goes into a key, for every cached build (kernel.ts, image.ts):
// - the versions of the Debian packages the build takes files from;
// - the path and content of every repository file the build reads (patches,
//   config fragments, the lessons' sources, lab/image/, kernel/lab.mk);
// - the builder's RECIPE, a plain object that holds every setting the build
//   uses (targets, flags, paths, the guest's layout), which the build code
//   reads from there rather than spelling out again, hashed as JSON;
// - in that RECIPE, a `revision` number, bumped by hand in the same commit
//   as a change to the build code that changes what it makes.
// The builder's source file itself is not hashed: a comment, a message or a
// refactoring that builds the same thing does not throw away a kernel
// (minutes) or an image. The price is the revision rule above; forgetting it
// leaves an old build in use until some input changes.
// test/lab/cache-keys.test.ts checks both halves on copies of the builders.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

const MANIFEST = 'manifest.json';

export interface Manifest<Info> {
  key: string;
  builtAt: string;
  seconds: number;
  info: Info;
  files: Record<string, { size: number; sha256: string }>;
}

export class InputHash {
  private readonly h = createHash('sha256');

  add(label: string, value: string | Buffer): this {
    this.h.update(`${label}\0${value.length}\0`);
    this.h.update(value);
    return this;
  }

  addFile(label: string, path: string): this {
    return this.add(label, readFileSync(path));
  }

  /** 16 hex digits: short enough for a path, long enough not to collide. */
  digest(): string {
    return this.h.digest('hex').slice(0, 16);
  }
}

export function sha256File(path: string): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

export class CacheEntry<Info> {
  readonly dir: string;

  constructor(
    readonly parent: string,
    readonly key: string,
  ) {
    this.dir = join(parent, key);
  }

  /** The lock directory for building this entry (see lock.ts). */
  get lock(): string {
    return `${this.dir}.lock`;
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /** The manifest if the entry is complete and intact, else undefined. */
  verified(): Manifest<Info> | undefined {
    let manifest: Manifest<Info>;
    try {
      manifest = JSON.parse(readFileSync(this.path(MANIFEST), 'utf8')) as Manifest<Info>;
    } catch {
      return undefined;
    }
    if (manifest.key !== this.key) return undefined;
    for (const [rel, want] of Object.entries(manifest.files)) {
      const p = this.path(rel);
      try {
        if (statSync(p).size !== want.size) return undefined;
      } catch {
        return undefined;
      }
      if (sha256File(p) !== want.sha256) return undefined;
    }
    return manifest;
  }

  /** Start from an empty directory: whatever was there is not trusted. */
  reset(): void {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  /** Seal the entry; written last, so an interrupted build never has one. */
  commit(info: Info, files: string[], seconds: number): Manifest<Info> {
    const manifest: Manifest<Info> = {
      key: this.key,
      builtAt: new Date().toISOString(),
      seconds,
      info,
      files: Object.fromEntries(
        files.map((rel) => {
          const p = this.path(rel);
          return [rel, { size: statSync(p).size, sha256: sha256File(p) }];
        }),
      ),
    };
    const tmp = this.path(`${MANIFEST}.tmp`);
    writeFileSync(tmp, JSON.stringify(manifest, null, 2) + '\n');
    renameSync(tmp, this.path(MANIFEST));
    return manifest;
  }

  /** Point `link` at `target` atomically (a stable name for the newest build). */
  static link(link: string, target: string): void {
    const tmp = `${link}.tmp-${process.pid}`;
    mkdirSync(dirname(link), { recursive: true });
    if (existsSync(tmp)) unlinkSync(tmp);
    symlinkSync(target, tmp);
    renameSync(tmp, link);
  }
}

/**
 * Remove the entries beside `keep` that are not worth their disk space: any
 * without a manifest (interrupted builds) and all but the newest
 * `keepComplete` finished ones. A kernel tree is over a gigabyte. Entries
 * being built right now (their lock exists) are left alone.
 */
export async function pruneSiblings(parent: string, keep: string, keepComplete: number): Promise<void> {
  const complete: { key: string; builtAt: string }[] = [];
  const doomed: string[] = [];
  for (const key of readdirSync(parent)) {
    if (key === keep || !/^[0-9a-f]{16}$/.test(key) || existsSync(join(parent, `${key}.lock`))) continue;
    try {
      const m = JSON.parse(readFileSync(join(parent, key, MANIFEST), 'utf8')) as { builtAt: string };
      complete.push({ key, builtAt: m.builtAt });
    } catch {
      doomed.push(key);
    }
  }
  complete.sort((a, b) => b.builtAt.localeCompare(a.builtAt));
  doomed.push(...complete.slice(Math.max(0, keepComplete - 1)).map((e) => e.key));
  // Asynchronous, so that a caller can delete a gigabyte tree, which is disk
  // work, while a compiler keeps the CPUs busy.
  await Promise.all(doomed.map((key) => rm(join(parent, key), { recursive: true, force: true })));
}
