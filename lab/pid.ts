// Whether a process still runs, for files that carry their owner's pid (the
// build locks, the server's copies of the VM files): an owner that is gone
// left them behind and they may be taken over or removed.
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, under another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
