// First step of `npm start`, `npm test` and `npm run lab`: make node_modules
// match package-lock.json before anything imports a dependency. It is plain
// JavaScript because it runs before TypeScript tooling is installed.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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
const installed = () => (existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '') === want;

// Two commands started together (a test run and a lab shell) must not run
// npm ci into the same node_modules at once: the second waits for the first.
const lockDir = join(root, '.uklab-npm-ci.lock');
function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}
function takeLock() {
  for (let waited = 0; ; waited++) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      return;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let owner = 0;
    try {
      owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
    } catch {
      // being created or removed right now
    }
    if (owner && !processAlive(owner)) {
      rmSync(lockDir, { recursive: true, force: true }); // left by a killed install
      continue;
    }
    if (waited === 0) console.log(`setup: waiting for another npm ci (pid ${owner || '?'}) to finish ...`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
}

/*
 * Native modules that npm ci builds from source here, where no prebuilt
 * binary can be downloaded: each is built once and kept in the lab's cache
 * as the tarball prebuild-install looks for in a folder of local prebuilds,
 * so that the next npm ci (a fresh clone, CI) unpacks it instead of
 * compiling it again (better-sqlite3: about 70 s on two cores). The cache is
 * lab/paths.ts's cacheRoot(), spelled again because this runs before tsx.
 */
const cacheRoot = process.env.UKLAB_CACHE
  ? resolve(process.env.UKLAB_CACHE)
  : join(process.env.XDG_CACHE_HOME ? resolve(process.env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'user-kernel-lab');
const prebuilds = join(cacheRoot, 'prebuilds');
const NATIVE = [{ name: 'better-sqlite3', binary: 'build/Release/better_sqlite3.node' }];
const localPrebuildsEnv = Object.fromEntries(NATIVE.map(({ name }) => [`npm_config_${name.replace(/[^a-zA-Z0-9]/g, '_')}_local_prebuilds`, prebuilds]));

/** The file name prebuild-install gives a module's prebuilt binary for this Node and machine. */
function prebuildFile(name) {
  const { version } = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'));
  return join(prebuilds, `${name}-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`);
}

/** Keep what npm ci just built, for the next one; a failure only costs that one a build. */
function keepPrebuilds() {
  for (const { name, binary } of NATIVE) {
    const dir = join(root, 'node_modules', name);
    if (!existsSync(join(dir, binary))) continue;
    const file = prebuildFile(name);
    if (existsSync(file)) continue;
    mkdirSync(prebuilds, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    const r = spawnSync('tar', ['-czf', tmp, '-C', dir, binary]);
    if (r.status === 0) renameSync(tmp, file);
    else rmSync(tmp, { force: true });
  }
}

const held = !installed();
if (held) takeLock();
if (!installed()) {
  // npm ci empties node_modules first: through a link (a second work tree
  // sharing the first one's packages) it would empty the other tree's too.
  if (lstatSync(join(root, 'node_modules'), { throwIfNoEntry: false })?.isSymbolicLink()) {
    console.error('setup: node_modules is a link to another tree\'s packages, and this package-lock.json differs from theirs; replace the link with an install of its own (rm node_modules, then run this again)');
    if (held) rmSync(lockDir, { recursive: true, force: true });
    process.exit(1);
  }
  console.log('setup: installing npm packages (npm ci) ...');
  const started = Date.now();
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...localPrebuildsEnv },
  });
  if (r.status !== 0) {
    console.error('setup: npm ci failed; see the messages above');
    process.exit(r.status ?? 1);
  }
  keepPrebuilds();
  console.log(`setup: npm packages installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  writeFileSync(stamp, want + '\n');
}
if (held) rmSync(lockDir, { recursive: true, force: true });
