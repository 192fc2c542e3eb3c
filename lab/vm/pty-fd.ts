// The pty master's file descriptor of a node-pty terminal. node-pty's
// UnixTerminal has it (`fd`) but its typings do not declare it; LabVM writes
// the guest's input into it itself (fd-writer.ts). test/lab/input.test.ts
// fails if a node-pty upgrade takes it away.
import type { IPty } from 'node-pty';

export function ptyMasterFd(terminal: IPty): number {
  const fd = (terminal as IPty & { fd?: unknown }).fd;
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
    throw new Error('lab: node-pty no longer exposes the pty master (UnixTerminal.fd); lab/vm/pty-fd.ts must follow it');
  }
  return fd;
}
