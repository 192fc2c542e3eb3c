// The VM in the user's own terminal: raw keystrokes in, console out, window
// size followed. Ctrl-] leaves (as in telnet), because every other key,
// Ctrl-C included, belongs to the guest.
import type { LabVM, VMExit } from './lab-vm.ts';

export const LEAVE_KEY = '\x1d';
export const LEAVE_KEY_NAME = 'Ctrl-]';
/** Input waiting for the VM above which stdin is no longer read. */
const MAX_PENDING = 1024 * 1024;

export async function attachTerminal(vm: LabVM): Promise<VMExit> {
  const { stdin, stdout } = process;
  const onData = (d: string): void => void stdout.write(d);
  // stdin is read as long as the VM keeps up, so that Ctrl-] is seen while
  // the guest ignores its input; only a paste of more than MAX_PENDING into
  // a guest that does not read waits in stdin until the guest reads.
  let held = false;
  const onKey = (buf: Buffer): void => {
    const s = buf.toString('utf8');
    const i = s.indexOf(LEAVE_KEY);
    if (i >= 0) {
      if (i > 0) vm.write(s.slice(0, i));
      void vm.stop();
      return;
    }
    vm.write(s, () => {
      if (held && vm.pendingInput <= MAX_PENDING) {
        held = false;
        stdin.resume();
      }
    });
    if (vm.pendingInput > MAX_PENDING) {
      held = true;
      stdin.pause();
    }
  };
  const onResize = (): void => vm.resize(stdout.columns, stdout.rows);

  vm.on('data', onData);
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.on('data', onKey);
  stdin.resume();
  if (stdout.isTTY) {
    stdout.on('resize', onResize);
    onResize();
  }
  try {
    return await vm.exited;
  } finally {
    vm.off('data', onData);
    stdin.off('data', onKey);
    stdout.off('resize', onResize);
    if (stdin.isTTY) stdin.setRawMode(false);
    stdin.pause();
  }
}
