/*
 * What every start of a lab in the tab needs before a machine can run:
 * the tab lab's manifest, v86 (a chunk of its own), its wasm compiled, the
 * BIOS, and the saved machine. Fetched once per page and site, and kept:
 * every lab on the page, every reset and every lesson opened after it
 * (the site's pages change without a reload) starts from the same kit, and
 * the pointer on "Start lab" can have it fetched before the click.
 *
 * No React and no DOM here, and v86, fetch and the wasm compiler can be
 * passed in, so the tests run it in Node.
 */
import {TAB_ASSET_DIR, TAB_ASSETS, TAB_MACHINE, type TabAsset, type TabManifest} from '../../../lab/tab/layout.ts';
import type {Emulator} from '../../../lab/tab/tab-machine.ts';
import {download, gzippedDownloaderOffThread, type GzippedDownloader, type FetchLike, type ResponseLike} from './download.ts';

/** A file for v86, as its options take one. */
export interface EmulatorFile {
  buffer: ArrayBuffer;
}

/** What the transport gives v86's constructor: TAB_MACHINE and the files. */
export type EmulatorOptions = typeof TAB_MACHINE & {
  wasm_fn: (imports: WebAssembly.Imports) => Promise<WebAssembly.Exports>;
  bios: EmulatorFile;
  bzimage?: EmulatorFile;
  initrd?: EmulatorFile;
  cmdline?: string;
};

/** Makes an emulator (`new V86(options)`): loaded, not running, once it says 'emulator-loaded'. */
export type EmulatorFactory = (options: EmulatorOptions) => Emulator;

/** How a kit is fetched; each has the browser's way as its default. */
export interface KitOptions {
  /** The site's base URL, '/' or '/some/prefix/': the lab's files are under <baseUrl>tab-lab/. */
  baseUrl: string;
  /** v86's constructor, loaded on first use (on the page: a chunk of its own). */
  loadEmulator?: () => Promise<EmulatorFactory>;
  fetch?: FetchLike;
  /** Compiles v86's wasm. */
  compileWasm?: (bytes: ArrayBuffer) => Promise<WebAssembly.Module>;
  /** What downloads and unpacks the saved machine, made as the kit's fetch begins (default: a Web Worker, with the browser's fetch). */
  stateDownloader?: () => GzippedDownloader;
  /** Where kits are kept; default: the page's. */
  kits?: KitShelf;
}

/** The saved machine, or why there is none. */
export type Saved = {state: ArrayBuffer; error?: undefined} | {state?: undefined; error: string};

export interface Kit {
  manifest: TabManifest;
  create: EmulatorFactory;
  wasm: WebAssembly.Module;
  bios: ArrayBuffer;
  /**
   * The saved machine, maybe still on its way while an emulator is made.
   * Without a state when it could not be had; then a cold boot's own
   * state replaces it.
   */
  saved: Promise<Saved>;
}

/** v86 from its package, as a chunk of its own: a lesson page loads it only when its lab starts. */
export async function loadV86(): Promise<EmulatorFactory> {
  const {V86} = await import('v86');
  return (options) => new V86(options as unknown as ConstructorParameters<typeof V86>[0]) as unknown as Emulator;
}

export function browserFetch(url: string, init?: {cache?: RequestCache}): Promise<ResponseLike> {
  return fetch(url, init);
}

/** Where the tab lab's files are on this site. */
export function tabAssetUrl(baseUrl: string, file: string): string {
  return `${baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`}${TAB_ASSET_DIR}/${file}`;
}

export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

/** One kit being fetched, and how far it has come, for whichever start waits for it. */
export class KitLoad {
  readonly kit: Promise<Kit>;
  private fraction = 0;
  private readonly watchers = new Set<(fraction: number) => void>();

  constructor(opts: KitOptions) {
    this.kit = fetchKit(opts, (f) => {
      this.fraction = f;
      for (const w of Array.from(this.watchers)) w(f);
    });
  }

  /** `fn` is told how much of the kit has arrived (0 to 1), now and as it grows; returns the unsubscribe. */
  watch(fn: (fraction: number) => void): () => void {
    this.watchers.add(fn);
    fn(this.fraction);
    return () => this.watchers.delete(fn);
  }
}

/** Kits by base URL. */
export type KitShelf = Map<string, KitLoad>;

const pageKits: KitShelf = new Map();

/** The kit for `opts.baseUrl`, fetched now unless it is kept or on its way; one that failed is fetched again. */
export function kitFor(opts: KitOptions): KitLoad {
  const shelf = opts.kits ?? pageKits;
  let load = shelf.get(opts.baseUrl);
  if (!load) {
    const fresh = new KitLoad(opts);
    fresh.kit.catch(() => {
      if (shelf.get(opts.baseUrl) === fresh) shelf.delete(opts.baseUrl);
    });
    shelf.set(opts.baseUrl, fresh);
    load = fresh;
  }
  return load;
}

/** Have the page's kit fetched now, before the lab starts (the pointer is on "Start lab"). */
export function prefetchTabLab(baseUrl: string): void {
  kitFor({baseUrl}).kit.catch(() => undefined);
}

async function fetchKit(opts: KitOptions, progress: (fraction: number) => void): Promise<Kit> {
  const {baseUrl} = opts;
  const fetchFn = opts.fetch ?? browserFetch;
  const stateDownloader = (opts.stateDownloader ?? gzippedDownloaderOffThread)();
  let manifest: TabManifest;
  try {
    // The one name without a content hash: asked for afresh, so that a new site never meets old files.
    const res = await fetchFn(tabAssetUrl(baseUrl, TAB_ASSETS.manifest), {cache: 'no-cache'});
    if (!res.ok) throw new Error(`${TAB_ASSETS.manifest}: HTTP ${res.status}`);
    manifest = (await res.json()) as TabManifest;
  } catch (e) {
    stateDownloader.stop();
    throw e;
  }
  const wanted: TabAsset[] = ['wasm', 'bios', 'state'];
  const total = wanted.reduce((n, a) => n + manifest[a].bytes, 0);
  let loaded = 0;
  const onBytes = (n: number): void => {
    loaded += n;
    progress(Math.min(1, loaded / total));
  };
  const get = (asset: TabAsset): Promise<ArrayBuffer> => download(fetchFn, tabAssetUrl(baseUrl, manifest[asset].file), manifest[asset].bytes, onBytes);
  const compile = opts.compileWasm ?? ((bytes: ArrayBuffer) => WebAssembly.compile(bytes));
  const saved = stateDownloader.download(tabAssetUrl(baseUrl, manifest.state.file), manifest.state, onBytes).then(
    (state): Saved => ({state}),
    (e: unknown): Saved => ({error: `it could not be downloaded (${firstLine(e)})`}),
  );
  const [create, wasm, bios] = await Promise.all([(opts.loadEmulator ?? loadV86)(), get('wasm').then(compile), get('bios')]);
  return {manifest, create, wasm, bios, saved};
}
