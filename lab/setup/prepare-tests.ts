// What `npm test` needs before the first test runs: the lab's host packages
// plus the test-only ones, the lab kernel and image (cached), the image for
// Debian's 6.12 kernel (cached), the tab lab and its saved state (cached),
// the site, which serves the tab lab's files.
import { buildDebianLab } from '../builder/debian-lab.ts';
import { buildLab } from '../builder/lab.ts';
import { buildTabLab } from '../builder/tab-lab.ts';
import { ensureSite } from '../builder/site.ts';
import { spawnSync } from 'node:child_process';
import { DEBIAN_KERNEL_PACKAGES, DEPLOY_TEST_PACKAGES, LAB_PACKAGES, TAB_LAB_PACKAGES, ensureHostPackages, type HostPackage } from './host-packages.ts';

export const TEST_PACKAGES: readonly HostPackage[] = [
  { name: 'chromium', why: 'end-to-end tests in a headless browser' },
  { name: 'fonts-noto-cjk', why: 'end-to-end tests: screenshots of the Chinese pages show real glyphs, not boxes (test/e2e/print.test.ts)' },
  { name: 'poppler-utils', why: 'end-to-end tests: a lesson printed to PDF is read back (pdftoppm, pdftotext; test/e2e/print.test.ts)' },
  { name: 'sparse', why: "tests: sparse over the lessons' modules, for the __user annotations (test/kernel/sparse.test.ts)" },
  { name: 'postgresql', why: "tests: the workshop's store in PostgreSQL, a throwaway server per test file (test/helpers/postgres.ts)" },
  ...DEBIAN_KERNEL_PACKAGES,
];

/** Any kubectl renders the manifests; Debian's is installed only where there is none (its /usr/bin/kubectl clashes with others'). */
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

ensureHostPackages([...LAB_PACKAGES, ...TAB_LAB_PACKAGES, ...TEST_PACKAGES, ...(hasKubectl ? [] : DEPLOY_TEST_PACKAGES)]);
const lab = await buildLab();
await buildDebianLab(lab.kernel);
await buildTabLab();
// The end-to-end tests open the built site; a failed build (a broken link,
// a missing included file) fails the test run here.
if (!ensureSite()) {
  console.error('site: the build failed');
  process.exit(1);
}
