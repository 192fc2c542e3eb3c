// The instructor's view on real lab servers with real VMs: the login and
// what it opens, the instructor's WebSocket and who may open it, the grid
// of two servers sharing one PostgreSQL store (as the pods of a workshop on
// Kubernetes do), a read-only watch that input cannot get through, a reset
// the learner allows, a message to the class, and the same for a learner on
// the other server, relayed by the instructor's server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import {
  INSTRUCTOR_COOKIE,
  INSTRUCTOR_LOGIN_PATH,
  INSTRUCTOR_SOCKET_PATH,
  parseInstructorServerFrame,
  type InstructorServerFrame,
  type LearnerRow,
  type RosterFrame,
} from '../../lab/instructor-protocol.ts';
import { PROGRESS_CSV_PATH } from '../../lab/instructor-protocol.ts';
import type { LabServer } from '../../lab/server/server.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { LabClient, startTestServer } from './client.ts';

const INSTRUCTOR = 'instructor-token-0123456789';
const ADA = 'ada-learner-id-00000001';
const LIN = 'lin-learner-id-00000002';

/** The instructor's page, as a plain WebSocket client. */
class InstructorSocket {
  readonly ws: WebSocket;
  readonly frames: InstructorServerFrame[] = [];
  closed?: { code: number; reason: string };
  readonly opened: Promise<void>;

  constructor(url: string, headers: Record<string, string>) {
    this.ws = new WebSocket(`${url.replace(/^http/, 'ws')}${INSTRUCTOR_SOCKET_PATH}`, { headers, origin: headers.Origin ?? new URL(url).origin });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
    this.opened.catch(() => undefined);
    this.ws.on('message', (raw) => {
      const f = parseInstructorServerFrame(String(raw));
      if (f) this.frames.push(f);
    });
    this.ws.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  row(learner: string): LearnerRow | undefined {
    return (this.frames.filter((f) => f.type === 'roster').at(-1) as RosterFrame | undefined)?.learners.find((r) => r.learner === learner);
  }

  get output(): string {
    return this.frames.map((f) => (f.type === 'output' ? f.data : '')).join('');
  }

  async until<T>(pred: () => T | undefined | false, what: string, ms = 20_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.frames.slice(-5)).slice(0, 800)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    this.ws.close();
  }
}

/** The cookie the login form answers with. */
async function login(url: string, token: string): Promise<{ status: number; cookie?: string; location?: string | null; body: string }> {
  const res = await fetch(`${url}${INSTRUCTOR_LOGIN_PATH}`, {
    method: 'POST',
    body: new URLSearchParams({ token, next: '/zh-Hans/instructor' }),
    headers: { Origin: url },
    redirect: 'manual',
  });
  const set = res.headers.get('set-cookie') ?? '';
  const m = new RegExp(`^${INSTRUCTOR_COOKIE}=([^;]+)`).exec(set);
  return { status: res.status, cookie: m ? `${INSTRUCTOR_COOKIE}=${m[1]}` : undefined, location: res.headers.get('location'), body: await res.text() };
}

describe('the instructor’s view on two servers sharing one store', () => {
  let a: LabServer;
  let b: LabServer;
  let postgres: TestPostgres;

  before(async () => {
    postgres = await startPostgres();
    const store = postgres.url;
    a = await startTestServer({ maxSessions: 2, poolSize: 0 }, { progressDb: store, instructorToken: INSTRUCTOR, serverName: 'server-a', peerUrl: 'self' });
    b = await startTestServer({ maxSessions: 1, poolSize: 0 }, { progressDb: store, instructorToken: INSTRUCTOR, serverName: 'server-b', peerUrl: 'self' });
  });

  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await postgres?.stop();
  });

  test('only the instructor token opens the page, the CSV and the socket', { timeout: 60_000 }, async () => {
    const page = await fetch(`${a.url}/instructor`);
    assert.equal(page.status, 403);
    for (const other of ['/instructor.html', '/zh-Hans/instructor', '/instructor/', '/%69nstructor', '/lab/../instructor.html', '//instructor']) {
      assert.equal((await fetch(`${a.url}${other}`)).status, 403, other);
    }
    assert.notEqual((await fetch(`${a.url}/instructors`)).status, 403, "the instructors' guide is for everyone");
    assert.match(await page.text(), /<form method="post" action="\/instructor\/login">/, 'a login form instead');
    const wrong = await login(a.url, 'not-the-instructor-token');
    assert.equal(wrong.status, 403);
    assert.equal(wrong.cookie, undefined);
    assert.match(wrong.body, /not the instructor token/);
    const ok = await login(a.url, INSTRUCTOR);
    assert.equal(ok.status, 303);
    assert.equal(ok.location, '/zh-Hans/instructor', 'back to the page asked for');
    assert.ok(ok.cookie && !ok.cookie.includes(INSTRUCTOR), 'a cookie that is not the token itself');
    assert.notEqual((await fetch(`${a.url}/zh-Hans/instructor`, { headers: { Cookie: ok.cookie } })).status, 403, 'the page, with the cookie');
    assert.equal((await fetch(`${b.url}${PROGRESS_CSV_PATH}`, { headers: { Cookie: ok.cookie } })).status, 200, "another server of the workshop takes the same cookie");
    const offsite = await fetch(`${a.url}${INSTRUCTOR_LOGIN_PATH}`, {
      method: 'POST',
      body: new URLSearchParams({ token: INSTRUCTOR }),
      headers: { Origin: 'https://evil.example' },
      redirect: 'manual',
    });
    assert.equal(offsite.status, 403, "a form on another site cannot log the instructor in");

    // The socket: no cookie, a learner's guess, another site's page: refused before any WebSocket exists.
    const refused: Record<string, string>[] = [{}, { Cookie: `${INSTRUCTOR_COOKIE}=guess` }, { Cookie: ok.cookie, Origin: 'https://evil.example' }];
    for (const headers of refused) {
      const s = new InstructorSocket(a.url, headers);
      await assert.rejects(s.opened, /upgrade refused: 403/, JSON.stringify(headers));
    }
    const bearer = new InstructorSocket(a.url, { Authorization: `Bearer ${INSTRUCTOR}` });
    await bearer.opened;
    await bearer.until(() => bearer.frames.some((f) => f.type === 'roster'), 'the grid');
    bearer.close();
  });

  test('the grid shows learners of both servers; a watch is read-only; a reset is asked and allowed; a message reaches the class', { timeout: 180_000 }, async () => {
    const cookie = (await login(a.url, INSTRUCTOR)).cookie!;
    const ada = new LabClient(a.url, { lesson: 'hello', learner: ADA, name: 'Ada' });
    const lin = new LabClient(b.url, { lesson: 'ioctl', learner: LIN, name: 'Lin' });
    const teacher = new InstructorSocket(a.url, { Cookie: cookie });
    try {
      await Promise.all([ada.status('ready', 60_000), lin.status('ready', 60_000), teacher.opened]);
      await teacher.until(() => teacher.row(ADA)?.vm === 'ready' && teacher.row(LIN)?.vm === 'ready', 'both learners ready');
      assert.deepEqual(
        [ADA, LIN].map((l) => [teacher.row(l)?.name, teacher.row(l)?.lesson, teacher.row(l)?.server]),
        [
          ['Ada', 'hello', 'server-a'],
          ['Lin', 'ioctl', 'server-b'],
        ],
      );

      // Progress on the other server reaches this instructor's grid.
      lin.send({ type: 'progress', lesson: 'ioctl', step: 'exercise-1-check', event: 'ran' });
      lin.send({ type: 'progress', lesson: 'ioctl', step: 'exercise-1-check', event: 'passed' });
      await teacher.until(() => teacher.row(LIN)?.checksPassed === 1, "Lin's check on the grid");
      assert.equal(teacher.row(LIN)?.lastStep, 'exercise-1-check');

      // Watching: what Ada types and sees, and Ada is told.
      teacher.send({ type: 'watch', learner: ADA });
      await ada.until(() => ada.notices.some((n) => n.event === 'watching'), 30_000, 'the watching notice');
      assert.equal(await ada.run('echo seen-$((6 * 7))'), 'seen-42');
      await teacher.until(() => teacher.output.includes('seen-42'), "Ada's output in the watch");
      // Input on the instructor's socket is no frame of its protocol: it closes that socket, and never reaches the VM.
      teacher.send({ type: 'input', data: 'touch /tmp/from-instructor\r' });
      await teacher.until(() => teacher.closed, 'the close');
      assert.equal(teacher.closed?.code, 1008);
      await ada.until(() => ada.notices.some((n) => n.event === 'not-watching'), 30_000, 'the end of the watch');
      assert.equal(await ada.run('ls /tmp/from-instructor 2>&1 || echo absent'), 'ls: /tmp/from-instructor: No such file or directory\nabsent');

      // A reset: asked on the grid, allowed by the learner, done on a fresh VM.
      const again = new InstructorSocket(a.url, { Cookie: cookie });
      await again.opened;
      again.send({ type: 'reset', learner: ADA });
      await ada.until(() => ada.notices.some((n) => n.event === 'ask-reset'), 30_000, 'the question');
      await again.until(() => again.row(ADA)?.resetAsk === 'asked', 'asked, on the grid');
      const statuses = ada.statuses.length;
      await ada.run('touch /tmp/before-reset');
      ada.send({ type: 'consent', given: true });
      await ada.until(() => ada.statuses.slice(statuses).some((s) => s.state === 'booting'), 30_000, 'the reset');
      await ada.until(() => ada.statuses.slice(statuses).some((s) => s.state === 'ready'), 30_000, 'the fresh VM');
      assert.equal(await ada.run('ls /tmp/before-reset 2>/dev/null || echo fresh'), 'fresh');
      await again.until(() => again.row(ADA)?.resetAsk === 'allowed', 'allowed, on the grid');
      assert.ok(again.frames.some((f) => f.type === 'notice' && f.text === 'Ada allowed the reset'));

      // A message to the class, on both servers.
      again.send({ type: 'message', text: 'Break until 11:00' });
      for (const l of [ada, lin]) await l.until(() => l.notices.some((n) => n.event === 'message' && n.text === 'Break until 11:00'), 30_000, 'the message');
      await again.until(() => again.frames.some((f) => f.type === 'notice' && f.text === 'server-b: message sent to 1 learner'), "server b's count");
      assert.ok(again.frames.some((f) => f.type === 'notice' && f.text === 'server-a: message sent to 1 learner'));

      // Lin's VM is on the other server: the watch and the question go there, relayed.
      again.send({ type: 'watch', learner: LIN });
      await lin.until(() => lin.notices.some((n) => n.event === 'watching'), 30_000, 'watched from the other server');
      assert.equal(await lin.run('echo far-$((6 * 7))'), 'far-42');
      await again.until(() => again.output.includes('far-42'), "Lin's output, relayed");
      again.send({ type: 'unwatch' });
      await lin.until(() => lin.notices.some((n) => n.event === 'not-watching'), 30_000, 'the end of the relayed watch');
      again.send({ type: 'reset', learner: LIN });
      await lin.until(() => lin.notices.some((n) => n.event === 'ask-reset'), 30_000, 'the question, from the other server');
      await again.until(() => again.frames.some((f) => f.type === 'notice' && f.text === 'server-b: asked Lin to allow a reset'), 'the relayed notice');
      again.close();
    } finally {
      teacher.close();
      await Promise.all([ada.close(), lin.close()]);
    }
    await new Promise((r) => setTimeout(r, 1500));
    const watcher = new InstructorSocket(b.url, { Cookie: cookie });
    await watcher.opened;
    await watcher.until(() => watcher.row(ADA) && watcher.row(LIN), 'the grid on server b');
    watcher.close();
  });
});
