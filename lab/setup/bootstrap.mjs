// First step of `npm start`, `npm test` and `npm run lab`: make node_modules
// match package-lock.json before anything imports a dependency. It is plain
// JavaScript because it runs before TypeScript tooling is installed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const lock = join(root, 'package-lock.json');
const stamp = join(root, 'node_modules', '.uklab-lock-sha256');

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  console.error(`setup: Node.js 20 or newer is needed, this is ${process.version}`);
  process.exit(1);
}

const want = createHash('sha256').update(readFileSync(lock)).digest('hex');
const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
if (want !== have) {
  console.log('setup: installing npm packages (npm ci) ...');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    console.error('setup: npm ci failed; see the messages above');
    process.exit(r.status ?? 1);
  }
  writeFileSync(stamp, want + '\n');
}
