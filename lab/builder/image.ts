// The guest image: an uncompressed initramfs (nothing for the emulated CPU
// to decompress) with Debian's static busybox, our /init, and every lesson's
// modules and user programs built against one kernel under /lab/<lesson>.
// The lab image is built for the lab kernel; the same recipe, given another
// ImageTarget, builds the image for Debian's 6.12 kernel (debian-lab.ts).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { KERNEL_EXAMPLES_DIR, LAB_DIR, REPO_ROOT, cacheRoot } from '../paths.ts';
import { BUSYBOX_PACKAGE } from '../setup/host-packages.ts';
import { CacheEntry, InputHash, pruneSiblings } from './cache-entry.ts';
import type { LabArch, LabKernel } from './kernel.ts';
import { withLock } from './lock.ts';
import { Progress, runStep } from './step.ts';

const IMAGE_FILES = join(LAB_DIR, 'image');
/**
 * Included by every lesson's Makefile (for KDIR's default), so a copy of it
 * sits beside the lessons' copies in the cache, where they are built.
 */
const LAB_MK = join(KERNEL_EXAMPLES_DIR, 'lab.mk');

/**
 * How an image is built, as data (the policy is in cache-entry.ts): the
 * build below reads its settings from here, and all of it is part of the
 * cache key, so changing a value rebuilds the images while editing the code
 * around it (comments, messages) does not. Bump `revision` when a change to
 * that code changes what it builds.
 */
const RECIPE = {
  revision: 2,
  busybox: '/bin/busybox',
  dirs: ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/proc', '/sys', '/dev', '/tmp', '/etc', '/root', '/lab'],
  console: 'nod /dev/console 0600 0 0 c 5 1',
  /** Files of lab/image/ copied as they are: guest path, name, mode. */
  imageFiles: [
    ['/init', 'init', 0o755],
    ['/etc/profile', 'profile', 0o644],
    ['/etc/fstab', 'fstab', 0o644],
    ['/etc/lab-banner', 'lab-banner', 0o644],
  ],
  /** The programs of lab/image/, compiled: guest path, source. */
  programs: [
    ['/sbin/sigdfl', 'sigdfl.c'],
    ['/sbin/labctl', 'labctl.c'],
  ],
  guestUser: { name: 'learner', uid: 1000, gid: 1000 },
  programFlags: ['-O2', '-Wall', '-Wextra', '-Werror', '-static', '-s'],
  /**
   * A kernel built with CONFIG_DEBUG_INFO (Debian's) builds modules with
   * DWARF: 300-570 KB each, about 95% of it debug info that the guest never
   * reads and TCG would copy at every boot.
   */
  stripModules: ['strip', '--strip-debug'],
  /**
   * The same for the programs' symbol tables: nothing in the guest reads
   * them (a fifth of each binary: netlink's 47936 bytes became 38544).
   */
  stripPrograms: ['strip'],
  guestLessons: '/lab',
} as const;

/** A lesson's user program, and its one source file. */
export const PROGRAM = 'user_program';
export const PROGRAM_SOURCE = 'user_program.c';

/** How built modules and programs are stripped, for the image and for a learner's build alike. */
export const STRIP = { modules: RECIPE.stripModules, program: RECIPE.stripPrograms } as const;

/**
 * The commands that build one lesson's folder, for the image and for a
 * learner's build in the sandbox (lab/build/) alike: the user program first,
 * with the toolchain's compiler; the modules' make then finds it up to date
 * and builds only the modules, through Kbuild against `kdir`. `kbuild`:
 * more assignments for the modules' make (lab/build/kbuild-probes.ts).
 */
export function lessonMakeSteps(toolchain: Toolchain, kdir: string, opts: { program: boolean; jobs: number; kbuild?: string[] }): string[][] {
  const make = ['make', `ARCH=${toolchain.arch}`, `KDIR=${kdir}`];
  const cc = [...toolchain.cc, '-isystem', toolchain.uapi].join(' ');
  return [...(opts.program ? [[...make, `CC=${cc}`, PROGRAM]] : []), [...make, `-j${opts.jobs}`, ...(opts.kbuild ?? [])]];
}

/** Unprivileged account in the guest, for lessons that show a permission check. */
export const GUEST_USER = RECIPE.guestUser;

export interface ImageInfo {
  kernelKey: string;
  /** The release of the kernel the modules were built for. */
  release: string;
  busyboxVersion: string;
  lessons: string[];
}

/**
 * What builds the guest's programs for one architecture, and the busybox
 * it runs. User programs are built with musl on both: a static glibc
 * binary is about 770 KB, a static musl one about 40 KB, and the image's
 * size is boot time and memory for every VM (and download size in the tab).
 */
export interface Toolchain {
  arch: LabArch;
  /** The busybox binary on the host that goes into the guest. */
  busybox: string;
  busyboxVersion: string;
  /** The compiler command for a static user program, before its own flags. */
  cc: string[];
  /**
   * The kernel's UAPI headers (linux/, asm/, asm-generic/) for user
   * programs: musl's driver sees only musl's own headers.
   */
  uapi: string;
  /** What identifies the toolchain in an image's cache key (no paths of this machine). */
  key: string;
  /** Host folders outside /usr that the compiler reads (a build sandbox binds them). */
  reads: string[];
}

/**
 * The x86-64 toolchain: Debian's musl-gcc and busybox-static, and the
 * UAPI headers of Debian's linux-libc-dev, which match this kernel series:
 * just these three folders, linked from a folder of the cache.
 */
export function hostToolchain(): Toolchain {
  const uapi = join(cacheRoot(), 'uapi-x86_64');
  const links = [
    ['linux', '/usr/include/linux'],
    ['asm', '/usr/include/x86_64-linux-gnu/asm'],
    ['asm-generic', '/usr/include/asm-generic'],
  ] as const;
  mkdirSync(uapi, { recursive: true });
  for (const [name, target] of links) CacheEntry.link(join(uapi, name), target);
  const busyboxVersion = execFileSync('dpkg-query', ['-W', '-f=${Version}', BUSYBOX_PACKAGE], { encoding: 'utf8' }).trim();
  return {
    arch: 'x86_64',
    busybox: RECIPE.busybox,
    busyboxVersion,
    cc: ['musl-gcc'],
    uapi,
    key: JSON.stringify({ arch: 'x86_64', busyboxVersion, cc: 'musl-gcc', uapi: links }),
    reads: [uapi],
  };
}

export interface LabImage {
  key: string;
  initramfs: string;
  info: ImageInfo;
  built: boolean;
}

/**
 * What sets one image apart from another: the kernel its modules are built
 * for, and so which lessons it can hold.
 */
export interface ImageTarget {
  /** The image's folder in the cache and its progress label: `image` for the lab's. */
  name: string;
  /** Identifies the kernel in the image's cache key. */
  kernelKey: string;
  /** The kernel's release, for messages and ImageInfo. */
  release: string;
  /** The kernel tree or headers the lessons' Makefiles build against (their KDIR). */
  kdir: string;
  lessons: string[];
  /** gen_init_cpio, built with a kernel tree (headers packages do not ship it). */
  genInitCpio: string;
  toolchain: Toolchain;
}

/** Lessons are the folders of kernel/ that have a Makefile. */
export function lessonNames(): string[] {
  if (!existsSync(KERNEL_EXAMPLES_DIR)) return [];
  return readdirSync(KERNEL_EXAMPLES_DIR)
    .filter((d) => existsSync(join(KERNEL_EXAMPLES_DIR, d, 'Makefile')))
    .sort();
}

/**
 * A lesson with a kernel patch (kernel/<lesson>/*.patch: syscall) runs only
 * on the lab kernel, which is built with it; so does a lesson whose code
 * includes such a lesson's header (compare, which times every lesson's
 * module). The others build against any kernel's headers.
 */
export function needsLabKernel(lesson: string, seen: Set<string> = new Set()): boolean {
  const dir = join(KERNEL_EXAMPLES_DIR, lesson);
  const files = readdirSync(dir);
  if (files.some((f) => f.endsWith('.patch'))) return true;
  seen.add(lesson);
  return lessonsIncluded(dir, files).some((other) => !seen.has(other) && needsLabKernel(other, seen));
}

/** The other lessons whose headers a lesson's C includes (`#include "../ioctl/ioctl_example.h"`). */
function lessonsIncluded(dir: string, files: string[]): string[] {
  const found = new Set<string>();
  for (const f of files.filter((name) => /\.[ch]$/.test(name))) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/^#include\s+"\.\.\/([a-z0-9_-]+)\//gm)) found.add(m[1]!);
  }
  return [...found].filter((l) => existsSync(join(KERNEL_EXAMPLES_DIR, l, 'Makefile')));
}

/** A lab image: every lesson, built against a lab kernel's tree with the toolchain of its architecture. */
export function labImageTarget(kernel: LabKernel, toolchain: Toolchain): ImageTarget {
  if (toolchain.arch !== kernel.arch) throw new Error(`image: a ${toolchain.arch} toolchain for a ${kernel.arch} kernel`);
  return {
    name: kernel.arch === 'x86_64' ? 'image' : `image-${kernel.arch}`,
    kernelKey: kernel.key,
    release: kernel.info.release,
    kdir: kernel.tree,
    lessons: lessonNames(),
    genInitCpio: join(kernel.tree, 'usr/gen_init_cpio'),
    toolchain,
  };
}

/** Source files of a folder, recursively, skipping anything a build leaves behind. */
function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (isSource(name)) out.push(p);
  }
  return out;
}

function isSource(name: string): boolean {
  return ['Makefile', 'Kbuild', 'init', 'profile', 'fstab', 'lab-banner'].includes(name) || /\.(c|h|sh|patch|config|md)$/.test(name);
}

function imageEntry(target: ImageTarget): CacheEntry<ImageInfo> {
  return new CacheEntry<ImageInfo>(join(cacheRoot(), target.name), imageKey(target));
}

/**
 * The image's cache key: the kernel, busybox's version, the recipe, and the
 * path and content of every file that goes into the image or its build.
 */
export function imageKey(target: ImageTarget): string {
  const hash = new InputHash()
    .add('kernel', target.kernelKey)
    .add('toolchain', target.toolchain.key)
    .add('recipe', JSON.stringify(RECIPE));
  const lessonDirs = target.lessons.map((l) => join(KERNEL_EXAMPLES_DIR, l));
  for (const f of [...sourceFiles(IMAGE_FILES), LAB_MK, ...lessonDirs.flatMap(sourceFiles)]) {
    hash.add('file', relative(REPO_ROOT, f)).addFile('content', f);
  }
  return hash.digest();
}

/** A lab image, for a lab kernel. */
export function buildImage(kernel: LabKernel, toolchain: Toolchain): Promise<LabImage> {
  return buildImageFor(labImageTarget(kernel, toolchain));
}

export async function buildImageFor(target: ImageTarget): Promise<LabImage> {
  const entry = imageEntry(target);
  return withLock(entry.lock, target.name, async () => {
    const cached = entry.verified();
    if (cached) return { key: entry.key, initramfs: entry.path('initramfs.cpio'), info: cached.info, built: false };

    const started = Date.now();
    const progress = new Progress(target.name);
    entry.reset();
    const log = entry.path('build.log');
    const { lessons, kdir, toolchain } = target;
    const list: string[] = [];
    const dirs = new Set<string>();
    const dir = (p: string): void => {
      if (dirs.has(p) || p === '/' || p === '') return;
      dir(p.slice(0, p.lastIndexOf('/')) || '/');
      dirs.add(p);
      list.push(`dir ${p} 0755 0 0`);
    };
    const file = (guest: string, host: string, mode: number): void => {
      dir(guest.slice(0, guest.lastIndexOf('/')));
      list.push(`file ${guest} ${host} ${mode.toString(8)} 0 0`);
    };

    for (const d of RECIPE.dirs) dir(d);
    list.push(RECIPE.console);
    const busybox = RECIPE.busybox;
    file(busybox, toolchain.busybox, 0o755);
    for (const applet of appletList(toolchain)) {
      const guest = `/${applet}`;
      if (!applet || guest === busybox) continue;
      dir(guest.slice(0, guest.lastIndexOf('/')));
      list.push(`slink ${guest} ${busybox} 0777 0 0`);
    }
    for (const [guest, name, mode] of RECIPE.imageFiles) file(guest, join(IMAGE_FILES, name), mode);
    for (const [guest, source] of RECIPE.programs) {
      const built = entry.path(source.replace(/\.c$/, ''));
      await runStep([...toolchain.cc, ...RECIPE.programFlags, '-o', built, join(IMAGE_FILES, source)], { cwd: entry.dir, log });
      file(guest, built, 0o755);
    }
    const etc = entry.path('etc');
    execFileSync('mkdir', ['-p', etc]);
    const { name, uid, gid } = RECIPE.guestUser;
    writeFileSync(join(etc, 'passwd'), `root:x:0:0:root:/root:/bin/sh\n${name}:x:${uid}:${gid}:${name}:/tmp:/bin/sh\n`);
    writeFileSync(join(etc, 'group'), `root:x:0:\n${name}:x:${gid}:\n`);
    file('/etc/passwd', join(etc, 'passwd'), 0o644);
    file('/etc/group', join(etc, 'group'), 0o644);

    // The lessons' Makefiles include ../lab.mk (../../lab.mk from original/).
    mkdirSync(entry.path('lessons'), { recursive: true });
    cpSync(LAB_MK, entry.path('lessons', 'lab.mk'));
    // Every lesson is copied before any builds: a lesson may include
    // another's header (compare includes them all).
    for (const lesson of lessons) {
      cpSync(join(KERNEL_EXAMPLES_DIR, lesson), entry.path('lessons', lesson), { recursive: true, filter: (src) => !isBuildOutput(src) });
    }
    // Lessons build independently, and one lesson's make is mostly serial
    // (Kbuild's passes, modpost, the link): two at a time on two cores
    // halve the image step. Each keeps its own log; the image lists them in
    // lesson order, so the cpio does not depend on which finished first.
    const buildLesson = async (lesson: string): Promise<string[]> => {
      progress.done(`building lesson ${lesson} against Linux ${target.release}`);
      const work = entry.path('lessons', lesson);
      const lessonLog = entry.path('lessons', `${lesson}.log`);
      for (const sub of [work, join(work, 'original')]) {
        if (!existsSync(join(sub, 'Makefile'))) continue;
        const program = existsSync(join(sub, PROGRAM_SOURCE));
        for (const step of lessonMakeSteps(toolchain, kdir, { program, jobs: cpus().length })) {
          await runStep(step, { cwd: sub, log: lessonLog });
        }
        const modules = readdirSync(sub).filter((f) => f.endsWith('.ko'));
        if (modules.length > 0) await runStep([...STRIP.modules, ...modules], { cwd: sub, log: lessonLog });
        if (existsSync(join(sub, PROGRAM))) await runStep([...STRIP.program, PROGRAM], { cwd: sub, log: lessonLog });
      }
      return artifacts(work).map((host) => `${RECIPE.guestLessons}/${lesson}/${relative(work, host)}`);
    };
    const built = await inParallel(lessons, cpus().length, buildLesson);
    for (const [i, lesson] of lessons.entries()) {
      const work = entry.path('lessons', lesson);
      for (const guest of built[i] ?? []) {
        const host = join(work, relative(`${RECIPE.guestLessons}/${lesson}`, guest));
        const mode = statSync(host).mode & 0o777;
        file(guest, host, mode & 0o111 ? 0o755 : 0o644);
      }
    }

    const listFile = entry.path('initramfs.list');
    writeFileSync(listFile, list.join('\n') + '\n');
    const cpio = execFileSync(target.genInitCpio, [listFile], { maxBuffer: 1 << 30 });
    writeFileSync(entry.path('initramfs.cpio'), cpio);
    const info: ImageInfo = { kernelKey: target.kernelKey, release: target.release, busyboxVersion: toolchain.busyboxVersion, lessons };
    entry.commit(info, ['initramfs.cpio'], (Date.now() - started) / 1000);
    await pruneSiblings(entry.parent, entry.key, 3);
    progress.done(`initramfs with ${lessons.length} lessons, ${(cpio.length / 1024).toFixed(0)} KiB`);
    return { key: entry.key, initramfs: entry.path('initramfs.cpio'), info, built: true };
  });
}

/** `f` over `items`, at most `limit` at a time; results in the items' order. */
async function inParallel<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await f(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * The applets busybox links, asked of the binary itself. The i386 one runs
 * on an x86-64 host that runs 32-bit programs (Debian's kernels do); where
 * it cannot, the host's busybox of the same version has the same list.
 */
function appletList(toolchain: Toolchain): string[] {
  const list = (busybox: string): string[] =>
    execFileSync(busybox, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  try {
    return list(toolchain.busybox);
  } catch (e) {
    const host = hostToolchain();
    if (host.busyboxVersion !== toolchain.busyboxVersion) {
      throw new Error(`image: cannot run ${toolchain.busybox} for its applets (${(e as Error).message}), and the host's busybox is another version`);
    }
    return list(host.busybox);
  }
}

function isBuildOutput(path: string): boolean {
  // A lesson's programs are named <something>_program, as .gitignore knows.
  return /(\.(o|ko|mod|mod\.c|cmd|a)|modules\.order|Module\.symvers|\/[a-z0-9]+(_[a-z0-9]+)*_program)$/.test(path);
}

/** What goes into the guest from a built lesson: modules, programs, and the sources to read. */
function artifacts(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      out.push(...artifacts(p));
    } else if (name.endsWith('.ko') || /\.(c|h|sh)$/.test(name) || (st.mode & 0o111 && !name.startsWith('.'))) {
      if (!name.endsWith('.mod.c')) out.push(p);
    }
  }
  return out;
}
