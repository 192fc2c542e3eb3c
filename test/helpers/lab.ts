// The built labs for tests: `npm test` builds them first (pretest), so here
// they only come from the cache (building if someone runs one file by hand).
import { buildDebianLab, type DebianLab } from '../../lab/builder/debian-lab.ts';
import { buildLab, type Lab } from '../../lab/builder/lab.ts';

let lab: Promise<Lab> | undefined;
let debianLab: Promise<DebianLab> | undefined;

export function testLab(): Promise<Lab> {
  lab ??= buildLab({ quiet: true });
  return lab;
}

/** Debian's 6.12 cloud kernel and the image of the lessons built for it. */
export function testDebianLab(): Promise<DebianLab> {
  debianLab ??= testLab().then((l) => buildDebianLab(l.kernel));
  return debianLab;
}
