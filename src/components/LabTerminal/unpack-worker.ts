/*
 * A Web Worker that downloads and unpacks the tab lab's saved machine
 * (download.ts, downloadGzipped): in Chromium, DecompressionStream works on
 * the thread that reads it, and unpacking the state there held the page's
 * main thread for 60–75 ms of a start (measured), while the emulator was to
 * be made on it. Posts the bytes served as they arrive, then the unpacked
 * state (transferred, not copied), or the error.
 */
import {downloadGzipped, type Expected} from './download.ts';

export interface UnpackRequest {
  url: string;
  expected: Required<Expected>;
}

export type UnpackMessage = {bytes: number} | {state: ArrayBuffer} | {error: string};

const post = (m: UnpackMessage, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(m, transfer);

self.onmessage = (e: MessageEvent<UnpackRequest>) => {
  const {url, expected} = e.data;
  downloadGzipped((u) => fetch(u), url, expected, (bytes) => post({bytes})).then(
    (state) => post({state}, [state]),
    (err: unknown) => post({error: err instanceof Error ? err.message : String(err)}),
  );
};
