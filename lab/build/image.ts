// The guest image: an uncompressed initramfs (nothing for the emulated CPU
// to decompress) with Debian's static busybox, our /init, and every lesson's
// modules and user programs built against the lab kernel under /lab/<lesson>.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KERNEL_EXAMPLES_DIR, LAB_DIR, REPO_ROOT, cacheRoot } from '../paths.ts';
import { CacheEntry, InputHash, pruneSiblings } from './cache-entry.ts';
import type { LabKernel } from './kernel.ts';
import { withLock } from './lock.ts';
import { Progress, runStep } from './step.ts';

const BUSYBOX = '/bin/busybox';
const IMAGE_FILES = join(LAB_DIR, 'image');
/** Unprivileged account in the guest, for lessons that show a permission check. */
export const GUEST_USER = { name: 'learner', uid: 1000, gid: 1000 };

export interface ImageInfo {
  kernelKey: string;
  busyboxVersion: string;
  lessons: string[];
}

export interface LabImage {
  key: string;
  initramfs: string;
  info: ImageInfo;
  built: boolean;
}

/** Lessons are the folders of kernel/ that have a Makefile. */
export function lessonNames(): string[] {
  if (!existsSync(KERNEL_EXAMPLES_DIR)) return [];
  return readdirSync(KERNEL_EXAMPLES_DIR)
    .filter((d) => existsSync(join(KERNEL_EXAMPLES_DIR, d, 'Makefile')))
    .sort();
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
  return ['Makefile', 'Kbuild', 'init', 'profile', 'fstab'].includes(name) || /\.(c|h|sh|patch|config|md)$/.test(name);
}

function busyboxVersion(): string {
  return execFileSync('dpkg-query', ['-W', '-f=${Version}', 'busybox-static'], { encoding: 'utf8' }).trim();
}

function imageEntry(kernel: LabKernel): CacheEntry<ImageInfo> {
  const hash = new InputHash()
    .add('kernel', kernel.key)
    .add('busybox', busyboxVersion())
    .addFile('recipe', fileURLToPath(import.meta.url));
  for (const f of [...sourceFiles(IMAGE_FILES), ...sourceFiles(KERNEL_EXAMPLES_DIR)]) {
    hash.add('file', relative(REPO_ROOT, f)).addFile('content', f);
  }
  return new CacheEntry<ImageInfo>(join(cacheRoot(), 'image'), hash.digest());
}


export async function buildImage(kernel: LabKernel): Promise<LabImage> {
  const entry = imageEntry(kernel);
  return withLock(entry.lock, 'image', async () => {
    const cached = entry.verified();
    if (cached) return { key: entry.key, initramfs: entry.path('initramfs.cpio'), info: cached.info, built: false };

    const started = Date.now();
    const progress = new Progress('image');
    entry.reset();
    const log = entry.path('build.log');
    const lessons = lessonNames();
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

    for (const d of ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/proc', '/sys', '/dev', '/tmp', '/etc', '/root', '/lab']) {
      dir(d);
    }
    list.push('nod /dev/console 0600 0 0 c 5 1');
    file('/bin/busybox', BUSYBOX, 0o755);
    for (const applet of execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n')) {
      if (!applet || applet === 'bin/busybox') continue;
      const guest = `/${applet}`;
      dir(guest.slice(0, guest.lastIndexOf('/')));
      list.push(`slink ${guest} /bin/busybox 0777 0 0`);
    }
    file('/init', join(IMAGE_FILES, 'init'), 0o755);
    const sigdfl = entry.path('sigdfl');
    await runStep(['musl-gcc', '-O2', '-Wall', '-Wextra', '-Werror', '-static', '-o', sigdfl, join(IMAGE_FILES, 'sigdfl.c')], {
      cwd: entry.dir,
      log,
    });
    file('/sbin/sigdfl', sigdfl, 0o755);
    file('/etc/profile', join(IMAGE_FILES, 'profile'), 0o644);
    file('/etc/fstab', join(IMAGE_FILES, 'fstab'), 0o644);
    const etc = entry.path('etc');
    execFileSync('mkdir', ['-p', etc]);
    const { name, uid, gid } = GUEST_USER;
    writeFileSync(join(etc, 'passwd'), `root:x:0:0:root:/root:/bin/sh\n${name}:x:${uid}:${gid}:${name}:/tmp:/bin/sh\n`);
    writeFileSync(join(etc, 'group'), `root:x:0:\n${name}:x:${gid}:\n`);
    file('/etc/passwd', join(etc, 'passwd'), 0o644);
    file('/etc/group', join(etc, 'group'), 0o644);

    const uapi = muslKernelHeaders(entry.path('uapi'));
    for (const lesson of lessons) {
      progress.done(`building lesson ${lesson} against Linux ${kernel.info.release}`);
      const work = entry.path('lessons', lesson);
      cpSync(join(KERNEL_EXAMPLES_DIR, lesson), work, { recursive: true, filter: (src) => !isBuildOutput(src) });
      for (const sub of [work, join(work, 'original')]) {
        if (!existsSync(join(sub, 'Makefile'))) continue;
        // User programs first, with musl: a static glibc binary is about
        // 770 KB, a static musl one about 40 KB, and the image's size is
        // boot time and memory for every VM. The modules' make below then
        // finds user_program up to date and builds only the modules.
        if (existsSync(join(sub, 'user_program.c'))) {
          await runStep(['make', `KDIR=${kernel.tree}`, `CC=musl-gcc -isystem ${uapi}`, 'user_program'], { cwd: sub, log });
        }
        await runStep(['make', `-j${cpus().length}`, `KDIR=${kernel.tree}`], { cwd: sub, log });
      }
      for (const host of artifacts(work)) {
        const mode = statSync(host).mode & 0o777;
        file(`/lab/${lesson}/${relative(work, host)}`, host, mode & 0o111 ? 0o755 : 0o644);
      }
    }

    const listFile = entry.path('initramfs.list');
    writeFileSync(listFile, list.join('\n') + '\n');
    const cpio = execFileSync(join(kernel.tree, 'usr/gen_init_cpio'), [listFile], { maxBuffer: 1 << 30 });
    writeFileSync(entry.path('initramfs.cpio'), cpio);
    const info: ImageInfo = { kernelKey: kernel.key, busyboxVersion: busyboxVersion(), lessons };
    entry.commit(info, ['initramfs.cpio'], (Date.now() - started) / 1000);
    pruneSiblings(entry.parent, entry.key, 3);
    progress.done(`initramfs with ${lessons.length} lessons, ${(cpio.length / 1024).toFixed(0)} KiB`);
    return { key: entry.key, initramfs: entry.path('initramfs.cpio'), info, built: true };
  });
}

/**
 * musl's compiler driver sees only musl's headers; user programs also need
 * the kernel's UAPI headers (linux/, asm/, asm-generic/). Debian's
 * linux-libc-dev has them for this kernel series; link just those three.
 */
function muslKernelHeaders(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, target] of [
    ['linux', '/usr/include/linux'],
    ['asm', '/usr/include/x86_64-linux-gnu/asm'],
    ['asm-generic', '/usr/include/asm-generic'],
  ] as const) {
    symlinkSync(target, join(dir, name));
  }
  return dir;
}

function isBuildOutput(path: string): boolean {
  return /(\.(o|ko|mod|mod\.c|cmd|a)|modules\.order|Module\.symvers|\/user_program)$/.test(path);
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
