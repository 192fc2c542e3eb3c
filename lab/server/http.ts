// The built site (Docusaurus output in build/) over HTTP, from the same
// origin as the lab WebSocket. Until the site is built, every page says so.
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { TAB_ASSET_DIR, TAB_ASSETS } from '../tab/layout.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.wasm': 'application/wasm',
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>User ⇄ Kernel Lab: site not built</title>
<meta http-equiv="refresh" content="10"></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>The site is not built yet</h1>
<p>The lab server is running, but there is no built site in <code>build/</code>.
<code>npm start</code> builds it before serving; if you started the server another way, run
<code>npx docusaurus build</code>. This page reloads itself every 10 seconds.</p>
</body></html>
`;

function securityHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // The lab must not be framed by another site (clickjacking a live shell).
  res.setHeader('X-Frame-Options', 'SAMEORIGIN');
  res.setHeader('Referrer-Policy', 'same-origin');
}

/** Maps a URL path to a file in `root`, or undefined; never leaves `root`. */
export function resolveFile(root: string, urlPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  const full = normalize(join(root, path));
  if (full !== root && !full.startsWith(root + sep)) return undefined;
  const candidates = [full, join(full, 'index.html'), `${full}.html`];
  for (const c of candidates) {
    try {
      if (statSync(c).isFile()) return c;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

/**
 * Text and WebAssembly shrink under gzip (v86's wasm from 2.0 MiB to 0.39
 * MiB in Chromium's Resource Timing), as any web host serves them; images, fonts and the tab lab's
 * gzipped state are compressed already.
 */
const COMPRESSIBLE = /^(text\/|application\/(javascript|json|xml|wasm)|image\/svg)/;
const gzipCache = new Map<string, { mtimeMs: number; size: number; body: Buffer }>();

/** The file, gzipped once per version of it (the site's files change only on a rebuild). */
function gzipOf(file: string): Buffer {
  const st = statSync(file);
  const hit = gzipCache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.body;
  const body = gzipSync(readFileSync(file));
  gzipCache.set(file, { mtimeMs: st.mtimeMs, size: st.size, body });
  return body;
}

export function siteHandler(root: string, extra?: (req: IncomingMessage, res: ServerResponse) => boolean) {
  const absRoot = normalize(root);
  return (req: IncomingMessage, res: ServerResponse): void => {
    securityHeaders(res);
    if (extra?.(req, res)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (!existsSync(join(absRoot, 'index.html'))) {
      res.writeHead(503, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(NOT_BUILT);
      return;
    }
    let file = resolveFile(absRoot, req.url ?? '/');
    let status = 200;
    if (!file) {
      status = 404;
      file = resolveFile(absRoot, '/404.html');
      if (!file) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
        return;
      }
    }
    const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    // Docusaurus' assets and the tab lab's files (but its manifest) have the
    // hash of their content in their names: they never change. Pages must be
    // revalidated.
    const immutable = /\/assets\//.test(file) || (file.includes(`/${TAB_ASSET_DIR}/`) && !file.endsWith(`/${TAB_ASSETS.manifest}`));
    const cache = immutable ? 'public, max-age=31536000, immutable' : 'no-cache';
    const headers = { 'Content-Type': type, 'Cache-Control': cache, Vary: 'Accept-Encoding' };
    const gzipped = COMPRESSIBLE.test(type) && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) ? gzipOf(file) : undefined;
    if (gzipped) {
      res.writeHead(status, { ...headers, 'Content-Encoding': 'gzip', 'Content-Length': gzipped.length });
      res.end(req.method === 'HEAD' ? undefined : gzipped);
      return;
    }
    res.writeHead(status, { ...headers, 'Content-Length': statSync(file).size });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };
}
