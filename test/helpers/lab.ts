// The built labs for tests: `npm test` builds them first (pretest), so here
// they only come from the cache (building if someone runs one file by hand).
import { buildDebianLab, type DebianLab } from '../../lab/builder/debian-lab.ts';
import { buildLab, type Lab } from '../../lab/builder/lab.ts';
import { buildTabLab, type TabLab } from '../../lab/builder/tab-lab.ts';

let lab: Promise<Lab> | undefined;
let debianLab: Promise<DebianLab> | undefined;
let tabLab: Promise<TabLab> | undefined;

export function testLab(): Promise<Lab> {
  lab ??= buildLab({ quiet: true });
  return lab;
}

/** Debian's 6.12 cloud kernel and the image of the lessons built for it. */
export function testDebianLab(): Promise<DebianLab> {
  debianLab ??= testLab().then((l) => buildDebianLab(l.kernel));
  return debianLab;
}

/** The i386 lab the page runs in v86, with its saved state. */
export function testTabLab(): Promise<TabLab> {
  tabLab ??= buildTabLab({ quiet: true });
  return tabLab;
}
