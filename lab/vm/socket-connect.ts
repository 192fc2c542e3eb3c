// Connecting to a Unix socket that QEMU creates while it starts: until then
// the path does not exist (or nothing listens yet), so connecting is retried
// until a deadline.
import { connect, type Socket } from 'node:net';

const RETRY_MS = 5;

export async function connectWhenListening(path: string, timeoutMs: number): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = connect(path);
        s.once('connect', () => resolve(s));
        s.once('error', (e) => {
          s.destroy();
          reject(e);
        });
      });
    } catch (e) {
      if (Date.now() >= deadline) throw e;
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}
