// The i386 lab's userland from Debian's i386 packages: busybox-static for
// the guest, and musl with a gcc specs file so that the host's gcc, given
// -m32, builds the lessons' programs as small static i386 binaries (as
// musl-gcc does for the x86-64 lab). The packages are fetched with
// `apt-get download` and unpacked into the cache, never installed:
// busybox-static:i386 would replace the host's /bin/busybox.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../paths.ts';
import { BUSYBOX_PACKAGE, I386_ARCH, I386_DOWNLOADS, ensureForeignArchitecture } from '../setup/host-packages.ts';
import { CacheEntry, InputHash, pruneSiblings } from './cache-entry.ts';
import { withLock } from './lock.ts';
import { Progress, runStep } from './step.ts';

/** Part of the cache key, like the other builders' recipes (cache-entry.ts). */
const RECIPE = {
  revision: 2,
  arch: I386_ARCH,
  triplet: 'i386-linux-musl',
  packages: I386_DOWNLOADS,
  busybox: 'root/bin/busybox',
  specs: 'musl-i386.specs',
  cc: ['gcc', '-m32'],
  linkEmulation: '-m elf_i386',
} as const;

export interface UserlandInfo {
  /** Package name → the Debian version unpacked. */
  versions: Record<string, string>;
}

export interface I386Userland {
  key: string;
  busybox: string;
  busyboxVersion: string;
  /** The compiler command for static i386 programs against musl, before the program's own flags. */
  cc: string[];
  /** The folder the compiler's specs, headers and libraries are in. */
  dir: string;
  built: boolean;
}

/** The candidate version apt would download for an i386 package. */
function candidateVersion(pkg: string): string {
  const out = execFileSync('apt-cache', ['show', '--no-all-versions', `${pkg}:${RECIPE.arch}`], { encoding: 'utf8' });
  const m = /^Version: (.+)$/m.exec(out);
  if (!m?.[1]) throw new Error(`i386 userland: apt knows no ${pkg}:${RECIPE.arch}; run apt-get update`);
  return m[1];
}

export async function i386Userland(): Promise<I386Userland> {
  ensureForeignArchitecture(RECIPE.arch);
  const versions = Object.fromEntries(RECIPE.packages.map((p) => [p, candidateVersion(p)]));
  const hash = new InputHash().add('recipe', JSON.stringify(RECIPE)).add('versions', JSON.stringify(versions));
  const entry = new CacheEntry<UserlandInfo>(join(cacheRoot(), 'userland-i386'), hash.digest());
  const result = (built: boolean): I386Userland => ({
    key: entry.key,
    busybox: entry.path(RECIPE.busybox),
    busyboxVersion: versions[BUSYBOX_PACKAGE] ?? '',
    cc: [...RECIPE.cc, '-specs', entry.path(RECIPE.specs)],
    dir: entry.dir,
    built,
  });
  return withLock(entry.lock, 'userland i386', async () => {
    if (entry.verified()) return result(false);
    const progress = new Progress('userland i386');
    entry.reset();
    const log = entry.path('build.log');
    progress.done(`downloading ${RECIPE.packages.map((p) => `${p}:${RECIPE.arch} ${versions[p]}`).join(', ')}`);
    // apt drops root to its _apt user to download, which cannot write here.
    const sandbox = process.getuid?.() === 0 ? ['-o', 'APT::Sandbox::User=root'] : [];
    const wanted = RECIPE.packages.map((p) => `${p}:${RECIPE.arch}=${versions[p]}`);
    await runStep(['apt-get', 'download', '-q', ...sandbox, ...wanted], { cwd: entry.dir, log });
    for (const deb of readdirSync(entry.dir).filter((f) => f.endsWith('.deb'))) {
      await runStep(['dpkg-deb', '-x', deb, 'root'], { cwd: entry.dir, log });
    }
    writeFileSync(entry.path(RECIPE.specs), specs(entry.path('root')));
    entry.commit({ versions }, [RECIPE.busybox, RECIPE.specs, `root/usr/lib/${RECIPE.triplet}/libc.a`], 0);
    await pruneSiblings(entry.parent, entry.key, 2);
    progress.done('busybox and musl for i386 unpacked');
    return result(true);
  });
}

/**
 * Debian's musl-gcc.specs names musl's headers and libraries by their
 * installed paths; here they are under `root`. gcc -m32 finds crtbeginS.o
 * and libgcc.a for i386 in its own multilib folder (lib32gcc-12-dev).
 */
function specs(root: string): string {
  const original = readFileSync(join(root, 'usr/lib', RECIPE.triplet, 'musl-gcc.specs'), 'utf8');
  const specs = original
    .replaceAll(`/usr/include/${RECIPE.triplet}`, join(root, 'usr/include', RECIPE.triplet))
    .replaceAll(`/usr/lib/${RECIPE.triplet}`, join(root, 'usr/lib', RECIPE.triplet))
    // The specs' link line replaces gcc's own, which is where -m32 becomes
    // the linker's emulation: without it ld links for x86-64.
    .replace(/^\*link:\n/m, `*link:\n${RECIPE.linkEmulation} `);
  if (!specs.includes(RECIPE.linkEmulation)) throw new Error('i386 userland: musl-gcc.specs has no *link: section');
  return specs;
}
