// Debian's 6.12 cloud kernel, the second kernel the lessons run on: which
// one is installed, where its image and headers are. Nothing is built here;
// the meta-packages in DEBIAN_KERNEL_PACKAGES (lab/setup/host-packages.ts)
// say which versioned packages (linux-image-6.12.N+deb12-cloud-amd64 and its
// headers) they stand for, and dpkg says whether those are installed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { DEBIAN_KERNEL_PACKAGES } from '../setup/host-packages.ts';

const [IMAGE_META, HEADERS_META] = DEBIAN_KERNEL_PACKAGES.map((p) => p.name) as [string, string];

export interface DebianKernel {
  /** The kernel's release, e.g. 6.12.117+deb12-cloud-amd64 (what `uname -r` prints in the guest). */
  release: string;
  /** The Debian version of its image and headers packages, e.g. 6.12.117-1~deb12u1. */
  packageVersion: string;
  /** Identifies the kernel in cache keys: its packages and their versions. */
  key: string;
  /** The bzImage QEMU boots. */
  bzImage: string;
  /** KDIR for out-of-tree modules. */
  headers: string;
}

interface Installed {
  name: string;
  version: string;
}

function dpkgField(pkg: string, field: string): string | undefined {
  const r = spawnSync('dpkg-query', ['-W', `-f=\${db:Status-Status} \${${field}}`, pkg], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout.startsWith('installed ')) return undefined;
  return r.stdout.slice('installed '.length).trim();
}

/** The one package a meta-package depends on, as `name (= version)`, checked to be installed at that version. */
function resolveMeta(meta: string): Installed {
  const depends = dpkgField(meta, 'Depends');
  if (depends === undefined) {
    throw new Error(`debian-kernel: ${meta} is not installed (npm test installs it; or run: apt-get install ${IMAGE_META} ${HEADERS_META})`);
  }
  const m = /^(\S+) \(= (\S+)\)$/.exec(depends);
  if (!m) throw new Error(`debian-kernel: cannot read the dependency of ${meta}: '${depends}'`);
  const [, name, version] = m as unknown as [string, string, string];
  const have = dpkgField(name, 'Version');
  if (have !== version) {
    throw new Error(
      `debian-kernel: ${meta} needs ${name} ${version}, but it is ${have ? `at ${have}` : 'not installed'}; ` +
        `run: apt-get install ${IMAGE_META} ${HEADERS_META}`,
    );
  }
  return { name, version };
}

/** The installed Debian 6.12 cloud kernel; an error that says what to install if there is none. */
export function debianKernel(): DebianKernel {
  const image = resolveMeta(IMAGE_META);
  const headers = resolveMeta(HEADERS_META);
  const release = image.name.replace(/^linux-image-/, '');
  if (headers.name !== `linux-headers-${release}` || headers.version !== image.version) {
    throw new Error(
      `debian-kernel: ${IMAGE_META} stands for ${image.name} ${image.version} but ${HEADERS_META} for ` +
        `${headers.name} ${headers.version}; run: apt-get install ${IMAGE_META} ${HEADERS_META}`,
    );
  }
  const kernel: DebianKernel = {
    release,
    packageVersion: image.version,
    key: `${image.name} ${image.version} ${headers.name} ${headers.version}`,
    bzImage: `/boot/vmlinuz-${release}`,
    headers: `/usr/src/linux-headers-${release}`,
  };
  for (const path of [kernel.bzImage, kernel.headers]) {
    if (!existsSync(path)) throw new Error(`debian-kernel: ${path} is missing although ${image.name} is installed`);
  }
  return kernel;
}
