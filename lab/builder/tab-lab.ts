// The lab that runs in the reader's browser tab: the lab kernel built for
// i386, an image of every lesson built for it, and what the page downloads
// to run them in v86: the emulator's wasm, the BIOS, and a saved state of
// the booted machine. The state is made here, at build time, by booting the
// i386 lab in v86 under Node until /init waits for a lesson
// (lab/image/init), so a reader's lab starts from it instead of booting.
// All of it is cached by its inputs' hash; the site copies the folder
// (site/tab-assets.ts).
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { cacheRoot, currentTabLab } from '../paths.ts';
import { TAB_LAB_PACKAGES, ensureHostPackages } from '../setup/host-packages.ts';
import { nodeTabMachine, SEABIOS, v86BuildDir } from '../tab/node-emulator.ts';
import { v86Version } from '../tab/v86-version.ts';
import { PANIC_PORT, TAB_ASSETS, TAB_MACHINE, TAB_SNAPSHOT_COMMAND_LINE, type TabAsset, type TabManifest } from '../tab/layout.ts';
import { CacheEntry, InputHash, pruneSiblings, sha256File } from './cache-entry.ts';
import { i386Userland, type I386Userland } from './i386-userland.ts';
import { buildImage, type LabImage, type Toolchain } from './image.ts';
import { buildKernel, type LabKernel } from './kernel.ts';
import { withLock } from './lock.ts';
import { Progress } from './step.ts';

/** Part of the cache key (cache-entry.ts). */
const RECIPE = {
  revision: 2,
  machine: TAB_MACHINE,
  cmdline: TAB_SNAPSHOT_COMMAND_LINE,
  // The device TabMachine adds: the kernel probes it at boot, so the state
  // holds whether its panic notifier is registered.
  panicPort: PANIC_PORT,
  assets: TAB_ASSETS,
  /** gzip level of the state: 9 took a 10.0 MiB state to 2.8 MiB, where zstd -19 made 2.2 MiB (but see TAB_ASSETS.state). */
  gzipLevel: constants.Z_BEST_COMPRESSION,
  /** How long a boot in v86 under Node may take to reach /init's wait. */
  bootTimeoutMs: 120_000,
} as const;

export interface TabSnapshotInfo {
  manifest: TabManifest;
  /** Measured while building, for the notes and the bench. */
  bootMs: number;
  rawStateBytes: number;
}

export interface TabLab {
  kernel: LabKernel;
  image: LabImage;
  /** What built the image's programs: a learner's build for the tab uses it too. */
  toolchain: Toolchain;
  /** The folder the site serves as TAB_ASSET_DIR: the files manifest.json names. */
  assetDir: string;
  manifest: TabManifest;
  built: boolean;
}

function i386Toolchain(kernel: LabKernel, userland: I386Userland): Toolchain {
  if (!kernel.uapiHeaders) throw new Error('tab lab: the i386 kernel recipe installs no UAPI headers');
  return {
    arch: 'i386',
    busybox: userland.busybox,
    busyboxVersion: userland.busyboxVersion,
    cc: userland.cc,
    uapi: kernel.uapiHeaders,
    key: JSON.stringify({ arch: 'i386', userland: userland.key, cc: userland.cc.slice(0, 2) }),
    reads: [userland.dir, kernel.uapiHeaders],
  };
}

function seabiosVersion(): string {
  return execFileSync('dpkg-query', ['-W', '-f=${Version}', 'seabios'], { encoding: 'utf8' }).trim();
}

export async function buildTabLab({ quiet = false } = {}): Promise<TabLab> {
  const started = Date.now();
  ensureHostPackages(TAB_LAB_PACKAGES);
  const kernel = await buildKernel('i386');
  const userland = await i386Userland();
  const toolchain = i386Toolchain(kernel, userland);
  const image = await buildImage(kernel, toolchain);
  const { dir, info, built } = await buildTabAssets(kernel, image);
  if (!quiet || built || kernel.built || image.built) {
    const total = Object.values(info.manifest)
      .filter((a): a is { file: string; bytes: number } => typeof a === 'object')
      .reduce((n, a) => n + a.bytes, 0);
    console.log(
      `tab lab: Linux ${kernel.info.release} for i386 in v86 ${info.manifest.v86}, state ${(info.manifest.state.bytes / 1048576).toFixed(1)} MiB ` +
        `(${(info.rawStateBytes / 1048576).toFixed(1)} MiB raw), ${(total / 1048576).toFixed(1)} MiB of assets — ` +
        `${built || kernel.built || image.built ? 'built' : 'up to date, nothing rebuilt'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  return { kernel, image, toolchain, assetDir: dir, manifest: info.manifest, built: built || kernel.built || image.built };
}

const unpackedStates = new Map<string, Buffer>();

/**
 * The tab lab's saved machine, unpacked, as v86 restores it (the page
 * unpacks it while downloading). Unpacked once per process: the literate
 * tests restore it for every page, and its name carries its content's hash.
 * Callers copy it (nodeTabMachine does) before v86 takes it.
 */
export function readTabState(lab: TabLab): Buffer {
  const file = join(lab.assetDir, lab.manifest.state.file);
  let state = unpackedStates.get(file);
  if (!state) {
    state = gunzipSync(readFileSync(file));
    unpackedStates.set(file, state);
  }
  return state;
}

async function buildTabAssets(kernel: LabKernel, image: LabImage): Promise<{ dir: string; info: TabSnapshotInfo; built: boolean }> {
  const hash = new InputHash()
    .add('recipe', JSON.stringify(RECIPE))
    .add('kernel', kernel.key)
    .add('image', image.key)
    .add('v86', v86Version())
    .add('seabios', seabiosVersion());
  const entry = new CacheEntry<TabSnapshotInfo>(join(cacheRoot(), 'tab-lab'), hash.digest());
  return withLock(entry.lock, 'tab lab', async () => {
    const cached = entry.verified();
    if (cached) {
      CacheEntry.link(currentTabLab(), entry.dir);
      return { dir: entry.dir, info: cached.info, built: false };
    }
    const started = Date.now();
    const progress = new Progress('tab lab');
    entry.reset();
    progress.done(`booting the i386 lab in v86 ${v86Version()} to save its state`);
    const bootStart = Date.now();
    const machine = await nodeTabMachine({ kind: 'cold', kernel: kernel.bzImage, initrd: image.initramfs, cmdline: RECIPE.cmdline });
    let console0 = '';
    machine.on((e) => {
      if (e.type === 'output' && e.console === 0) console0 = (console0 + e.data).slice(-4000);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`tab lab: the i386 lab did not reach /init's wait in ${RECIPE.bootTimeoutMs} ms; its console said:\n${console0}`)),
        RECIPE.bootTimeoutMs,
      );
    });
    let raw: ArrayBuffer;
    try {
      await Promise.race([machine.snapshotReady(), timeout]);
      raw = await machine.save();
    } finally {
      clearTimeout(timer);
      await machine.destroy();
    }
    const bootMs = Date.now() - bootStart;
    progress.done(`saved a ${(raw.byteLength / 1048576).toFixed(1)} MiB state after ${bootMs} ms; compressing it`);
    writeFileSync(entry.path('state.gz'), gzipSync(Buffer.from(raw), { level: RECIPE.gzipLevel }));

    const sources: Record<TabAsset, string> = {
      wasm: join(v86BuildDir(), 'v86.wasm'),
      bios: SEABIOS,
      state: entry.path('state.gz'),
      kernel: kernel.bzImage,
      initrd: image.initramfs,
    };
    const files: Partial<TabManifest> = { v86: v86Version(), release: kernel.info.release };
    for (const [asset, source] of Object.entries(sources) as [TabAsset, string][]) {
      // Content-hashed names: the site can let browsers keep them forever.
      const name = TAB_ASSETS[asset];
      const dot = name.indexOf('.');
      const hashed = `${dot > 0 ? name.slice(0, dot) : name}.${sha256File(source).slice(0, 12)}${dot > 0 ? name.slice(dot) : ''}`;
      copyFileSync(source, entry.path(hashed));
      files[asset] = { file: hashed, bytes: statSync(source).size, ...(asset === 'state' ? { unpacked: raw.byteLength } : {}) } as TabManifest['state'];
    }
    const manifest = files as TabManifest;
    writeFileSync(entry.path(TAB_ASSETS.manifest), JSON.stringify(manifest, null, 2) + '\n');
    const info: TabSnapshotInfo = { manifest, bootMs, rawStateBytes: raw.byteLength };
    entry.commit(info, [TAB_ASSETS.manifest, ...Object.keys(sources).map((a) => manifest[a as TabAsset].file)], (Date.now() - started) / 1000);
    CacheEntry.link(currentTabLab(), entry.dir);
    await pruneSiblings(entry.parent, entry.key, 2);
    progress.done(`state ${(manifest.state.bytes / 1048576).toFixed(2)} MiB compressed`);
    return { dir: entry.dir, info, built: true };
  });
}
