// The server's pure parts, without a VM: frame validation, the origin
// policy, limits from flags, static files, stale VM files.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyOverrides, defaultLimits } from '../../lab/server/limits.ts';
import { clientAddress, originPolicy, refuseUpgrade } from '../../lab/server/origin.ts';
import type { IncomingMessage } from 'node:http';
import { BadSourceFiles, closeReason, MAX_BUILD_FILES, MAX_SOURCE_BYTES, parseClientFrame, parseServerFrame, PROTOCOL_VERSION, ProtocolError, refusalOfClose, stateAfterExit, VersionMismatch, wantsToken } from '../../lab/protocol.ts';
import { resolveFile } from '../../lab/server/http.ts';
import { sweepStaleVMFiles } from '../../lab/vm/unprivileged.ts';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

describe('client frames', () => {
  test('a valid hello, with defaults', () => {
    assert.deepEqual(parseClientFrame(`{"type":"hello","v":${PROTOCOL_VERSION},"lesson":"ioctl","cols":80,"rows":24}`), {
      type: 'hello', v: PROTOCOL_VERSION, lesson: 'ioctl', token: undefined, resume: undefined, console: 0, cols: 80, rows: 24,
    });
  });
  for (const bad of [
    '', 'x', '1', '[]', '{}', '{"type":"hello"}', '{"type":"input"}', '{"type":"input","data":5}',
    '{"type":"resize","cols":0,"rows":24}', '{"type":"resize","cols":80.5,"rows":24}', '{"type":"ack","chars":0}',
    '{"type":"reset","x":1}', `{"type":"hello","v":${PROTOCOL_VERSION},"lesson":"A/b","cols":80,"rows":24}`,
    `{"type":"hello","v":${PROTOCOL_VERSION},"lesson":"x","cols":80,"rows":24,"console":2}`,
    '{"type":"build","files":[{"name":"a.c","text":""}]}', '{"type":"build","id":1,"files":[]}', '{"type":"build","id":1,"files":{}}',
    `{"type":"input","data":"${'y'.repeat(16 * 1024 + 1)}"}`,
  ]) {
    test(`refuses ${bad.slice(0, 60) || '(empty)'}`, () => assert.throws(() => parseClientFrame(bad), ProtocolError));
  }
  test('a build: its files by plain name, each within size; a bad file is BadSourceFiles with the id, for a refused build', () => {
    const frame = { type: 'build', id: 7, files: [{ name: 'ioctl_example.c', text: 'int x; /* 中文 */' }, { name: 'ioctl_example.h', text: '' }] };
    assert.deepEqual(parseClientFrame(JSON.stringify(frame)), frame);
    const other = { type: 'build', id: 8, lesson: 'sysfs', files: [{ name: 'sysfs_example.c', text: '' }] };
    assert.deepEqual(parseClientFrame(JSON.stringify(other)), other);
    assert.throws(() => parseClientFrame(JSON.stringify({ ...other, lesson: '../etc' })), ProtocolError);
    for (const files of [
      [{ name: '../x.c', text: '' }],
      [{ name: 'Makefile', text: '' }],
      [{ name: 'a.c', text: '' }, { name: 'a.c', text: '' }],
      [{ name: 'a.c', text: 'x'.repeat(MAX_SOURCE_BYTES + 1) }],
      // Within the characters, past the bytes: 3 bytes each in UTF-8.
      [{ name: 'a.c', text: '中'.repeat(MAX_SOURCE_BYTES / 3 + 1) }],
      [{ name: 'a.c', text: '', extra: 1 }],
      Array.from({ length: MAX_BUILD_FILES + 1 }, (_, i) => ({ name: `f${i}.c`, text: '' })),
    ]) {
      assert.throws(
        () => parseClientFrame(JSON.stringify({ type: 'build', id: 7, files })),
        (e: unknown) => e instanceof BadSourceFiles && e.id === 7,
        JSON.stringify(files).slice(0, 80),
      );
    }
  });
});

describe('server frames, as the page reads them', () => {
  test('a build frame keeps what has the right shape and drops the rest', () => {
    const f = parseServerFrame(JSON.stringify({
      type: 'build', id: 3, state: 'failed', position: 'x', log: 'out', cached: false,
      diagnostics: [{ file: 'a.c', line: 2, column: 5, severity: 'error', message: 'oops' }, { severity: 'shout', message: 'no' }, 'junk'],
      delivered: [{ path: '/lab/x/m.ko', size: 10, sha256: 'ab', changed: true }, { path: 5 }],
    }));
    assert.deepEqual(f, {
      type: 'build', id: 3, state: 'failed', log: 'out', cached: false,
      diagnostics: [{ file: 'a.c', line: 2, column: 5, severity: 'error', message: 'oops' }],
      delivered: [{ path: '/lab/x/m.ko', size: 10, sha256: 'ab', changed: true }],
    });
    assert.equal(parseServerFrame('{"type":"build","id":3,"state":"exploded"}'), undefined);
    assert.equal(parseServerFrame('{"type":"build","state":"done"}'), undefined);
  });
});

test("the client's address: the socket's peer, or behind a trusted proxy the last address it appended", () => {
  const req = (forwarded?: string | string[]): IncomingMessage =>
    ({ socket: { remoteAddress: '10.0.0.5' }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }) as unknown as IncomingMessage;
  assert.equal(clientAddress(req('203.0.113.7'), false), '10.0.0.5', 'not trusted: the header is anyone\'s to write');
  assert.equal(clientAddress(req('1.2.3.4, 203.0.113.7'), true), '203.0.113.7', 'what the client claimed comes first; the proxy appends the truth');
  assert.equal(clientAddress(req(['1.2.3.4', '198.51.100.2']), true), '198.51.100.2');
  assert.equal(clientAddress(req(), true), '10.0.0.5', 'no header: the peer');
});

describe('origin policy', () => {
  const p = originPolicy('127.0.0.1', 3000, ['https://lab.example.org']);
  test('own origins and the allow-list pass', () => {
    for (const o of ['http://127.0.0.1:3000', 'http://localhost:3000', 'https://lab.example.org']) {
      assert.equal(refuseUpgrade(p, o, o.replace(/^https?:\/\//, '')), undefined);
    }
  });
  test('other origins, a missing Origin, and foreign Hosts are refused', () => {
    assert.ok(refuseUpgrade(p, 'http://evil.example', '127.0.0.1:3000'));
    assert.ok(refuseUpgrade(p, 'http://127.0.0.1:3001', '127.0.0.1:3000'));
    assert.ok(refuseUpgrade(p, 'http://localhost:3000.evil.example', '127.0.0.1:3000'));
    assert.ok(refuseUpgrade(p, undefined, '127.0.0.1:3000'));
    assert.ok(refuseUpgrade(p, 'http://rebound.example:3000', 'rebound.example:3000'));
  });
});

test('limits: derived from the machine, overridable with units', () => {
  const l = defaultLimits(2, 24 * 1024 ** 3);
  assert.equal(l.maxSessions, 48);
  assert.equal(l.poolSize, 2);
  const o = applyOverrides(l, { graceMs: '30s', maxSessions: '5', idleMs: '15m' });
  assert.deepEqual([o.graceMs, o.maxSessions, o.idleMs], [30_000, 5, 900_000]);
  assert.throws(() => applyOverrides(l, { maxSessions: 'many' }));
  assert.equal(defaultLimits(1, 512 * 1024 ** 2).maxSessions, 1);
});

test('static files never leave the site root', () => {
  assert.equal(resolveFile('/etc', '/../etc/passwd'), '/etc/passwd'); // inside the root: fine
  assert.equal(resolveFile('/usr/share', '/../../etc/passwd'), undefined);
  assert.equal(resolveFile('/usr/share', '/%2e%2e/%2e%2e/etc/passwd'), undefined);
  assert.equal(resolveFile('/usr/share', '/%E0%A4%A'), undefined);
});

test("a SIGKILLed server's VM files are removed by the next server, a live one's are not", () => {
  const dir = mkdtempSync(join(tmpdir(), 'uklab-sweep-test-'));
  // The pid of a process that has exited: nothing runs under it now.
  const gone = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim();
  mkdirSync(join(dir, `uklab-vmfiles-${gone}-abc123`));
  mkdirSync(join(dir, `uklab-vmfiles-${process.pid}-def456`));
  mkdirSync(join(dir, 'unrelated-folder'));
  assert.deepEqual(sweepStaleVMFiles(dir), [`uklab-vmfiles-${gone}-abc123`]);
  assert.deepEqual(readdirSync(dir).sort(), ['unrelated-folder', `uklab-vmfiles-${process.pid}-def456`].sort());
});

describe('the protocol module', () => {
  test('server frames are read defensively: the wrong shape is dropped, the fields checked', () => {
    assert.deepEqual(parseServerFrame('{"type":"output","data":"hi"}'), { type: 'output', data: 'hi' });
    for (const bad of ['', 'x', '[]', '{"type":"output"}', '{"type":"status","state":"owned"}', '{"type":"status"}', '{"type":"nope"}']) {
      assert.equal(parseServerFrame(bad), undefined, bad);
    }
    assert.deepEqual(parseServerFrame('{"type":"status","state":"booting","progress":7,"session":"short","extra":1}'), {
      type: 'status',
      state: 'booting',
      progress: 1,
    });
  });

  test('a close reason starts with its code, and only known codes are read back', () => {
    assert.equal(closeReason('token-bad'), 'token-bad');
    assert.equal(closeReason('bad-frame', 'hello sent twice'), 'bad-frame: hello sent twice');
    assert.equal(refusalOfClose('bad-frame: hello sent twice'), 'bad-frame');
    assert.equal(refusalOfClose('bad token'), undefined);
    assert.equal(refusalOfClose(''), undefined);
  });

  test('the page asks for a token on two reasons only', () => {
    assert.ok(wantsToken('token-required') && wantsToken('token-bad'));
    assert.ok(!wantsToken('token-throttled') && !wantsToken(undefined) && !wantsToken('full'));
  });

  test("a VM's end maps to a session state in one place", () => {
    assert.equal(stateAfterExit('panic'), 'panic');
    for (const r of ['poweroff', 'killed', 'failed', 'boot-timeout', 'idle', 'time-limit', 'start-failed'] as const) assert.equal(stateAfterExit(r), 'exited');
  });

  test('an old page gets a version error of its own kind', () => {
    assert.throws(() => parseClientFrame(`{"type":"hello","v":${PROTOCOL_VERSION - 1},"lesson":"x","cols":80,"rows":24}`), VersionMismatch);
  });
});
