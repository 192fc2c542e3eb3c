// A learner's terminal for the server's unit tests: a ClientLink that
// records what the session tells it (statuses, output, the instructor's
// notices), so a session's logic is tested without a WebSocket.
import type { InstructorNotice, Status } from '../../lab/protocol.ts';
import type { ClientLink } from '../../lab/server/session.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Terminal implements ClientLink {
  statuses: Status[] = [];
  out = '';
  notices: Omit<InstructorNotice, 'type'>[] = [];
  closed?: { code: number; reason: string };
  status(s: Status): void {
    this.statuses.push(s);
  }
  output(d: string): void {
    this.out += d;
  }
  taken(): void {}
  close(code: number, reason: string): void {
    this.closed = { code, reason };
  }
  instructor(n: Omit<InstructorNotice, 'type'>): void {
    this.notices.push(n);
  }
  get last(): Status | undefined {
    return this.statuses.at(-1);
  }
  async until(pred: (s: Status) => boolean, ms = 3000): Promise<Status> {
    const end = Date.now() + ms;
    for (;;) {
      const s = this.statuses.find(pred);
      if (s) return s;
      if (Date.now() > end) throw new Error(`no such status; got ${JSON.stringify(this.statuses)}`);
      await sleep(2);
    }
  }
}
