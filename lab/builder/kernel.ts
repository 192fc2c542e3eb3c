// The lab kernel: the tarball of Debian's linux-source package
// (KERNEL_SOURCE_PACKAGE), `make tinyconfig`, our config fragments and
// patches, built once and cached by the hash of all of that. Modules for the
// lessons are built against this tree.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { KERNEL_EXAMPLES_DIR, LAB_DIR, REPO_ROOT, cacheRoot, currentKernelTree } from '../paths.ts';
import { KERNEL_SOURCE_PACKAGE as SOURCE_PACKAGE } from '../setup/host-packages.ts';
import { CacheEntry, InputHash, pruneSiblings } from './cache-entry.ts';
import { withLock } from './lock.ts';
import { Progress, runStep } from './step.ts';

const SOURCE_TARBALL = `/usr/src/${SOURCE_PACKAGE}.tar.xz`;
/**
 * Patches the lab itself needs, applied before the lessons': they are about
 * running under an emulator, not about anything a lesson teaches.
 */
const LAB_PATCHES_DIR = join(LAB_DIR, 'kernel-patches');

/** The two labs: x86-64 under QEMU on the lab server, i386 under v86 in the reader's tab. */
export type LabArch = 'x86_64' | 'i386';

/**
 * How the kernel is built, as data (the policy is in cache-entry.ts): the
 * build below reads its settings from here, and all of it is part of the
 * cache key, so changing a value rebuilds the kernel while editing the code
 * around it (messages, progress) does not. Bump `revision` when a change to
 * that code changes what it builds.
 */
const RECIPES = {
  x86_64: {
    revision: 1,
    arch: 'x86_64',
    cacheDir: 'kernel',
    patch: ['patch', '-p1', '--forward', '--batch'],
    baseConfig: 'tinyconfig',
    fragments: ['kernel.config', 'kernel-x86_64.config'],
    targets: ['vmlinux', 'bzImage', 'modules'],
    // QEMU boots the ELF vmlinux through its PVH entry; without symbols it
    // loads faster. The unstripped one stays for modules and debugging.
    bootImage: 'vmlinux.boot',
    // Debian's linux-libc-dev has this series' UAPI headers for x86-64.
    uapiHeaders: undefined,
    outputs: ['linux/vmlinux', 'linux/arch/x86/boot/bzImage', 'linux/Module.symvers', 'linux/usr/gen_init_cpio', 'vmlinux.boot'],
  },
  i386: {
    revision: 1,
    arch: 'i386',
    cacheDir: 'kernel-i386',
    patch: ['patch', '-p1', '--forward', '--batch'],
    baseConfig: 'tinyconfig',
    fragments: ['kernel.config', 'kernel-i386.config'],
    // v86 boots a bzImage. `headers`: Debian has no i386 UAPI headers on
    // an amd64 host without installing linux-libc-dev:i386; the tree makes
    // its own (in usr/include), which are the running kernel's exactly.
    targets: ['bzImage', 'modules', 'headers'],
    bootImage: undefined,
    uapiHeaders: 'linux/usr/include',
    outputs: ['linux/arch/x86/boot/bzImage', 'linux/Module.symvers', 'linux/usr/gen_init_cpio', 'linux/usr/include/linux/version.h'],
  },
} as const;

type Recipe = (typeof RECIPES)[LabArch];

/** Cache entries kept besides the current one (each is a 1.6 GB tree). */
const KEEP_KERNELS = 2;
// Files compiled by a build of this configuration, measured; only used for
// the progress estimate until a build has recorded its own count.
const COMPILED_ESTIMATE = 661;

export interface KernelInfo {
  /** The kernel's own version, e.g. 6.1.192 (what `uname -r` prints in the guest). */
  release: string;
  /** The Debian package version the source came from. */
  packageVersion: string;
  fragments: string[];
  patches: string[];
  /** How many files the build compiled, for the next build's progress estimate. */
  compiled: number;
}

export interface LabKernel {
  arch: LabArch;
  key: string;
  /** The configured and built source tree: KDIR for out-of-tree modules. */
  tree: string;
  vmlinux: string;
  /** What the emulator boots: the stripped vmlinux for QEMU, the bzImage for v86. */
  bootImage: string;
  bzImage: string;
  /** The kernel's UAPI headers for user programs (linux/, asm/, asm-generic/), if the recipe makes them. */
  uapiHeaders?: string;
  info: KernelInfo;
  /** True when this call built it, false when it came from the cache. */
  built: boolean;
}

/** Lesson-provided inputs: kernel/<lesson>/*.patch and kernel/<lesson>/kernel.config. */
export function lessonKernelInputs(): { patches: string[]; fragments: string[] } {
  const patches: string[] = [];
  const fragments: string[] = [];
  if (!existsSync(KERNEL_EXAMPLES_DIR)) return { patches, fragments };
  for (const lesson of readdirSync(KERNEL_EXAMPLES_DIR).sort()) {
    const dir = join(KERNEL_EXAMPLES_DIR, lesson);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.patch')) patches.push(join(dir, f));
      if (f === 'kernel.config') fragments.push(join(dir, f));
    }
  }
  return { patches, fragments };
}

function packageVersion(): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', SOURCE_PACKAGE], {
      encoding: 'utf8',
    }).trim();
  } catch {
    throw new Error(`kernel: Debian package ${SOURCE_PACKAGE} is not installed`);
  }
}

interface KernelInputs {
  recipe: Recipe;
  entry: CacheEntry<KernelInfo>;
  pkgVersion: string;
  fragments: string[];
  patches: string[];
}

/** lab/kernel-patches/*.patch, in name order. */
export function labKernelPatches(): string[] {
  if (!existsSync(LAB_PATCHES_DIR)) return [];
  return readdirSync(LAB_PATCHES_DIR)
    .filter((f) => f.endsWith('.patch'))
    .sort()
    .map((f) => join(LAB_PATCHES_DIR, f));
}

function kernelInputs(arch: LabArch): KernelInputs {
  const recipe = RECIPES[arch];
  const pkgVersion = packageVersion();
  const { patches: lessonPatches, fragments: lessonFragments } = lessonKernelInputs();
  const fragments = [...recipe.fragments.map((f) => join(LAB_DIR, f)), ...lessonFragments];
  const patches = [...labKernelPatches(), ...lessonPatches];
  const hash = new InputHash().add('package', `${SOURCE_PACKAGE} ${pkgVersion}`).add('recipe', JSON.stringify(recipe));
  for (const f of fragments) hash.add('fragment', relative(REPO_ROOT, f)).addFile('content', f);
  for (const p of patches) hash.add('patch', relative(REPO_ROOT, p)).addFile('content', p);
  const entry = new CacheEntry<KernelInfo>(join(cacheRoot(), recipe.cacheDir), hash.digest());
  return { recipe, entry, pkgVersion, fragments, patches };
}

/** A lab kernel's cache key, from the installed source package, the recipe and every input file. */
export function kernelKey(arch: LabArch = 'x86_64'): string {
  return kernelInputs(arch).entry.key;
}

function toLabKernel({ recipe, entry }: KernelInputs, info: KernelInfo, built: boolean): LabKernel {
  const tree = entry.path('linux');
  const bzImage = join(tree, 'arch/x86/boot/bzImage');
  return {
    arch: recipe.arch,
    key: entry.key,
    tree,
    vmlinux: join(tree, 'vmlinux'),
    bootImage: recipe.bootImage ? entry.path(recipe.bootImage) : bzImage,
    bzImage,
    ...(recipe.uapiHeaders ? { uapiHeaders: entry.path(recipe.uapiHeaders) } : {}),
    info,
    built,
  };
}

/**
 * The x86-64 kernel's tree is also the lessons' default KDIR
 * (currentKernelTree(), kernel/lab.mk); the i386 one gets the same kind of
 * link in its own folder, for anyone building against it by hand.
 */
function currentLink(recipe: Recipe): string {
  return recipe.arch === 'x86_64' ? currentKernelTree() : join(cacheRoot(), recipe.cacheDir, 'current');
}

export async function buildKernel(arch: LabArch = 'x86_64'): Promise<LabKernel> {
  const inputs = kernelInputs(arch);
  const { entry, recipe } = inputs;
  const current = currentLink(recipe);
  return withLock(entry.lock, 'kernel', async () => {
    const cached = entry.verified();
    if (cached) {
      CacheEntry.link(current, entry.path('linux'));
      return toLabKernel(inputs, cached.info, false);
    }
    const started = Date.now();
    // Read before the prune below can delete the tree it names.
    const estimate = previousCompiledCount(current) ?? COMPILED_ESTIMATE;
    // Deleting an old tree kept a finished build waiting on the disk for
    // about 20 s; started now, it overlaps the compile, which waits on the CPU.
    const pruned = pruneSiblings(entry.parent, entry.key, KEEP_KERNELS);
    try {
      const info = await build(inputs, estimate);
      entry.commit(info, [...recipe.outputs], (Date.now() - started) / 1000);
      CacheEntry.link(current, entry.path('linux'));
      return toLabKernel(inputs, info, true);
    } finally {
      await pruned;
    }
  });
}

async function build({ recipe, entry, pkgVersion, fragments, patches }: KernelInputs, estimate: number): Promise<KernelInfo> {
  const label = recipe.arch === 'x86_64' ? 'kernel' : `kernel ${recipe.arch}`;
  const progress = new Progress(label);
  console.log(`${label}: building Linux for ${recipe.arch} from ${SOURCE_PACKAGE} ${pkgVersion} into ${entry.dir}`);
  entry.reset();
  const log = entry.path('build.log');
  const tree = entry.path('linux');
  progress.done('unpacking the source');
  await runStep(['mkdir', '-p', tree], { cwd: entry.dir, log });
  await runStep(['tar', '-xf', SOURCE_TARBALL, '-C', tree, '--strip-components=1'], { cwd: entry.dir, log });
  for (const p of patches) {
    progress.done(`applying ${relative(REPO_ROOT, p)}`);
    await runStep([...recipe.patch, '-i', p], { cwd: tree, log });
  }
  progress.done(`configuring: ${recipe.baseConfig} + ${fragments.map((f) => relative(REPO_ROOT, f)).join(' + ')}`);
  const make = ['make', `ARCH=${recipe.arch}`];
  await runStep([...make, recipe.baseConfig], { cwd: tree, log });
  await runStep(['scripts/kconfig/merge_config.sh', '-m', '.config', ...fragments], { cwd: tree, log });
  await runStep([...make, 'olddefconfig'], { cwd: tree, log });
  checkConfig(join(tree, '.config'), fragments);

  let compiled = 0;
  await runStep([...make, `-j${cpus().length + 1}`, ...recipe.targets], {
    cwd: tree,
    log,
    onLine: (line) => {
      if (!/^\s+CC\s/.test(line)) return;
      compiled++;
      const pct = Math.min(99, Math.floor((100 * compiled) / estimate));
      progress.update(`compiling, ${compiled} of about ${estimate} files (${pct}%)`);
    },
  });
  if (recipe.bootImage) await runStep(['strip', '-o', entry.path(recipe.bootImage), join(tree, 'vmlinux')], { cwd: tree, log });
  const release = readFileSync(join(tree, 'include/config/kernel.release'), 'utf8').trim();
  progress.done(`built Linux ${release} (${compiled} files compiled)`);
  return {
    release,
    packageVersion: pkgVersion,
    fragments: fragments.map((f) => relative(REPO_ROOT, f)),
    patches: patches.map((p) => relative(REPO_ROOT, p)),
    compiled,
  };
}

/**
 * kconfig drops an option whose dependencies are unmet without a word, and
 * keeps one that something else selects. Both would leave the lab without
 * what a fragment promised, so both stop the build.
 */
function checkConfig(config: string, fragments: string[]): void {
  const lines = new Set(readFileSync(config, 'utf8').split('\n'));
  const wrong: string[] = [];
  for (const f of fragments) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      const want = line.trim();
      const off = /^# (CONFIG_\w+) is not set$/.exec(want);
      if (/^CONFIG_\w+=/.test(want) && !lines.has(want)) wrong.push(`${want} (${relative(REPO_ROOT, f)})`);
      if (off && [...lines].some((l) => l.startsWith(`${off[1]}=`))) wrong.push(`${want} (${relative(REPO_ROOT, f)})`);
    }
  }
  if (wrong.length > 0) {
    throw new Error(`kernel: these options did not come out as the fragments ask:\n  ${wrong.join('\n  ')}`);
  }
}

/**
 * How many files the build that `current` links to compiled, from its
 * manifest; undefined if there is no such build. `current` links to
 * <entry>/linux, so the manifest is in the folder above the link's target,
 * not above the link: join(current, '..') is normalised to the cache folder
 * itself, which has no manifest, so the link must be resolved first.
 */
export function previousCompiledCount(current: string): number | undefined {
  try {
    const entryDir = dirname(realpathSync(current));
    const manifest = JSON.parse(readFileSync(join(entryDir, 'manifest.json'), 'utf8')) as {
      info?: KernelInfo;
    };
    const compiled = manifest.info?.compiled;
    return typeof compiled === 'number' && compiled > 0 ? compiled : undefined;
  } catch {
    return undefined;
  }
}
