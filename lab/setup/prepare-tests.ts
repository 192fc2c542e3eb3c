// What `npm test` needs before the first test runs: the lab's host packages
// plus the test-only ones, then the lab kernel and image (cached).
import { buildLab } from '../build/lab.ts';
import { LAB_PACKAGES, ensureHostPackages, type HostPackage } from './host-packages.ts';

export const TEST_PACKAGES: readonly HostPackage[] = [
  { name: 'chromium', why: 'end-to-end tests in a headless browser' },
];

ensureHostPackages([...LAB_PACKAGES, ...TEST_PACKAGES]);
await buildLab();
