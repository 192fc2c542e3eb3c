// A VM's whole state through QEMU's migration, to and from a file: QEMU 7.2
// migrates to a socket or a program but not to a file, and a VM runs under
// `-sandbox spawn=deny`, so this process holds the file and QEMU the socket.
import { chmodSync, createReadStream, createWriteStream } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { QmpError, type QmpClient } from './qmp.ts';
import { connectWhenListening } from './socket-connect.ts';

/**
 * Save a VM into `file`: QEMU sends its migration stream to a socket this
 * process listens on in the VM's `folder`. The VM stays paused afterwards.
 */
export async function saveToFile(qmp: QmpClient, folder: string, file: string, timeoutMs: number): Promise<void> {
  const path = join(folder, 'save.sock');
  let received!: Promise<void>;
  const server = createServer();
  const connected = new Promise<void>((resolve, reject) => {
    server.once('connection', (conn: Socket) => {
      received = pipeline(conn, createWriteStream(file));
      resolve();
    });
    server.once('error', reject);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  // QEMU may run as a user of its own: the folder is already only its and root's.
  chmodSync(path, 0o666);
  try {
    await qmp.execute('migrate', { uri: `unix:${path}` });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = (await qmp.execute('query-migrate')) as { status?: string; 'error-desc'?: string };
      if (info.status === 'completed') break;
      if (info.status === 'failed' || info.status === 'cancelled') throw new QmpError(`lab: saving the VM failed: ${info['error-desc'] ?? info.status}`);
      if (Date.now() > deadline) throw new QmpError(`lab: saving the VM took more than ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await connected;
    await received;
  } finally {
    server.close();
  }
}

/**
 * Feed `file` to a QEMU started with `-incoming unix:<incoming>`, and resolve
 * once it runs the guest again (its RESUME event, which QEMU sends when the
 * state is in, since it was not started paused).
 */
export async function loadFromFile(qmp: QmpClient, incoming: string, file: string, timeoutMs: number): Promise<void> {
  const resumed = qmp.next('RESUME');
  resumed.catch(() => undefined);
  const sock = await connectWhenListening(incoming, timeoutMs);
  // QEMU closes the socket as soon as it has the whole state, which the
  // stream may report as an error: once the guest runs, it is none.
  let running = false;
  const fed = pipeline(createReadStream(file), sock).catch((e: unknown) => {
    if (!running) throw e;
  });
  await Promise.race([resumed, fed.then(() => resumed)]);
  running = true;
}
