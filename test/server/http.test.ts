// The site's files over HTTP (lab/server/http.ts), as the lab server and the
// static test server serve them: what a browser may keep, and what goes
// out gzipped.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { siteHandler } from '../../lab/server/http.ts';
import { TAB_ASSET_DIR, TAB_ASSETS } from '../../lab/tab/layout.ts';

const root = mkdtempSync(join(tmpdir(), 'uklab-http-'));
const wasm = Buffer.alloc(64 * 1024, 'wasm');
let server: Server;
let port = 0;

function get(path: string, gzip: boolean): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, path, headers: gzip ? { 'accept-encoding': 'gzip, br' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>lab</title>'.repeat(50));
  mkdirSync(join(root, TAB_ASSET_DIR));
  writeFileSync(join(root, TAB_ASSET_DIR, 'v86.0123456789ab.wasm'), wasm);
  writeFileSync(join(root, TAB_ASSET_DIR, 'lab.0123456789ab.state.gz'), Buffer.alloc(4096, 1));
  writeFileSync(join(root, TAB_ASSET_DIR, TAB_ASSETS.manifest), '{}');
  server = createServer(siteHandler(root));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

describe("the site's files over HTTP", () => {
  test('WebAssembly and text go out gzipped to a browser that takes it, byte for byte the same', async () => {
    const r = await get(`/${TAB_ASSET_DIR}/v86.0123456789ab.wasm`, true);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(r.headers['content-type'], 'application/wasm');
    assert.ok(r.body.length < wasm.length / 10, `${r.body.length} bytes`);
    assert.deepEqual(gunzipSync(r.body), wasm);
    const page = await get('/', true);
    assert.equal(page.headers['content-encoding'], 'gzip');
  });

  test('not gzipped without Accept-Encoding, nor when the file is compressed already', async () => {
    const plain = await get(`/${TAB_ASSET_DIR}/v86.0123456789ab.wasm`, false);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.deepEqual(plain.body, wasm);
    const state = await get(`/${TAB_ASSET_DIR}/lab.0123456789ab.state.gz`, true);
    assert.equal(state.headers['content-encoding'], undefined);
    assert.equal(state.body.length, 4096);
  });

  test("the tab lab's hashed files are kept forever; its manifest and the pages are revalidated", async () => {
    assert.match(String((await get(`/${TAB_ASSET_DIR}/v86.0123456789ab.wasm`, true)).headers['cache-control']), /immutable/);
    assert.equal((await get(`/${TAB_ASSET_DIR}/${TAB_ASSETS.manifest}`, true)).headers['cache-control'], 'no-cache');
    assert.equal((await get('/', true)).headers['cache-control'], 'no-cache');
  });
});
