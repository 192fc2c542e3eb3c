// The second lab the tests run the lessons in: Debian's 6.12 cloud kernel,
// as Debian ships it, and an image holding the lessons that do not need the
// lab kernel's patch, their modules built against that kernel's headers.
// Same busybox, /init and users as the lab image (image.ts builds both).
import { join } from 'node:path';
import { DEBIAN_KERNEL_PACKAGES, ensureHostPackages } from '../setup/host-packages.ts';
import { debianKernel, type DebianKernel } from './debian-kernel.ts';
import { buildImageFor, hostToolchain, lessonNames, needsLabKernel, type LabImage } from './image.ts';
import type { LabKernel } from './kernel.ts';

export interface DebianLab {
  kernel: DebianKernel;
  image: LabImage;
}

/** Cached like the lab image, keyed by the kernel's packages and every input. */
export async function buildDebianLab(labKernel: LabKernel): Promise<DebianLab> {
  ensureHostPackages(DEBIAN_KERNEL_PACKAGES);
  const kernel = debianKernel();
  const image = await buildImageFor({
    name: 'image-debian-6.12',
    kernelKey: kernel.key,
    release: kernel.release,
    kdir: kernel.headers,
    lessons: lessonNames().filter((l) => !needsLabKernel(l)),
    // Debian's headers have no gen_init_cpio; the lab kernel's packs any image.
    genInitCpio: join(labKernel.tree, 'usr/gen_init_cpio'),
    toolchain: hostToolchain(),
  });
  if (image.built) {
    console.log(`lab: image for Linux ${kernel.release} (${kernel.packageVersion}), lessons: ${image.info.lessons.join(' ')}`);
  }
  return { kernel, image };
}
