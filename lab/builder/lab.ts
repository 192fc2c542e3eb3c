// Everything a lab VM needs, built or taken from the cache: host packages,
// then the kernel, then the image that depends on it.
import { KERNEL_SOURCE_PACKAGE, ensureHostPackages } from '../setup/host-packages.ts';
import { buildImage, hostToolchain, type LabImage } from './image.ts';
import { buildKernel, type LabKernel } from './kernel.ts';

export interface Lab {
  kernel: LabKernel;
  image: LabImage;
}

export async function buildLab({ quiet = false } = {}): Promise<Lab> {
  const started = Date.now();
  ensureHostPackages();
  const kernel = await buildKernel();
  const image = await buildImage(kernel, hostToolchain());
  if (!quiet || kernel.built || image.built) {
    const what = kernel.built || image.built ? 'built' : 'up to date, nothing rebuilt';
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `lab: Linux ${kernel.info.release} from ${KERNEL_SOURCE_PACKAGE} ${kernel.info.packageVersion}, ` +
        `lessons: ${image.info.lessons.join(' ') || '(none)'} — ${what} in ${secs} s`,
    );
  }
  return { kernel, image };
}
