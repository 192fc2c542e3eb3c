/*
 * Docusaurus plugin: the lab that runs in the reader's tab (lab/tab/) as
 * part of the site. The built tab lab's folder (lab/paths.ts currentTabLab(),
 * made by `npm run lab -- build`) is copied into the build under
 * TAB_ASSET_DIR: its manifest and the files the manifest names (the wasm,
 * the BIOS, the saved state, the kernel and initrd for a cold boot), and
 * nothing else of the cache entry. `docusaurus start` serves the folder
 * from the cache instead. The page fetches them from <baseUrl>tab-lab/,
 * the site's base URL without a locale's path: one copy serves all locales
 * (src/components/LabTerminal/tab-transport.ts).
 *
 * And v86 in the page's bundle: libv86.mjs reaches for node:crypto and
 * node:fs/promises when it runs under Node; a browser bundle has neither,
 * so webpack is told they are empty.
 */
import {copyFileSync, existsSync, mkdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import type {LoadContext, Plugin} from '@docusaurus/types';
import type {Compiler} from 'webpack';
import {currentTabLab} from '../lab/paths.ts';
import {TAB_ASSET_DIR, TAB_ASSETS, type TabAsset, type TabManifest} from '../lab/tab/layout.ts';
import {v86Version} from '../lab/tab/v86-version.ts';
import {siteRootUrl} from '../src/components/LabTerminal/site-root.ts';

const ASSETS: readonly TabAsset[] = ['wasm', 'bios', 'state', 'kernel', 'initrd'];

/** The built tab lab's manifest, or an error that says how to build it. */
export function readTabLab(dir = currentTabLab()): TabManifest {
  const manifestFile = join(dir, TAB_ASSETS.manifest);
  if (!existsSync(manifestFile)) {
    throw new Error(
      `The lab that runs in the reader's browser is not built: no ${manifestFile}. Run \`npm run lab -- build\` first (it builds the tab lab into the cache), then build the site again.`,
    );
  }
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as TabManifest;
  for (const asset of ASSETS) {
    const entry = manifest[asset];
    if (!entry?.file || !existsSync(join(dir, entry.file))) {
      throw new Error(`The tab lab in ${dir} is incomplete (no ${asset} file): run \`npm run lab -- build\` again.`);
    }
  }
  // The page runs the v86 it was bundled with on the wasm and the state of
  // the tab lab: all three must be of one version.
  const bundled = v86Version();
  if (manifest.v86 !== bundled) {
    throw new Error(`The tab lab in ${dir} was built with v86 ${manifest.v86}, but the site bundles v86 ${bundled}: run \`npm run lab -- build\` again.`);
  }
  return manifest;
}

/** Copies the tab lab's files into `outDir`/tab-lab/. */
export function copyTabLab(outDir: string, dir = currentTabLab()): TabManifest {
  const manifest = readTabLab(dir);
  const to = join(outDir, TAB_ASSET_DIR);
  mkdirSync(to, {recursive: true});
  for (const file of [TAB_ASSETS.manifest, ...ASSETS.map((a) => manifest[a].file)]) {
    copyFileSync(join(dir, file), join(to, file));
  }
  return manifest;
}

export default function tabAssets(context: LoadContext): Plugin {
  return {
    name: 'uklab-tab-assets',
    // Fail a production build early, not after a minute of bundling.
    loadContent() {
      if (process.env.NODE_ENV === 'production') readTabLab();
      return Promise.resolve();
    },
    configureWebpack(_config, isServer) {
      if (isServer) return {};
      return {
        resolve: {fallback: {crypto: false, fs: false, 'fs/promises': false}},
        // To webpack, `node:` is a URL scheme: read those imports as the bare names above.
        plugins: [
          {
            apply(compiler: Compiler) {
              new compiler.webpack.NormalModuleReplacementPlugin(/^node:(crypto|fs|fs\/promises)$/, (resource: {request: string}) => {
                resource.request = resource.request.slice('node:'.length);
              }).apply(compiler);
            },
          },
        ],
        // `docusaurus start`: the tab lab straight from the cache.
        devServer: {
          static: [{publicPath: `${siteRootUrl(context.baseUrl, context.i18n)}${TAB_ASSET_DIR}`, directory: currentTabLab(), watch: false}],
        },
      };
    },
    postBuild({outDir}) {
      // Once, at the site's root, for every locale (siteRootUrl).
      if (context.i18n.currentLocale === context.i18n.defaultLocale) copyTabLab(outDir);
      return Promise.resolve();
    },
  };
}
