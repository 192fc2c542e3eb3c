// The Debian packages the container image installs, one name a line: the
// lab's (LAB_PACKAGES) and the tab lab's (TAB_LAB_PACKAGES), read from
// lab/setup/host-packages.ts so that the list is written once.
// deploy/Containerfile runs it; test/deploy/manifests.test.ts checks it.
//
//   node --import tsx deploy/host-packages.ts > /tmp/packages
//   apt-get install -y --no-install-recommends $(cat /tmp/packages)
import { pathToFileURL } from 'node:url';
import { LAB_PACKAGES, TAB_LAB_PACKAGES } from '../lab/setup/host-packages.ts';

export const IMAGE_PACKAGES: readonly string[] = [...new Set([...LAB_PACKAGES, ...TAB_LAB_PACKAGES].map((p) => p.name))];

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${IMAGE_PACKAGES.join('\n')}\n`);
}
