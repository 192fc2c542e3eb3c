/*
 * The tab lab's files, fetched whole with their progress told as they
 * arrive, and checked against the sizes the manifest gives. The saved
 * machine is gzipped: it is unpacked by the browser's own
 * DecompressionStream while it downloads, so unpacking costs the page
 * next to nothing. No DOM here: the tests run it in Node.
 */
import type {UnpackMessage, UnpackRequest} from './unpack-worker.ts';

/** The part of a fetch Response these functions read. */
export interface ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  readonly body: ReadableStream<Uint8Array<ArrayBuffer>> | null;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}
export type FetchLike = (url: string, init?: {cache?: RequestCache}) => Promise<ResponseLike>;

/** What the manifest says of a file: its size as served, and unpacked if it is gzipped. */
export interface Expected {
  bytes: number;
  unpacked?: number;
}

function concat(chunks: Uint8Array[], length: number): ArrayBuffer {
  const all = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return all.buffer;
}

/** Each chunk of the body, as it arrives. */
async function* chunks(res: ResponseLike): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  if (!res.body) {
    yield new Uint8Array(await res.arrayBuffer());
    return;
  }
  const reader = res.body.getReader();
  for (;;) {
    const {done, value} = await reader.read();
    if (done) return;
    yield value;
  }
}

async function get(fetchFn: FetchLike, url: string): Promise<ResponseLike> {
  const res = await fetchFn(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res;
}

/** The body of `url`; fails on an HTTP error or when its size is not `bytes`. */
export async function download(fetchFn: FetchLike, url: string, bytes: number, onBytes: (n: number) => void): Promise<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const c of chunks(await get(fetchFn, url))) {
    parts.push(c);
    length += c.byteLength;
    onBytes(c.byteLength);
  }
  if (length !== bytes) throw new Error(`${url}: ${length} bytes, not the ${bytes} the manifest says`);
  return concat(parts, length);
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * The unpacked body of the gzipped file at `url`, unpacked as it arrives.
 * A server that sends a .gz file with `Content-Encoding: gzip` has the
 * browser unpack it already: what arrives unpacked is taken as it is.
 * Progress counts the bytes as served.
 */
export async function downloadGzipped(fetchFn: FetchLike, url: string, expected: Required<Expected>, onBytes: (n: number) => void): Promise<ArrayBuffer> {
  const res = await get(fetchFn, url);
  let unpacker: Unpacker | undefined;
  let sniffed = false;
  const plain: Uint8Array<ArrayBuffer>[] = [];
  let length = 0;
  try {
    for await (const c of chunks(res)) {
      length += c.byteLength;
      onBytes(c.byteLength);
      if (unpacker) {
        await unpacker.write(c);
        continue;
      }
      plain.push(c);
      // Gzipped or not, told by its first two bytes, whatever chunks they came in.
      if (sniffed || length < 2) continue;
      sniffed = true;
      const head = new Uint8Array(concat(plain, length), 0, 2);
      if (head[0] !== GZIP_MAGIC[0] || head[1] !== GZIP_MAGIC[1]) continue;
      unpacker = new Unpacker(url);
      for (const p of plain.splice(0)) await unpacker.write(p);
    }
    if (unpacker && length !== expected.bytes) throw new Error(`${url}: ${length} bytes, not the ${expected.bytes} the manifest says`);
    const out = unpacker ? await unpacker.end() : concat(plain, length);
    if (out.byteLength !== expected.unpacked) throw new Error(`${url}: ${out.byteLength} bytes unpacked, not the ${expected.unpacked} the manifest says`);
    return out;
  } catch (e) {
    unpacker?.abort(e);
    throw e;
  }
}

/** A DecompressionStream read as it is written (or its queue would hold it all), its errors said as such. */
class Unpacker {
  private readonly writer: WritableStreamDefaultWriter<BufferSource>;
  private readonly result: Promise<ArrayBuffer>;

  constructor(private readonly url: string) {
    const stream = new DecompressionStream('gzip');
    this.writer = stream.writable.getWriter();
    this.result = new Response(stream.readable).arrayBuffer();
    this.result.catch(() => undefined);
  }

  write(chunk: Uint8Array<ArrayBuffer>): Promise<void> {
    return this.said(this.writer.write(chunk));
  }

  async end(): Promise<ArrayBuffer> {
    await this.said(this.writer.close());
    return this.said(this.result);
  }

  abort(reason: unknown): void {
    this.writer.abort(reason).catch(() => undefined);
  }

  private said<T>(p: Promise<T>): Promise<T> {
    return p.catch((e: unknown) => {
      throw new Error(`${this.url}: it could not be unpacked (${e instanceof Error ? e.message : String(e)})`);
    });
  }
}

/** Downloads and unpacks one gzipped file (downloadGzipped()), somewhere. */
export interface GzippedDownloader {
  download(url: string, expected: Required<Expected>, onBytes: (n: number) => void): Promise<ArrayBuffer>;
  /** Not needed after all (what was to name the file failed). */
  stop(): void;
}

/**
 * downloadGzipped() for one file, in a Web Worker of its own
 * (unpack-worker.ts), off the page's main thread; where there are no
 * workers, on it. The worker is started now, so that it is up by the time
 * the file's name is known.
 */
export function gzippedDownloaderOffThread(): GzippedDownloader {
  if (typeof Worker === 'undefined') return {download: (url, expected, onBytes) => downloadGzipped((u) => fetch(u), url, expected, onBytes), stop: () => undefined};
  return new WorkerDownloader(new Worker(new URL('./unpack-worker.ts', import.meta.url)));
}

class WorkerDownloader implements GzippedDownloader {
  private failed?: string;
  private waiting?: {resolve: (state: ArrayBuffer) => void; reject: (e: Error) => void; onBytes: (n: number) => void; url: string};

  constructor(private readonly worker: Worker) {
    worker.onmessage = (e: MessageEvent<UnpackMessage>) => {
      const m = e.data;
      const w = this.waiting;
      if (!w) return;
      if ('bytes' in m) return w.onBytes(m.bytes);
      this.stop();
      if ('state' in m) w.resolve(m.state);
      else w.reject(new Error(m.error));
    };
    // Also before download(): a worker whose script did not load.
    worker.onerror = (e) => {
      this.failed = `the worker that unpacks it failed (${e.message})`;
      this.stop();
      this.waiting?.reject(new Error(`${this.waiting.url}: ${this.failed}`));
    };
  }

  download(url: string, expected: Required<Expected>, onBytes: (n: number) => void): Promise<ArrayBuffer> {
    if (this.failed) return Promise.reject(new Error(`${url}: ${this.failed}`));
    return new Promise((resolve, reject) => {
      this.waiting = {resolve, reject, onBytes, url};
      const request: UnpackRequest = {url: new URL(url, globalThis.location?.href).href, expected};
      this.worker.postMessage(request);
    });
  }

  stop(): void {
    this.worker.terminate();
  }
}
