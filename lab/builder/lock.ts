// One build at a time per cache: `npm start` and `npm test` may run side by
// side, and two kernel builds in one tree corrupt each other. The lock is a
// directory (mkdir is atomic) holding the owner's pid, so a lock left by a
// killed process is recognised and taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive as alive } from '../pid.ts';


function owner(lockDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function withLock<T>(lockDir: string, what: string, fn: () => Promise<T>): Promise<T> {
  let told = false;
  mkdirSync(dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = owner(lockDir);
      if (pid === undefined || !alive(pid)) {
        // Either the owner died, or it is between mkdir and writing its pid;
        // a fresh lock gets a moment before it is called stale.
        await sleep(200);
        if (owner(lockDir) === pid && (pid === undefined || !alive(pid))) {
          rmSync(lockDir, { recursive: true, force: true });
        }
        continue;
      }
      if (!told) {
        console.log(`${what}: waiting for another build (pid ${pid}) to finish`);
        told = true;
      }
      await sleep(1000);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
