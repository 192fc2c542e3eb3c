// The tab lab's downloads (download.ts) on a fake fetch: the gzipped state
// is unpacked whatever chunks it arrives in, taken as it is when a server
// unpacked it already, and refused when its sizes are not the manifest's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { downloadGzipped, type FetchLike, type ResponseLike } from '../../src/components/LabTerminal/download.ts';

const STATE = Buffer.from('a saved machine '.repeat(1000));
const PACKED = gzipSync(STATE);

/** Serves `body` cut at `cuts` (byte offsets). */
function serving(body: Buffer, cuts: number[]): FetchLike {
  return () => {
    const stream = new ReadableStream<Uint8Array<ArrayBuffer>>({
      start(c) {
        let at = 0;
        for (const cut of [...cuts, body.length]) {
          c.enqueue(new Uint8Array(body.subarray(at, cut)));
          at = cut;
        }
        c.close();
      },
    });
    return Promise.resolve(new Response(stream) as ResponseLike);
  };
}

const expected = { bytes: PACKED.length, unpacked: STATE.length };

test('a gzipped file is unpacked, even when its first chunk is one byte', async () => {
  for (const cuts of [[], [1], [1, 2, 3], [PACKED.length >> 1]]) {
    let told = 0;
    const out = await downloadGzipped(serving(PACKED, cuts), '/s.gz', expected, (n) => (told += n));
    assert.deepEqual(Buffer.from(out), STATE, `cut at ${cuts.join(',')}`);
    assert.equal(told, PACKED.length, 'progress counts the bytes as served');
  }
});

test('a file a server unpacked already (Content-Encoding: gzip) is taken as it is', async () => {
  const out = await downloadGzipped(serving(STATE, [1]), '/s.gz', expected, () => undefined);
  assert.deepEqual(Buffer.from(out), STATE);
});

test('sizes other than the manifest says, and a broken gzip, are refused with the file named', async () => {
  await assert.rejects(downloadGzipped(serving(PACKED, []), '/s.gz', { ...expected, bytes: 1 }, () => undefined), /\/s\.gz: \d+ bytes, not the 1/);
  await assert.rejects(downloadGzipped(serving(PACKED, []), '/s.gz', { ...expected, unpacked: 1 }, () => undefined), /\/s\.gz: \d+ bytes unpacked, not the 1/);
  const broken = PACKED.subarray(0, PACKED.length - 9);
  await assert.rejects(downloadGzipped(serving(broken, []), '/s.gz', { ...expected, bytes: broken.length }, () => undefined), /\/s\.gz: it could not be unpacked/);
});
