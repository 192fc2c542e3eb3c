// A built site served as a static host would serve it (no lab server, so
// no /lab/status and no WebSocket): the files of `root` under `prefix`, with
// the lab server's file handling (lab/server/http.ts: MIME types, .wasm as
// application/wasm, 404.html).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { siteHandler } from '../../lab/server/http.ts';

export interface StaticSite {
  /** The site's address, with its base path: http://127.0.0.1:PORT/prefix/ */
  readonly url: string;
  /** Every path asked for, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function serveStatic(root: string, prefix = '/'): Promise<StaticSite> {
  const files = siteHandler(root);
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(path);
    if (!path.startsWith(prefix)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not under the site\n');
      return;
    }
    req.url = `/${path.slice(prefix.length)}`;
    files(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
