// The Debian packages the lab needs on the host, checked before every build
// and installed with apt-get when we are root. Each entry says why it is here
// so that the list can shrink when a reason goes away.
import { spawnSync } from 'node:child_process';

export interface HostPackage {
  name: string;
  why: string;
}

/** The lab kernel's source, named here once (lab/builder/kernel.ts builds it). */
export const KERNEL_SOURCE_PACKAGE = 'linux-source-6.1';
/** The build sandbox (lab/build/sandbox.ts). */
export const BWRAP_PACKAGE = 'bubblewrap';
/** The guest's userland (lab/builder/image.ts), whose version is part of the image's key. */
export const BUSYBOX_PACKAGE = 'busybox-static';

export const LAB_PACKAGES: readonly HostPackage[] = [
  { name: 'qemu-system-x86', why: 'runs the lab VM' },
  { name: BUSYBOX_PACKAGE, why: 'the guest userland' },
  { name: KERNEL_SOURCE_PACKAGE, why: 'the lab kernel source' },
  { name: 'gcc', why: 'kernel, modules and user programs' },
  { name: 'make', why: 'kernel and module builds' },
  { name: 'libc6-dev', why: 'user programs built on the host, kernel UAPI headers' },
  { name: 'musl-tools', why: 'small static user programs for the guest' },
  { name: 'flex', why: 'kernel build (kconfig lexer)' },
  { name: 'bison', why: 'kernel build (kconfig parser)' },
  { name: 'bc', why: 'kernel build (timeconst)' },
  { name: 'libelf-dev', why: 'kernel build (objtool, modpost)' },
  { name: 'libssl-dev', why: 'kernel build (host tools)' },
  { name: 'cpio', why: 'kernel build (headers archive)' },
  { name: 'xz-utils', why: 'unpacks the kernel source tarball' },
  { name: 'perl', why: 'kernel build and scripts/checkpatch.pl' },
  { name: BWRAP_PACKAGE, why: "the sandbox learners' builds run in (lab/build/sandbox.ts)" },
];

/**
 * The i386 lab, which v86 runs in the reader's browser tab
 * (lab/builder/i386-userland.ts, lab/builder/tab-snapshot.ts). Its busybox
 * and musl come from Debian's i386 packages, taken with `apt-get download`
 * rather than installed: busybox-static:i386 would replace the host's
 * /bin/busybox, which the x86-64 image copies.
 */
export const I386_ARCH = 'i386';
export const I386_DOWNLOADS = [BUSYBOX_PACKAGE, 'musl', 'musl-dev'] as const;
export const TAB_LAB_PACKAGES: readonly HostPackage[] = [
  { name: 'lib32gcc-12-dev', why: "the i386 lab's user programs (32-bit libgcc and crt files for gcc -m32)" },
  { name: 'seabios', why: 'the BIOS v86 boots the i386 lab with' },
  { name: 'lz4', why: "compresses the i386 lab's kernel (CONFIG_KERNEL_LZ4)" },
];

/**
 * dpkg must know the i386 architecture for apt to fetch i386 packages: as
 * root it is added (and the package lists refreshed), otherwise we stop with
 * the commands to run.
 */
export function ensureForeignArchitecture(arch: string = I386_ARCH): void {
  const r = spawnSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' });
  if (r.error) throw new Error('setup: dpkg not found; the lab needs a Debian-based host');
  if (r.stdout.split('\n').includes(arch)) return;
  const commands = `dpkg --add-architecture ${arch} && apt-get update`;
  if (process.getuid?.() !== 0) {
    throw new Error(`setup: the ${arch} lab needs Debian's ${arch} packages\nsetup: run: sudo sh -c '${commands}'`);
  }
  console.log(`setup: adding the ${arch} architecture to dpkg, for the ${arch} lab's busybox and musl`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run(['dpkg', '--add-architecture', arch], env);
  run(['apt-get', 'update'], env);
}

/**
 * The second kernel the tests run the lessons on (lab/builder/debian-kernel.ts):
 * Debian's meta-packages, which depend on the newest 6.12 cloud kernel and
 * its headers, so a fresh machine gets whatever 6.12 Debian ships now and an
 * existing one keeps the kernel it has until apt upgrades it.
 */
export const DEBIAN_KERNEL_PACKAGES: readonly HostPackage[] = [
  { name: 'linux-image-6.12-cloud-amd64', why: "tests: Debian's 6.12 cloud kernel, a second kernel for the lessons" },
  { name: 'linux-headers-6.12-cloud-amd64', why: "tests: the lessons' modules built for that kernel" },
];

/**
 * The Kubernetes packaging's test (test/deploy/manifests.test.ts) renders
 * deploy/k8s with `kubectl kustomize`. Debian 12's kubectl is 1.20, whose
 * kustomize is v2.0.3, and the manifests are written for that old a
 * kustomize too (deploy/README.md). lab/setup/prepare-tests.ts installs it
 * only where no kubectl runs: its /usr/bin/kubectl clashes with any other
 * package that ships one (the `kubectl` of Google's Cloud SDK, for
 * instance), and any kubectl renders the manifests.
 */
export const DEPLOY_TEST_PACKAGES: readonly HostPackage[] = [
  { name: 'kubernetes-client', why: 'tests: kubectl kustomize renders the Kubernetes manifests under deploy/k8s (test/deploy/manifests.test.ts)' },
];

/** Names from `wanted` that dpkg does not report as installed. */
export function missingPackages(wanted: readonly HostPackage[]): string[] {
  const names = wanted.map((p) => p.name);
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...names], {
    encoding: 'utf8',
  });
  if (r.error) {
    throw new Error('setup: dpkg-query not found; the lab needs a Debian-based host');
  }
  const installed = new Set(
    r.stdout
      .split('\n')
      .filter((line) => line.endsWith(' installed'))
      .map((line) => line.split(' ')[0]),
  );
  return names.filter((n) => !installed.has(n));
}

/**
 * Make sure every package is installed. As root, missing ones are installed
 * with apt-get (its progress shown); otherwise we stop with the exact command
 * to run, because a half-set-up host fails later in less clear ways.
 */
export function ensureHostPackages(wanted: readonly HostPackage[] = LAB_PACKAGES): void {
  const missing = missingPackages(wanted);
  if (missing.length === 0) return;
  const why = missing
    .map((n) => `${n} (${wanted.find((p) => p.name === n)?.why ?? ''})`)
    .join(', ');
  const install = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`setup: missing Debian packages: ${why}\nsetup: run: sudo ${install}`);
  }
  console.log(`setup: installing missing Debian packages: ${why}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // A fresh machine's package lists are empty or stale; this runs only when
  // something is missing, so the refresh costs nothing on a set-up host.
  run(['apt-get', 'update'], env);
  run(install.split(' '), env);
  const still = missingPackages(wanted);
  if (still.length > 0) {
    throw new Error(`setup: apt-get did not install: ${still.join(' ')}`);
  }
}

function run(argv: string[], env: NodeJS.ProcessEnv): void {
  const [cmd, ...args] = argv as [string, ...string[]];
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    throw new Error(`setup: '${argv.join(' ')}' failed (exit ${r.status ?? r.signal})`);
  }
}
